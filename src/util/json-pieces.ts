// A JSON answer that holds images as Base64Text, written as Buffer pieces — the JSON around the images
// and each image's own pieces — instead of as one string: a 4K b64_json answer is ≈17 MB, which as a
// JSON.stringify result would be one more whole copy per answer in flight (and a second as the socket
// encodes it).

import { randomBytes } from 'node:crypto';
import { Base64Text } from './base64-text.ts';

export interface JsonPieces {
  pieces: Buffer[];
  /** Bytes in all (the Content-Length). */
  length: number;
}

/**
 * Below this much base64 in an answer, one JSON string (Base64Text.toJSON) costs less than a stream of
 * pieces: the tiny-image full path answers thousands a second.
 */
const PIECES_ABOVE_CHARS = 256 * 1024;

/** `value` as JSON in pieces, or undefined when it holds little or no Base64Text (JSON.stringify serves it as well). */
export function jsonPieces(value: unknown): JsonPieces | undefined {
  // Looked for before anything is copied: most answers (tasks, dry runs, URLs, tiny images) have none.
  if (base64Chars(value) <= PIECES_ABOVE_CHARS) return undefined;
  const found: Base64Text[] = [];
  // A random tag per answer: no text in the answer itself can be taken for a placeholder.
  const tag = `\u0000${randomBytes(6).toString('hex')}:`;
  const swapped = swap(value, found, tag);
  const text = JSON.stringify(swapped);
  const marker = JSON.stringify(tag).slice(0, -1); // `"\u0000…:` as the placeholder's JSON begins
  const pieces: Buffer[] = [];
  let from = 0;
  for (let at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, from)) {
    const close = text.indexOf('"', at + marker.length);
    const image = found[Number(text.slice(at + marker.length, close))];
    pieces.push(Buffer.from(text.slice(from, at + 1), 'utf8'), ...image.segments, Buffer.from('"'));
    from = close + 1;
  }
  pieces.push(Buffer.from(text.slice(from), 'utf8'));
  return { pieces, length: pieces.reduce((sum, piece) => sum + piece.length, 0) };
}

/** Characters of base64 in all the Base64Text inside plain objects and arrays of `value`. */
function base64Chars(value: unknown): number {
  if (value instanceof Base64Text) return value.length;
  let chars = 0;
  if (Array.isArray(value)) for (const item of value) chars += base64Chars(item);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) for (const key in value) chars += base64Chars((value as Record<string, unknown>)[key]);
  return chars;
}

/** A copy of plain objects and arrays with each Base64Text replaced by a placeholder string naming it. */
function swap(value: unknown, found: Base64Text[], tag: string): unknown {
  if (value instanceof Base64Text) {
    found.push(value);
    return `${tag}${found.length - 1}`;
  }
  if (Array.isArray(value)) return value.map((item) => swap(item, found, tag));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = swap(item, found, tag);
    return out;
  }
  return value;
}
