// The Idempotency-Key request header (draft-ietf-httpapi-idempotency-key-header): an RFC 8941 Item
// whose value is a String, `Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"`. Stripe's and
// OpenAI's clients send the key bare (`Idempotency-Key: 8e03978e-...`), so a bare key is taken too and
// is the same key as its quoted form. Anything else is refused with a 400 naming the header: a key that
// cannot be read exactly must not silently become another key, or no key.

import { apiErrors } from '../api/errors.ts';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Stripe's limit; room for a UUID, a ULID or a client's own prefix. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** A bare key: visible ASCII without the characters that quote, escape or separate list members. */
const BARE_KEY = /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+$/;
/** What an sf-string may hold once unescaped: printable ASCII, space included. */
const STRING_CHAR = /^[\x20-\x7e]$/;

/**
 * The key the request sent, undefined when it sent none. `rawHeaders` (Node's name/value list) tells
 * two header lines apart: the draft allows one, and Node would join two into one value.
 */
export function readIdempotencyKey(value: string | string[] | undefined, rawHeaders: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  const lines = rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'idempotency-key').length;
  if (lines > 1 || Array.isArray(value)) throw refuse('was sent more than once; send one key');
  const text = value.trim();
  const key = text.startsWith('"') ? parseSfString(text) : text;
  if (key.length === 0) throw refuse('is empty');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw refuse(`is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  if (!text.startsWith('"') && !BARE_KEY.test(key)) {
    throw refuse('must be visible ASCII without spaces, commas, quotes or backslashes, or a quoted string ("...")');
  }
  return key;
}

/** RFC 8941 §4.2.5: `"` then characters or `\"` / `\\` escapes, then `"`, and nothing after it. */
function parseSfString(text: string): string {
  let out = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      if (i !== text.length - 1) throw refuse('has characters after its closing quote');
      return out;
    }
    if (c === '\\') {
      const next = text[++i];
      if (next !== '"' && next !== '\\') throw refuse('has an escape other than \\" or \\\\');
      out += next;
    } else if (STRING_CHAR.test(c)) {
      out += c;
    } else {
      throw refuse('may hold printable ASCII only');
    }
  }
  throw refuse('has no closing quote');
}

function refuse(why: string) {
  return apiErrors.invalidRequest(`The ${IDEMPOTENCY_KEY_HEADER} header ${why}.`, IDEMPOTENCY_KEY_HEADER);
}
