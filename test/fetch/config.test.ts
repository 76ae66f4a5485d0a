// The fetch.allow_private_addresses switch: off unless the operator turns it on.

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';

describe('config fetch.allow_private_addresses', () => {
  it('is false by default', () => {
    expect(parseConfig({}).fetch).toEqual({ allow_private_addresses: false });
    expect(parseConfig({ fetch: {} }).fetch.allow_private_addresses).toBe(false);
  });

  it('can be turned on, and refuses anything but a boolean or an unknown key', () => {
    expect(parseConfig({ fetch: { allow_private_addresses: true } }).fetch.allow_private_addresses).toBe(true);
    expect(() => parseConfig({ fetch: { allow_private_addresses: 'yes' } })).toThrow(/fetch\.allow_private_addresses/);
    expect(() => parseConfig({ fetch: { allow_private: true } })).toThrow(/fetch/);
  });
});
