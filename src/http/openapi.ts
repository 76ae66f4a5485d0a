// GET /openapi.json: generated from the same zod schemas that validate requests, so the document
// cannot drift from what the server enforces.

import { z } from 'zod';
import { errorTypes, errorVariants, invalidRequestCodes } from '../api/errors.ts';
import { adminListOpenApiPaths, adminListOpenApiSchemas, createAccountSchema, createKeySchema, creditAccountSchema } from '../api/admin.ts';
import { fileOpenApiPaths, fileOpenApiSchemas } from '../api/files.ts';
import { imageEditRequestSchema, imageGenerationRequestSchema, imageVariationRequestSchema } from '../api/images.ts';
import { webhookOpenApiPaths, webhookOpenApiSchemas } from '../webhooks/openapi.ts';

const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } } };

function jsonBody(ref: string) {
  return { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } };
}

function schema(s: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/**
 * The error envelope, its `type` and `code` enums and the list of codes (x-error-codes: status, type,
 * retryable, when) all read from api/errors.ts's ERROR_CODES, the table the server raises errors from.
 */
function apiErrorSchema(): Record<string, unknown> {
  const variants = errorVariants();
  return {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['message', 'type'],
        properties: {
          message: { type: 'string' },
          type: { type: 'string', enum: errorTypes() },
          code: { type: ['string', 'null'], enum: [...new Set(variants.map((v) => v.code)), null] },
          param: { type: ['string', 'null'] },
          retryable: { type: 'boolean', description: 'A retry of the same request may succeed (after retry_after seconds when given).' },
          retry_after: { type: 'integer', description: 'Seconds to wait before retrying, as in the Retry-After header.' },
        },
        additionalProperties: true,
      },
      validation_errors: {
        type: 'array',
        items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' }, code: { type: 'string', enum: invalidRequestCodes() } } },
      },
    },
    'x-error-codes': variants.map((v) => ({ code: v.code, status: v.status, type: v.type, retryable: v.retryable, description: v.when })),
  };
}

type Operation = { operationId: string; security?: unknown; requestBody?: unknown; parameters?: unknown[]; responses: Record<string, unknown> };

/**
 * Statuses a route can answer whatever it does, added to every operation so the document lists all
 * the server returns: a malformed path or header (400), a request head not sent in time (408), a
 * path parameter past the router's length limit (414), headers over the size limit (431), a server
 * error (500); with a body, a wrong content type (415) and one too large (413);
 * behind a key or token, a bad credential (401), the per-key limit (429) and a database outage (503).
 */
function withCommonErrors(paths: Record<string, Record<string, Operation>>): Record<string, Record<string, Operation>> {
  for (const methods of Object.values(paths)) {
    for (const op of Object.values(methods)) {
      const statuses = [400, 408, 414, 431, 500, ...(op.requestBody ? [413, 415] : []), ...(op.security ? [401, 429, 503] : [])];
      for (const status of statuses) op.responses[status] ??= errorResponse;
    }
  }
  return paths;
}

export function buildOpenApiDocument(publicUrl: string): Record<string, unknown> {
  const apiKey = [{ apiKey: [] }];
  const admin = [{ adminToken: [] }];
  const ok = (description: string) => ({ description });
  const adminLists = adminListOpenApiPaths(admin, errorResponse);
  return {
    openapi: '3.1.0',
    info: { title: 'Easel image gateway', version: '0.1.0', description: 'OpenAI-compatible image generation gateway.' },
    servers: [{ url: publicUrl }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An Easel API key, sk-...' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token (EASEL_ADMIN_TOKEN or data/admin-token)' },
      },
      schemas: {
        ImageGenerationRequest: schema(imageGenerationRequestSchema),
        ImageEditRequest: schema(imageEditRequestSchema),
        ImageVariationRequest: schema(imageVariationRequestSchema),
        CreateAccountRequest: schema(createAccountSchema),
        CreditAccountRequest: schema(creditAccountSchema),
        CreateKeyRequest: schema(createKeySchema),
        ...fileOpenApiSchemas,
        ...adminListOpenApiSchemas,
        ...webhookOpenApiSchemas,
        ApiError: apiErrorSchema(),
      },
    },
    paths: withCommonErrors({
      '/v1/images/generations': {
        post: {
          operationId: 'createImage',
          security: apiKey,
          requestBody: jsonBody('ImageGenerationRequest'),
          responses: { 200: ok('Images inline ({created, data}) or a task ({status:"pending", task_id, poll_url})'), 400: errorResponse, 401: errorResponse, 413: errorResponse },
        },
      },
      '/v1/images/edits': {
        post: {
          operationId: 'editImage',
          security: apiKey,
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/ImageEditRequest' } },
              'multipart/form-data': { schema: { type: 'object', description: 'The same fields as strings, images as `image` / repeated `image[]` parts (1–16) and an optional `mask` part.' } },
            },
          },
          responses: { 200: ok('Images inline or a task'), 400: errorResponse, 401: errorResponse, 402: errorResponse, 413: errorResponse },
        },
      },
      '/v1/images/variations': {
        post: {
          operationId: 'createImageVariation',
          security: apiKey,
          requestBody: { required: true, content: { 'multipart/form-data': { schema: { $ref: '#/components/schemas/ImageVariationRequest' } } } },
          responses: { 200: ok('Images inline or a task'), 400: errorResponse, 401: errorResponse, 402: errorResponse, 413: errorResponse },
        },
      },
      ...Object.fromEntries(
        ['/v1/tasks/{id}', '/v1/images/{id}', '/v1/images/generations/{id}'].map((path, i) => [
          path,
          {
            get: { operationId: ['getTask', 'getImageTask', 'getImageGenerationTask'][i], security: apiKey, parameters: [pathParam('id')], responses: { 200: ok('Task snapshot: status pending|processing|completed|failed, data, error, progress'), 404: errorResponse } },
            ...(i === 0 ? { delete: { operationId: 'cancelTask', security: apiKey, parameters: [pathParam('id')], responses: { 400: errorResponse, 404: errorResponse } } } : {}),
          },
        ]),
      ),
      '/v1/usage': { get: { operationId: 'getUsage', security: apiKey, responses: { 200: ok("The caller's usage per day and model"), 400: errorResponse } } },
      '/v1/models': { get: { operationId: 'listModels', responses: { 200: ok('The catalogue') } } },
      '/v1/models/{model}': { get: { operationId: 'getModel', parameters: [pathParam('model')], responses: { 200: ok('One model with its request contract'), 404: errorResponse } } },
      '/v1/models/{model}/pricing': { get: { operationId: 'getModelPricing', parameters: [pathParam('model')], responses: { 200: ok('Prices of one model'), 404: errorResponse } } },
      '/v1/pricing': { get: { operationId: 'getPricing', responses: { 200: ok('Price list') } } },
      ...fileOpenApiPaths(apiKey, errorResponse),
      ...webhookOpenApiPaths(apiKey, admin, errorResponse),
      '/media/{key}': {
        get: {
          operationId: 'getMedia',
          parameters: [pathParam('key')],
          // The key is the strong ETag (If-None-Match → 304); one `Range: bytes=` range → 206; 503 while the store is unreachable.
          responses: { 200: ok('Image bytes'), 206: ok('The requested byte range'), 304: ok('Not modified'), 404: errorResponse, 416: errorResponse, 503: errorResponse },
        },
      },
      '/healthz': { get: { operationId: 'healthz', responses: { 200: ok('Alive') } } },
      '/metrics': { get: { operationId: 'metrics', security: admin, responses: { 200: ok('Prometheus text format'), 401: errorResponse } } },
      '/readyz': { get: { operationId: 'readyz', responses: { 200: ok('Ready'), 503: ok('Not ready') } } },
      '/admin/v1/accounts': { ...adminLists['/admin/v1/accounts'], post: { operationId: 'createAccount', security: admin, requestBody: jsonBody('CreateAccountRequest'), responses: { 201: ok('Account'), 400: errorResponse, 401: errorResponse } } },
      '/admin/v1/accounts/{id}': { get: { operationId: 'getAccount', security: admin, parameters: [pathParam('id')], responses: { 200: ok('Account'), 404: errorResponse } } },
      '/admin/v1/accounts/{id}/credit': { post: { operationId: 'creditAccount', security: admin, parameters: [pathParam('id')], requestBody: jsonBody('CreditAccountRequest'), responses: { 200: ok('Account'), 404: errorResponse } } },
      '/admin/v1/accounts/{id}/keys': { ...adminLists['/admin/v1/accounts/{id}/keys'], post: { operationId: 'createKey', security: admin, parameters: [pathParam('id')], requestBody: jsonBody('CreateKeyRequest'), responses: { 201: ok('Key with its clear value, shown once'), 404: errorResponse } } },
      '/admin/v1/channels': adminLists['/admin/v1/channels'],
      '/admin/v1/keys/{id}': { delete: { operationId: 'revokeKey', security: admin, parameters: [pathParam('id')], responses: { 200: ok('Revoked key'), 404: errorResponse } } },
      '/admin/v1/tasks/{id}': { get: { operationId: 'getTaskAsAdmin', security: admin, parameters: [pathParam('id')], responses: { 200: ok('The task with its channel, upstream id and recovery record'), 404: errorResponse } } },
    }),
  };
}

function pathParam(name: string) {
  return { name, in: 'path', required: true, schema: { type: 'string' } };
}
