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

/** Parses "12.5", "0.000001" or 12.5 to micro-dollars; undefined when it is not a valid amount. */
export function parseUsd(value: unknown): number | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    // Round-trip through the shortest decimal form so 0.1 means exactly 0.1.
    text = String(value);
    if (/e/i.test(text)) text = value.toFixed(6);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return undefined;
  }
  const m = /^(-)?(\d{1,10})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) return undefined;
  const micros = Number(m[2]) * MICROS_PER_USD + Number((m[3] ?? '').padEnd(6, '0'));
  return m[1] ? -micros : micros;
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
