// Random identifiers. All come from the CSPRNG: ids double as unguessable handles (tasks, media).
// Row ids begin with their creation time (as UUIDv7 does), the rest random: rows written together
// then sit together in their primary key's index, so a commit rewrites one of its pages for many rows
// instead of one random page per row (commit time per request 121 → 48–69 µs, bench/profile).

import { randomBytes, randomFillSync } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * CSPRNG bytes drawn 4 KiB at a time and each used once: one call to the generator per ~100 ids
 * rather than one per id (it was 2.8 % of the full path's CPU in bench/profile).
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolOffset = POOL_BYTES;

function randomByte(): number {
  if (poolOffset === POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++];
}

/** `length` characters of base62, uniformly distributed (rejection sampling avoids modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Base62 digits of a millisecond time: 8 of them reach the year 8888, and they sort as the times do. */
const TIME_DIGITS = 8;

function timeBase62(ms: number): string {
  let out = '';
  for (let i = 0, t = Math.floor(ms); i < TIME_DIGITS; i++, t = Math.floor(t / 62)) out = BASE62[t % 62] + out;
  return out;
}

/** A prefixed opaque id such as `acct_3k9...`: its creation time, then 16 random characters (95 bits). */
export function newId(prefix: string, length = 24, now = Date.now()): string {
  return `${prefix}_${timeBase62(now)}${randomBase62(length - TIME_DIGITS)}`;
}

/** `bytes` of hex, the first 6 of them the creation time in milliseconds (big-endian), the rest random. */
export function timeOrderedHex(bytes: number, now = Date.now()): string {
  return Math.floor(now).toString(16).padStart(12, '0').slice(-12) + randomHex(bytes - 6);
}
