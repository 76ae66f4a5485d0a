// Standard Webhooks signatures (standardwebhooks.com, "Signature scheme" and "Webhook headers"):
// HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`, keyed by the base64-decoded part of
// a `whsec_` secret, sent as `v1,<base64>`; during a secret rotation one signature per live secret,
// space-separated, so a receiver that knows either secret verifies the delivery.

import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** The spec asks for 24 to 64 random bytes. */
const SECRET_BYTES = 32;

/** A new signing secret as the account is shown it: `whsec_` + base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** `v1,<base64 HMAC>` of one message under one secret. */
export function sign(secret: string, id: string, timestampS: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampS}.${body}`).digest('base64')}`;
}

/** The three Standard Webhooks headers of one attempt, signed with every live secret. */
export function webhookHeaders(secrets: readonly string[], id: string, timestampS: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': secrets.map((secret) => sign(secret, id, timestampS, body)).join(' '),
  };
}
