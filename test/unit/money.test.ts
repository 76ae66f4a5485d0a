import { describe, expect, it } from 'vitest';
import { divideRoundingUp, formatUsd, parseUsd, priceMicros, tokenCostMicros } from '../../src/util/money.ts';

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

describe('prices', () => {
  it.each([
    ['0.04', 40_000],
    ['30.00', 30_000_000],
    ['0.30', 300_000],
  ])('reads the price figure %s as %d µ$', (usd, micros) => expect(priceMicros(usd)).toBe(micros));

  it.each(['-0.04', '0.0000001', '', 'free'])('refuses the price figure %j', (usd) => expect(() => priceMicros(usd)).toThrow(/not an exact USD price/));

  it('keeps sub-micro-dollar token rates exact until the finished amount, then rounds up', () => {
    // $0.30 per 1M tokens is 0.3 µ$ a token: 10 tokens cost exactly 3 µ$, 11 cost 3.3 µ$ → 4 µ$.
    const rate = priceMicros('0.30');
    expect(tokenCostMicros(10, rate)).toBe(3);
    expect(tokenCostMicros(11, rate)).toBe(4);
    expect(tokenCostMicros(1290, priceMicros('30.00'))).toBe(38_700);
    expect(tokenCostMicros(0, rate)).toBe(0);
  });

  it.each([
    [0, 7, 0],
    [14, 7, 2],
    [15, 7, 3],
    [110_000 * 110, 100, 121_000],
    [9_007_199_254_740_000, 1_000_000, 9_007_199_255],
  ])('divides %d by %d rounding up to %d', (numerator, denominator, quotient) => expect(divideRoundingUp(numerator, denominator)).toBe(quotient));
});
