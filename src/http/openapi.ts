// GET /openapi.json: assembled from the operation declarations (api/operations/, webhooks/openapi.ts)
// and nothing else. Request bodies come from the same zod schemas that validate them, answers from
// the declared response schemas, error statuses from the codes each operation raises looked up in
// the one error table (api/errors.ts). test/http/openapi-complete.test.ts holds the declarations to
// the routes Fastify serves, both ways.

import { z } from 'zod';
import { ERROR_CODES, type ErrorCode, errorTypes, errorVariants, invalidRequestCodes } from '../api/errors.ts';
import { adminOperations } from '../api/operations/admin.ts';
import { consoleOperations } from '../api/operations/console.ts';
import { discoveryOperations } from '../api/operations/discovery.ts';
import { fileOperations } from '../api/operations/files.ts';
import { imageOperations } from '../api/operations/images.ts';
import { mcpOperations } from '../api/operations/mcp.ts';
import { serviceOperations } from '../api/operations/service.ts';
import { taskEventOperations } from '../api/operations/task-events.ts';
import { type ErrorRef, type JsonSchema, type OperationSpec, type ParamSpec, requestSchemas, type ResponseSpec, responseSchemas } from '../api/operations/spec.ts';
import { usageOperations } from '../api/operations/usage.ts';
import { webhookOperations } from '../webhooks/openapi.ts';

/** Every operation Easel serves, in the order the document lists them. */
export const OPERATIONS: readonly OperationSpec[] = [
  ...imageOperations,
  ...taskEventOperations,
  ...fileOperations,
  ...discoveryOperations,
  ...usageOperations,
  ...webhookOperations,
  ...adminOperations,
  ...mcpOperations,
  ...serviceOperations,
  ...consoleOperations,
];

const TAGS = [
  { name: 'images', description: 'Create images: inline within the wait budget, else a task to poll' },
  { name: 'tasks', description: 'Task status' },
  { name: 'files', description: 'Input images uploaded once, used by file_id' },
  { name: 'models', description: 'The catalogue, request contracts and prices (no key needed)' },
  { name: 'usage', description: "The caller's usage" },
  { name: 'webhooks', description: 'Signed callbacks when a task closes' },
  { name: 'admin', description: 'Accounts, credit, keys, channels, usage and the ledger (admin token)' },
  { name: 'mcp', description: 'The MCP server for coding agents: the same API as tools' },
  { name: 'service', description: 'Index, this reference, health, readiness, metrics, stored images' },
  { name: 'console', description: 'The Easel Console (a web page) and its sign-in session' },
];

const COMPONENTS = '#/components/schemas/';
const ref = (name: string) => ({ $ref: `${COMPONENTS}${name}` });

type Io = 'input' | 'output';

/** zod writes the safe-integer range on every z.int(); it says nothing a reader needs. */
const override = ({ jsonSchema: json }: { jsonSchema: Record<string, unknown> }) => {
  if (json.minimum === Number.MIN_SAFE_INTEGER) delete json.minimum;
  if (json.maximum === Number.MAX_SAFE_INTEGER) delete json.maximum;
};
const options = (io: Io) => ({ target: 'draft-2020-12' as const, io, unrepresentable: 'any' as const, override });

function clean(json: Record<string, unknown>): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = json;
  return rest;
}

/** Every named schema of one side as components, each use of another named one a $ref. */
function components(registry: typeof requestSchemas, io: Io): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, { ...options(io), uri: (id) => `${COMPONENTS}${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([name, json]) => [name, clean(json as Record<string, unknown>)]));
}

/** A declared schema as it goes in the document: a named one referenced, any other converted in place. */
function jsonSchemaOf(source: z.ZodType | JsonSchema, io: Io): JsonSchema {
  if (!(source instanceof z.ZodType)) return source;
  const name = (io === 'input' ? requestSchemas : responseSchemas).get(source)?.id;
  if (name) return ref(name);
  return clean(z.toJSONSchema(source, options(io)) as Record<string, unknown>);
}

function parameter(p: ParamSpec): Record<string, unknown> {
  return { name: p.name, in: p.in, required: p.in === 'path' || p.required === true, ...(p.description ? { description: p.description } : {}), schema: jsonSchemaOf(p.schema, 'input') };
}

function requestBody(body: NonNullable<OperationSpec['body']>): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  if (body.json) content['application/json'] = { schema: jsonSchemaOf(body.json, 'input') };
  if (body.multipart) content['multipart/form-data'] = { schema: jsonSchemaOf(body.multipart, 'input') };
  return { required: !body.optional, ...(body.description ? { description: body.description } : {}), content };
}

function successResponse(r: ResponseSpec): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  if (r.json) content['application/json'] = { schema: jsonSchemaOf(r.json, 'output') };
  for (const [media, schema] of Object.entries(r.content ?? {})) content[media] = { schema };
  const headers = Object.entries(r.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: 'string' } }]);
  return { description: r.description, ...(headers.length ? { headers: Object.fromEntries(headers) } : {}), ...(Object.keys(content).length ? { content } : {}) };
}

/**
 * `invalid_request` keeps the status the HTTP layer chose: a malformed path, header or body (400),
 * a request head not sent in time (408), a path parameter past the router's limit (414), headers
 * over the size limit (431).
 */
const FRAMEWORK_STATUSES = [400, 408, 414, 431];

/**
 * Codes every operation of a kind can answer, whatever it does: the HTTP layer's refusals and a
 * server error; with a body (any POST, PUT or PATCH: a body is parsed before the route runs), its size,
 * its type and broken JSON; a DELETE's body is read within the JSON limit; behind a key, the key,
 * the per-key limit and the database; behind the admin token, the token and the database.
 */
function commonErrors(op: OperationSpec): ErrorCode[] {
  const codes: ErrorCode[] = ['invalid_request', 'server_error'];
  if (op.method === 'post' || op.method === 'put' || op.method === 'patch') codes.push('payload_too_large', 'unsupported_media_type', 'invalid_json');
  if (op.method === 'delete') codes.push('payload_too_large');
  if (op.security === 'apiKey') codes.push('invalid_api_key', 'rate_limit_exceeded', 'database_unavailable');
  if (op.security === 'adminToken') codes.push('invalid_admin_token', 'database_unavailable');
  // A console session (cookie) stands in for either; its requests that are not GETs carry their CSRF token.
  if (op.security !== 'none' && op.method !== 'get') codes.push('csrf_token_invalid');
  return codes;
}

interface ErrorAnswer {
  code: ErrorCode;
  type: string;
  when: string;
}

/** The operation's error answers by status, each status listing its codes from the table. */
function errorResponses(op: OperationSpec): Record<string, unknown> {
  const byStatus = new Map<number, ErrorAnswer[]>();
  const add = (status: number, answer: ErrorAnswer) => {
    const list = byStatus.get(status) ?? [];
    if (!list.some((a) => a.code === answer.code)) list.push(answer);
    byStatus.set(status, list);
  };
  const refs: ErrorRef[] = [...(op.errors ?? []), ...commonErrors(op)];
  for (const r of refs) {
    const code = typeof r === 'string' ? r : r.code;
    const row = ERROR_CODES[code] as (typeof ERROR_CODES)[ErrorCode] & { inPath?: { status: number; type: string } };
    const variant = typeof r !== 'string' && row.inPath ? row.inPath : row;
    const statuses = code === 'invalid_request' ? FRAMEWORK_STATUSES : [variant.status];
    for (const status of statuses) add(status, { code, type: variant.type, when: row.when });
  }
  return Object.fromEntries(
    [...byStatus].map(([status, answers]) => [
      status,
      {
        description: answers.map((a) => `\`${a.code}\` (${a.type}): ${a.when}`).join('\n\n'),
        content: { 'application/json': { schema: ref('ApiError') } },
      },
    ]),
  );
}

function operationObject(op: OperationSpec): Record<string, unknown> {
  const responses: Record<string, unknown> = Object.fromEntries(Object.entries(op.responses).map(([status, r]) => [status, successResponse(r)]));
  for (const [status, r] of Object.entries(errorResponses(op))) responses[status] ??= r;
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    ...(op.security === 'none' ? { security: [] } : { security: [{ [op.security]: [] }] }),
    ...(op.params?.length ? { parameters: op.params.map(parameter) } : {}),
    ...(op.body ? { requestBody: requestBody(op.body) } : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
  };
}

function pathsOf(operations: readonly OperationSpec[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  const ids = new Set<string>();
  for (const op of operations) {
    const methods = (paths[op.path] ??= {});
    if (methods[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is declared twice`);
    if (ids.has(op.operationId)) throw new Error(`operationId ${op.operationId} is used twice`);
    ids.add(op.operationId);
    methods[op.method] = operationObject(op);
  }
  return paths;
}

/**
 * The error envelope, its `type` and `code` enums and the list of codes (x-error-codes: status, type,
 * retryable, when) all read from api/errors.ts's ERROR_CODES, the table the server raises errors from.
 */
function apiErrorSchema(): JsonSchema {
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

export function buildOpenApiDocument(publicUrl: string): Record<string, unknown> {
  const paths = pathsOf(OPERATIONS);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Easel image gateway',
      version: '0.1.0',
      description:
        'OpenAI-compatible image generation gateway. API keys go in `Authorization: Bearer sk-...`; every error is the envelope `{"error":{"message","type","code","param"}}` (components.schemas.ApiError lists every code). Browse this document at /docs.',
    },
    servers: [{ url: publicUrl }],
    tags: TAGS,
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An Easel API key, sk-...' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token (EASEL_ADMIN_TOKEN or data/admin-token)' },
      },
      schemas: { ...components(requestSchemas, 'input'), ...components(responseSchemas, 'output'), ApiError: apiErrorSchema() },
    },
  };
}
