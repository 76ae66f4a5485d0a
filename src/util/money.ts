// Money is integer micro-dollars (1 USD = 1,000,000) everywhere inside Easel, never a float: balances,
// reservations, charges, ledger rows and the published price views all count in the same unit.
// Per-token prices are the one place finer than a micro-dollar ($0.30 per 1M tokens is 0.3 µ$ a token),
// so a token rate is kept as micro-dollars per million tokens, the unit providers publish and an exact
// integer for every catalogue rate, and only a finished amount is rounded, up, to the micro-dollar.
// JSON carries decimal strings out and accepts strings or numbers in.
// It lives in util/ because every layer handles money: api/ parses it, catalog/ publishes prices,
// billing/ quotes and charges.

export const MICROS_PER_USD = 1_000_000;
/** Token rates are quoted per this many tokens. */
const TOKENS_PER_RATE = 1_000_000;

/**
 * The largest amount Easel holds exactly: Number.MAX_SAFE_INTEGER micro-dollars, $9,007,199,254.740991.
 * One micro-dollar more and a JS number no longer tells neighbouring amounts apart.
 */
export const MAX_USD_MICROS = Number.MAX_SAFE_INTEGER;
const MAX_USD = '9007199254.740991';
/** A JSON number carries any decimal of this many significant digits exactly (IEEE 754 double, DBL_DIG). */
const EXACT_NUMBER_DIGITS = 15;

/** An amount read to micro-dollars, or why it cannot be: the reason reads after a field name. */
export type UsdReading = { ok: true; micros: number } | { ok: false; reason: string };

/**
 * Reads "12.5", "0.000001", 12.5 or 1e-6 to micro-dollars, exactly or not at all: an amount below a
 * micro-dollar or beyond MAX_USD_MICROS is refused, never rounded. Strings are plain decimals; a number
 * is read as its shortest decimal form (what JSON.stringify prints, so 0.1 is exactly 0.1 and 1e-7 is
 * 0.0000001), and one needing more than 15 significant digits is refused: past that a double may stand
 * for a neighbouring amount, and only a string says which was meant.
 */
export function readUsd(value: unknown): UsdReading {
  const decimal = typeof value === 'number' ? numberDecimal(value) : typeof value === 'string' ? plainDecimal(value.trim()) : undefined;
  if (!decimal) return { ok: false, reason: 'must be a USD amount: a decimal string such as "12.50", or a number' };
  const whole = decimal.whole.replace(/^0+/, '');
  const fraction = decimal.fraction.replace(/0+$/, '');
  if (fraction.length > 6) return { ok: false, reason: 'has more than 6 decimals: the smallest amount is one micro-dollar, 0.000001' };
  const tooLarge = { ok: false, reason: `is beyond the largest exact amount, ${MAX_USD}` } as const;
  // Length first, so a string of a million digits never becomes a BigInt.
  if (whole.length > MAX_USD.indexOf('.')) return tooLarge;
  const exact = BigInt(whole || '0') * BigInt(MICROS_PER_USD) + BigInt(fraction.padEnd(6, '0'));
  if (exact > BigInt(MAX_USD_MICROS)) return tooLarge;
  if (typeof value === 'number' && `${whole}${fraction}`.replace(/^0+/, '').length > EXACT_NUMBER_DIGITS) {
    return { ok: false, reason: `has more than ${EXACT_NUMBER_DIGITS} significant digits, more than a JSON number carries exactly: send it as a string` };
  }
  const micros = Number(exact);
  // "-0" is zero, not a negative zero that would print as "-0.00".
  return { ok: true, micros: decimal.negative && micros !== 0 ? -micros : micros };
}

/** readUsd's micro-dollars, or undefined when the amount is refused. */
export function parseUsd(value: unknown): number | undefined {
  const reading = readUsd(value);
  return reading.ok ? reading.micros : undefined;
}

interface Decimal {
  negative: boolean;
  whole: string;
  fraction: string;
}

function plainDecimal(text: string): Decimal | undefined {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  return m ? { negative: m[1] !== undefined, whole: m[2], fraction: m[3] ?? '' } : undefined;
}

/** A number's shortest decimal form, its exponent (1e-7, 1.5e+21) written out digit for digit. */
function numberDecimal(value: number): Decimal | undefined {
  if (!Number.isFinite(value)) return undefined;
  const m = /^(-)?(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!m) return undefined;
  const digits = m[2] + (m[3] ?? '');
  // Where the decimal point falls in `digits` once the exponent is applied (|exponent| ≤ 324 for a double).
  const point = m[2].length + Number(m[4] ?? 0);
  const padded = point <= 0 ? '0'.repeat(1 - point) + digits : digits.padEnd(point, '0');
  const at = Math.max(point, 1);
  return { negative: m[1] !== undefined, whole: padded.slice(0, at), fraction: padded.slice(at) };
}

/** Formats micro-dollars as a decimal string with at least two decimals: 1500000 → "1.50", 1 → "0.000001". */
export function formatUsd(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_USD);
  const frac = String(abs % MICROS_PER_USD).padStart(6, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${sign}${whole}.${frac}`;
}

/**
 * A price figure of the catalogue or the operator's config ("0.04", "30.00" per 1M tokens) in
 * micro-dollars. Throws: a price that is not an exact non-negative amount is a bug in the data.
 */
export function priceMicros(usd: string): number {
  const micros = typeof usd === 'string' ? parseUsd(usd) : undefined;
  if (micros === undefined || micros < 0) throw new Error(`not an exact USD price: '${usd}'`);
  return micros;
}

/**
 * numerator / denominator rounded up, for non-negative integers. The float quotient is only a first
 * guess: it is corrected against the exact integer products, so no rounding of the division can move
 * an amount by a micro-dollar.
 */
export function divideRoundingUp(numerator: number, denominator: number): number {
  let quotient = Math.floor(numerator / denominator);
  if (quotient * denominator > numerator) quotient -= 1;
  if (quotient * denominator < numerator) quotient += 1;
  return quotient;
}

/** What `tokens` cost at `microsPerMillionTokens`, rounded up to the micro-dollar. */
export function tokenCostMicros(tokens: number, microsPerMillionTokens: number): number {
  return divideRoundingUp(tokens * microsPerMillionTokens, TOKENS_PER_RATE);
}
