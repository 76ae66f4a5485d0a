import { describe, expect, it } from 'vitest';
import { formatUsd, parseUsd } from '../../src/billing/money.ts';

describe('money', () => {
  it.each([
    ['12.5', 12_500_000],
    ['0.000001', 1],
    [0.1, 100_000],
    [3, 3_000_000],
    ['-2', -2_000_000],
    [1e-6, 1],
  ])('parses %j exactly', (input, micros) => expect(parseUsd(input)).toBe(micros));

  it.each(['', 'abc', '1.0000001', '1e3', NaN, Infinity, null, {}])('refuses %j', (input) => expect(parseUsd(input)).toBeUndefined());

  it.each([
    [1_500_000, '1.50'],
    [1, '0.000001'],
    [0, '0.00'],
    [-250_000, '-0.25'],
    [123_456_789, '123.456789'],
  ])('formats %d as %s', (micros, text) => expect(formatUsd(micros)).toBe(text));
});
