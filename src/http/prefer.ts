// The `Prefer` request header (RFC 7240), for the two preferences a create honours: `wait=N` (hold
// the request up to N seconds for the images) and `respond-async` (answer with the task at once).
// The RFC's rules: names are case-insensitive, the first instance of a preference counts, and a
// preference that is malformed or unknown is ignored, never an error.

import type { WaitPreferences } from '../tasks/wait-plan.ts';

/** A delta-seconds longer than this is read as this (RFC 9111's cap on delta-seconds). */
const MAX_DELTA_SECONDS = 2_147_483_648;

export function parsePrefer(header: string | string[] | undefined): WaitPreferences {
  const found: WaitPreferences = { respondAsync: false };
  const seen = new Set<string>();
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  for (const preference of values.flatMap((value) => splitOutsideQuotes(value))) {
    // Parameters after ';' belong to the preference; neither of ours takes any.
    const [head = ''] = splitOutsideQuotes(preference, ';');
    const eq = head.indexOf('=');
    const name = (eq < 0 ? head : head.slice(0, eq)).trim().toLowerCase();
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const value = eq < 0 ? undefined : unquote(head.slice(eq + 1).trim());
    if (name === 'respond-async' && value === undefined) found.respondAsync = true;
    if (name === 'wait' && value !== undefined && /^\d{1,12}$/.test(value)) found.waitSeconds = Math.min(Number(value), MAX_DELTA_SECONDS);
  }
  return found;
}

/** Splits on `separator` where it is not inside a quoted-string. */
function splitOutsideQuotes(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') {
      current += c + (text[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function unquote(word: string): string {
  if (word.length < 2 || !word.startsWith('"') || !word.endsWith('"')) return word;
  return word.slice(1, -1).replace(/\\(.)/g, '$1');
}
