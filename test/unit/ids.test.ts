// Random ids (util/ids.ts): base62 of the asked length from pooled CSPRNG bytes, every character
// about equally likely (rejection sampling, no modulo bias), no byte used twice.

import { describe, expect, it } from 'vitest';
import { newId, randomBase62 } from '../../src/util/ids.ts';

describe('randomBase62', () => {
  it('gives exactly the asked length in base62, across many pool refills', () => {
    for (const length of [1, 7, 24, 48, 5000]) {
      const id = randomBase62(length);
      expect(id).toHaveLength(length);
      expect(id).toMatch(/^[0-9A-Za-z]+$/);
    }
  });

  it('never repeats across 100,000 ids (a byte used twice would repeat runs of them)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(randomBase62(12));
    expect(seen.size).toBe(100_000);
  });

  it('uses every character about equally often', () => {
    const counts = new Map<string, number>();
    const total = 62 * 5_000;
    for (const c of randomBase62(total)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 5,000 expected each; a modulo bias (256 % 62) would put the first 8 characters ~25 % high.
    for (const n of counts.values()) expect(Math.abs(n - 5_000)).toBeLessThan(500);
  });

  it('newId prefixes the random part', () => {
    expect(newId('acct')).toMatch(/^acct_[0-9A-Za-z]{24}$/);
  });
});
