// What every `easel` command shares: reading its arguments (a mistake is a UsageError, exit 2) and
// writing its answer, as aligned text for people or, with --json, one JSON document for scripts.

import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line Easel cannot read: the message, then the usage text, exit 2. */
export class UsageError extends Error {}

export type Out = (text: string) => void;

type Options = NonNullable<ParseArgsConfig['options']>;

/** The --json flag every read command takes. */
export const JSON_OPTION = { json: { type: 'boolean' } } as const satisfies Options;

/**
 * `args` read against `options`, with exactly `count` positionals (or from `count[0]` to `count[1]`);
 * anything else (an unknown option, a missing value, a stray word) is a UsageError quoting `usage`.
 */
export function readArgs<O extends Options>(args: string[], options: O, usage: string, count: number | [number, number] = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's message goes on to explain `--`; its first sentence is the news.
    throw new UsageError(`${(err as Error).message.split(/\n|\. To specify/)[0]}\n  usage: easel ${usage}`);
  }
  const [min, max] = typeof count === 'number' ? [count, count] : count;
  if (parsed.positionals.length < min || parsed.positionals.length > max) throw new UsageError(`usage: easel ${usage}`);
  return parsed;
}

/** A whole number from `min` to `max` given to `--name`, or `fallback` when it was not given. */
export function intOption(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** One pretty-printed JSON document and a newline. */
export function printJson(out: Out, value: unknown): void {
  out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Rows under a header, each column as wide as its widest cell (the last one left ragged). */
export function printTable(out: Out, header: string[], rows: Array<Array<string | number | null>>): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  for (const row of cells) out(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
}

/** Unix seconds as an ISO date and time (UTC), for people. */
export function when(seconds: number | null): string | null {
  return seconds === null ? null : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
