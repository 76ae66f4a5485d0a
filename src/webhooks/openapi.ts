// The webhook endpoints in /openapi.json: the account's secret, its delivery log and replays, and the
// admin's per-key default callback. Spread into the document by http/openapi.ts.

import { z } from 'zod';
import { DELIVERY_LIST_DEFAULT_LIMIT, DELIVERY_LIST_MAX_LIMIT, keyCallbackSchema } from './schemas.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string) => ({ type: [type, 'null'] });

export const webhookOpenApiSchemas: Record<string, unknown> = {
  WebhookSecret: {
    type: 'object',
    required: ['object', 'secret', 'created', 'previous_secret_expires_at'],
    properties: {
      object: { type: 'string', enum: ['webhook.secret'] },
      secret: { type: 'string', description: 'whsec_ + base64 of the HMAC-SHA256 key. Shown this once.' },
      created: { type: 'integer', description: 'Unix seconds' },
      previous_secret_expires_at: { ...nullable('integer'), description: 'Until when the replaced secret still signs (a second signature), unix seconds; null on the first secret.' },
    },
  },
  WebhookDelivery: {
    type: 'object',
    required: ['id', 'object', 'task_id', 'event_type', 'url', 'status', 'created', 'next_attempt_at', 'delivered_at', 'attempts'],
    properties: {
      id: { type: 'string', description: 'Also the webhook-id header, the same on every retry and replay.', example: 'msg_3k9XwQ2mB7pLr0TzY5nC8dVe' },
      object: { type: 'string', enum: ['webhook.delivery'] },
      task_id: { type: 'string' },
      event_type: { type: 'string', enum: ['image.task.completed', 'image.task.failed'] },
      url: { type: 'string' },
      status: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
      created: { type: 'integer' },
      next_attempt_at: nullable('integer'),
      delivered_at: nullable('integer'),
      attempts: {
        type: 'array',
        items: {
          type: 'object',
          required: ['attempt', 'at', 'status_code', 'latency_ms', 'error', 'response_excerpt'],
          properties: {
            attempt: { type: 'integer' },
            at: { type: 'integer', description: 'Unix seconds' },
            status_code: nullable('integer'),
            latency_ms: { type: 'integer' },
            error: { ...nullable('string'), description: 'timeout, network, dns, refused_address, invalid_url, redirect, http_status, gone, task_expired, no_secret; null on success' },
            response_excerpt: { ...nullable('string'), description: "The start of the receiver's body (at most 200 characters)." },
          },
        },
      },
    },
  },
  WebhookDeliveryList: {
    type: 'object',
    required: ['object', 'data', 'first_id', 'last_id', 'has_more'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      data: { type: 'array', items: ref('WebhookDelivery') },
      first_id: nullable('string'),
      last_id: nullable('string'),
      has_more: { type: 'boolean' },
    },
  },
  KeyCallbackRequest: requestSchema(keyCallbackSchema),
  KeyCallback: {
    type: 'object',
    required: ['object', 'key_id', 'account_id', 'callback_url'],
    properties: {
      object: { type: 'string', enum: ['api_key.callback'] },
      key_id: { type: 'string' },
      account_id: { type: 'string' },
      callback_url: nullable('string'),
      webhook_secret: { type: 'string', description: "The account's first signing secret, when this call created it: shown this once." },
    },
  },
};

/** The webhook paths, given the document's security requirements and error response. */
export function webhookOpenApiPaths(apiKey: unknown, admin: unknown, errorResponse: unknown): Record<string, unknown> {
  const json = (description: string, schema: string) => ({ description, content: { 'application/json': { schema: ref(schema) } } });
  const pathId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  // Neither POST reads a body; one sent is ignored (and still held to the JSON body rules).
  const noBody = { required: false, content: { 'application/json': { schema: { type: 'object' } } } };
  return {
    '/v1/webhooks/secret': {
      post: {
        operationId: 'rotateWebhookSecret',
        security: apiKey,
        requestBody: noBody,
        responses: { 200: json("The account's new signing secret, shown once; the previous one keeps signing through the overlap", 'WebhookSecret'), 400: errorResponse, 401: errorResponse },
      },
    },
    '/v1/webhooks/deliveries': {
      get: {
        operationId: 'listWebhookDeliveries',
        security: apiKey,
        parameters: [
          { name: 'task_id', in: 'query', schema: { type: 'string' }, description: "Only this task's deliveries." },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: DELIVERY_LIST_MAX_LIMIT, default: DELIVERY_LIST_DEFAULT_LIMIT } },
          { name: 'after', in: 'query', schema: { type: 'string' }, description: 'A delivery id: list the ones older than it (newest first).' },
        ],
        responses: { 200: json("The account's webhook deliveries, newest first, each with its attempts", 'WebhookDeliveryList'), 400: errorResponse, 401: errorResponse },
      },
    },
    '/v1/webhooks/deliveries/{id}/replay': {
      post: {
        operationId: 'replayWebhookDelivery',
        security: apiKey,
        parameters: [pathId],
        requestBody: noBody,
        responses: { 200: json('The delivery, due again now with a fresh retry window', 'WebhookDelivery'), 400: errorResponse, 401: errorResponse, 404: errorResponse },
      },
    },
    '/admin/v1/keys/{id}/callback': {
      put: {
        operationId: 'setKeyCallback',
        security: admin,
        parameters: [pathId],
        requestBody: { required: true, content: { 'application/json': { schema: ref('KeyCallbackRequest') } } },
        responses: { 200: json("The key's default callback", 'KeyCallback'), 400: errorResponse, 401: errorResponse, 404: errorResponse },
      },
    },
  };
}

function requestSchema(s: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
