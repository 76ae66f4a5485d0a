// Random ids (util/ids.ts): base62 of the asked length from pooled CSPRNG bytes, every character
// about equally likely (rejection sampling, no modulo bias), no byte used twice.

import { describe, expect, it } from 'vitest';
import { newId, randomBase62, timeOrderedHex } from '../../src/util/ids.ts';

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

describe('time-ordered ids', () => {
  it('sort as their creation times do, across digit carries, and differ within one millisecond', () => {
    const times = [0, 61, 62, 3_843, 3_844, Date.UTC(2026, 11, 7), Date.UTC(2026, 11, 7) + 1, Date.UTC(8000, 0, 1)];
    for (const make of [(t: number) => newId('led', 24, t), (t: number) => timeOrderedHex(16, t)]) {
      const ids = times.map(make);
      expect([...ids].sort()).toEqual(ids);
      expect(make(times[5]!)).not.toBe(make(times[5]!));
    }
    expect(timeOrderedHex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(timeOrderedHex(16, 0x0123_4567_89ab)).toMatch(/^0123456789ab[0-9a-f]{20}$/);
    expect(newId('led', 24, 0)).toMatch(/^led_00000000[0-9A-Za-z]{16}$/);
  });
});
