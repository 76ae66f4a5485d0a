// The webhook operations of /openapi.json (declared as api/operations/spec.ts says): the account's
// secret, its delivery log and replays, and the admin's per-key default callback, as
// http/routes/webhooks.ts and webhooks/views.ts answer them.

import { z } from 'zod';
import { answer, type OperationSpec, pathParam, queryParam, reply, request, unixSeconds } from '../api/operations/spec.ts';
import { DELIVERY_LIST_DEFAULT_LIMIT, DELIVERY_LIST_MAX_LIMIT, keyCallbackSchema, listDeliveriesQuerySchema } from './schemas.ts';

const webhookSecret = answer(
  'WebhookSecret',
  reply({
    object: z.literal('webhook.secret'),
    secret: z.string().describe('whsec_ + base64 of the HMAC-SHA256 key. Shown this once.'),
    created: unixSeconds,
    previous_secret_expires_at: unixSeconds.nullable().describe('Until when the replaced secret still signs (a second signature), unix seconds; null on the first secret.'),
  }),
);

const attempt = reply({
  attempt: z.int(),
  at: unixSeconds,
  status_code: z.int().nullable(),
  latency_ms: z.int(),
  error: z.string().nullable().describe('timeout, network, dns, refused_address, invalid_url, redirect, http_status, gone, task_expired, no_secret; null on success'),
  response_excerpt: z.string().nullable().describe("The start of the receiver's body (at most 200 characters)."),
});

const delivery = answer(
  'WebhookDelivery',
  reply({
    id: z.string().describe('Also the webhook-id header, the same on every retry and replay.').meta({ example: 'msg_3k9XwQ2mB7pLr0TzY5nC8dVe' }),
    object: z.literal('webhook.delivery'),
    task_id: z.string(),
    event_type: z.enum(['image.task.completed', 'image.task.failed']),
    url: z.string(),
    status: z.enum(['pending', 'delivered', 'dead']),
    created: unixSeconds,
    next_attempt_at: unixSeconds.nullable(),
    delivered_at: unixSeconds.nullable(),
    attempts: z.array(attempt),
  }),
);

const deliveryList = answer(
  'WebhookDeliveryList',
  reply({ object: z.literal('list'), data: z.array(delivery), first_id: z.string().nullable(), last_id: z.string().nullable(), has_more: z.boolean() }),
);

const keyCallback = answer(
  'KeyCallback',
  reply({
    object: z.literal('api_key.callback'),
    key_id: z.string(),
    account_id: z.string(),
    callback_url: z.string().nullable(),
    webhook_secret: z.string().optional().describe("The account's first signing secret, when this call created it: shown this once."),
  }),
);

/** Neither POST reads a body; one sent is ignored (and still held to the JSON body rules). */
const noBody = { description: 'None: a body sent is ignored', json: z.object({}), optional: true as const };

export const webhookOperations: OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/webhooks/secret',
    operationId: 'rotateWebhookSecret',
    summary: "Rotate the account's webhook signing secret",
    tag: 'webhooks',
    security: 'apiKey',
    body: noBody,
    responses: { 200: { description: "The account's new signing secret, shown once; the previous one keeps signing through the overlap", json: webhookSecret } },
  },
  {
    method: 'get',
    path: '/v1/webhooks/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: "The account's webhook deliveries, newest first, each with its attempts",
    tag: 'webhooks',
    security: 'apiKey',
    params: [
      queryParam('task_id', listDeliveriesQuerySchema.shape.task_id, "Only this task's deliveries"),
      queryParam('limit', { type: 'integer', minimum: 1, maximum: DELIVERY_LIST_MAX_LIMIT, default: DELIVERY_LIST_DEFAULT_LIMIT }, 'Deliveries per page'),
      queryParam('after', listDeliveriesQuerySchema.shape.after, 'A delivery id: list the ones older than it'),
    ],
    responses: { 200: { description: 'One page', json: deliveryList } },
    errors: ['invalid_value'],
  },
  {
    method: 'post',
    path: '/v1/webhooks/deliveries/{id}/replay',
    operationId: 'replayWebhookDelivery',
    summary: 'Send a delivery again',
    tag: 'webhooks',
    security: 'apiKey',
    params: [pathParam('id', 'The delivery id (msg_...)')],
    body: noBody,
    responses: { 200: { description: 'The delivery, due again now with a fresh retry window', json: delivery } },
    errors: ['webhook_delivery_not_found'],
  },
  {
    method: 'put',
    path: '/admin/v1/keys/{id}/callback',
    operationId: 'setKeyCallback',
    summary: "Set or remove a key's default callback URL",
    tag: 'admin',
    security: 'adminToken',
    params: [pathParam('id', 'The key id (key_...)')],
    body: { json: request('KeyCallbackRequest', keyCallbackSchema) },
    responses: { 200: { description: "The key's default callback", json: keyCallback } },
    errors: ['invalid_value', 'missing_required_parameter', 'unsupported_parameter', 'api_key_not_found'],
  },
];
