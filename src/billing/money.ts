// Money is integer micro-dollars (1 USD = 1,000,000) everywhere inside Easel, never a float.
// JSON carries decimal strings out and accepts strings or numbers in.

export const MICROS_PER_USD = 1_000_000;

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
