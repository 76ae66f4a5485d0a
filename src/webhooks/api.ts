// What the webhook endpoints do, apart from HTTP: rotate an account's secret, list and replay its
// deliveries, set a key's default callback. A delivery of another account is indistinguishable from
// one that does not exist.

import type { Config } from '../config/schema.ts';
import { apiErrors } from '../api/errors.ts';
import type { Db } from '../storage/db/open.ts';
import { attemptsOf, type DeliveryRow, listDeliveries, replayDelivery } from './deliveries.ts';
import { checkCallbackUrl } from './callback-url.ts';
import { keyAccount, setKeyCallback } from './key-callbacks.ts';
import type { keyCallbackSchema, listDeliveriesQuerySchema } from './schemas.ts';
import { ensureSecret, rotateSecret } from './secrets.ts';
import { deliveryView, secretView } from './views.ts';
import type { z } from 'zod';

export interface WebhookSettings {
  config: Config['webhooks'];
  allowPrivateAddresses: boolean;
}

interface Deps {
  db: Db;
  webhooks: WebhookSettings;
}

/** POST /v1/webhooks/secret: the new secret, shown this once; the previous one signs through the overlap. */
export async function rotateAccountSecret(deps: Deps, accountId: string) {
  const rotated = await rotateSecret(deps.db.kysely, deps.db.dialect, accountId, deps.webhooks.config.secret_overlap_ms);
  return secretView(rotated.secret, rotated.createdAt, rotated.previousExpiresAt);
}

/** GET /v1/webhooks/deliveries: the account's deliveries newest first, each with its attempts. */
export async function listAccountDeliveries(deps: Deps, accountId: string, query: z.output<typeof listDeliveriesQuerySchema>) {
  const page = await listDeliveries(deps.db.kysely, accountId, { taskId: query.task_id, limit: query.limit, after: query.after });
  if (!page) throw apiErrors.invalidRequest(`after: no webhook delivery with id '${String(query.after).slice(0, 100)}'.`, 'after');
  const data = await withAttempts(deps, page.rows);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
}

/** POST /v1/webhooks/deliveries/{id}/replay: due now, with a fresh retry window. */
export async function replayAccountDelivery(deps: Deps, accountId: string, id: string) {
  const delivery = await replayDelivery(deps.db.kysely, accountId, id, deps.webhooks.config.retry_window_ms);
  if (!delivery) throw apiErrors.webhookDeliveryNotFound();
  return (await withAttempts(deps, [delivery]))[0];
}

/**
 * PUT /admin/v1/keys/{id}/callback. The URL passes the SSRF guard now (and again at every delivery).
 * An account without a signing secret gets its first one here, returned this once as `webhook_secret`
 * for the operator to hand over: the key's deliveries must be verifiable from the start.
 */
export async function setKeyDefaultCallback(deps: Deps, keyId: string, body: z.output<typeof keyCallbackSchema>) {
  const accountId = await keyAccount(deps.db.kysely, keyId);
  if (!accountId) throw apiErrors.apiKeyNotFound();
  const url = body.callback_url;
  if (url !== null) await checkCallbackUrl(url, { allowPrivate: deps.webhooks.allowPrivateAddresses });
  await setKeyCallback(deps.db.kysely, keyId, url);
  const created = url === null ? undefined : await ensureSecret(deps.db.kysely, deps.db.dialect, accountId);
  return { object: 'api_key.callback', key_id: keyId, account_id: accountId, callback_url: url, ...(created ? { webhook_secret: created } : {}) };
}

async function withAttempts(deps: Deps, rows: DeliveryRow[]) {
  const attempts = await attemptsOf(deps.db.kysely, rows.map((r) => r.id));
  return rows.map((row) => deliveryView(row, attempts.filter((a) => a.delivery_id === row.id)));
}
