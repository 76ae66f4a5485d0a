// A Standard Webhooks verifier written for the tests from the specification's text alone
// (standardwebhooks.com, "Verifying webhook authenticity"), sharing nothing with src/webhooks: take the
// `whsec_` secret's base64 part as the HMAC-SHA256 key, sign `${webhook-id}.${webhook-timestamp}.${body}`,
// and accept when any space-separated `v1,<base64>` entry of webhook-signature matches, compared in
// constant time, with the timestamp within the tolerance of now.

import { createHmac, timingSafeEqual } from 'node:crypto';

export type Headers = Record<string, string | string[] | undefined>;

const one = (h: Headers, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Why a delivery does not verify, or undefined when it does. */
export function verificationProblem(secret: string, headers: Headers, body: string, opts: { nowMs?: number; toleranceS?: number } = {}): string | undefined {
  const id = one(headers, 'webhook-id');
  const timestamp = one(headers, 'webhook-timestamp');
  const signatures = one(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) return 'a webhook header is missing';
  if (!/^\d+$/.test(timestamp)) return 'the timestamp is not integer seconds';
  const nowS = (opts.nowMs ?? Date.now()) / 1000;
  if (Math.abs(nowS - Number(timestamp)) > (opts.toleranceS ?? 300)) return 'the timestamp is outside the tolerance';
  if (!secret.startsWith('whsec_')) return 'the secret is not whsec_';
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${body}`).digest();
  const matches = signatures.split(' ').some((entry) => {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') return false;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? undefined : 'no signature matches';
}
