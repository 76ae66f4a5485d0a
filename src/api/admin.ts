// Request bodies of the admin API. Money arrives as a decimal string or a number and is converted to
// micro-dollars here, so nothing past this point sees a float.

import { z } from 'zod';
import { readUsd } from '../util/money.ts';

/** A USD amount read exactly (util/money.ts readUsd): refused, never rounded, when it is not a whole number of micro-dollars in range. */
const usd = (field: string, opts: { positive: boolean }) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const reading = readUsd(value);
    if (!reading.ok) {
      ctx.addIssue({ code: 'custom', message: `${field} ${reading.reason}` });
      return z.NEVER;
    }
    if (reading.micros < 0 || (opts.positive && reading.micros === 0)) {
      ctx.addIssue({ code: 'custom', message: `${field} must be ${opts.positive ? 'positive' : 'zero or more'}` });
      return z.NEVER;
    }
    return reading.micros;
  });

const name = z.string().trim().min(1).max(200);

export const createAccountSchema = z
  .object({ name, credit_usd: usd('credit_usd', { positive: false }).optional() })
  .strict()
  .meta({ description: 'Create an account with an optional starting credit.' });

export const creditAccountSchema = z
  .object({ amount_usd: usd('amount_usd', { positive: true }) })
  .strict()
  .meta({ description: 'Add credit to an account.' });

export const createKeySchema = z
  .object({ name: name.optional(), spend_limit_usd: usd('spend_limit_usd', { positive: true }).optional() })
  .strict()
  .meta({ description: 'Create an API key; the clear key is returned once.' });

export const ADMIN_LIST_DEFAULT_LIMIT = 20;
export const ADMIN_LIST_MAX_LIMIT = 100;
const ID_MAX_LENGTH = 200;

/** Query strings arrive as text: a whole number from 1 to the maximum, written in digits. */
const limit = z
  .string()
  .regex(/^\d{1,4}$/, `limit must be an integer from 1 to ${ADMIN_LIST_MAX_LIMIT}`)
  .transform(Number)
  .pipe(z.number().int().min(1, `limit must be an integer from 1 to ${ADMIN_LIST_MAX_LIMIT}`).max(ADMIN_LIST_MAX_LIMIT, `limit must be an integer from 1 to ${ADMIN_LIST_MAX_LIMIT}`))
  .default(ADMIN_LIST_DEFAULT_LIMIT);

const page = { limit, after: z.string().min(1).max(ID_MAX_LENGTH).optional() };

/** GET /admin/v1/accounts. Unknown query parameters are ignored, as everywhere in Easel. */
export const listAccountsQuerySchema = z.object({ q: z.string().trim().max(ID_MAX_LENGTH).optional(), ...page });

/** GET /admin/v1/accounts/{id}/keys. */
export const listKeysQuerySchema = z.object(page);

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string) => ({ type: [type, 'null'] });
const listOf = (item: string) => ({
  type: 'object',
  required: ['object', 'data', 'first_id', 'last_id', 'has_more'],
  properties: { object: { type: 'string', enum: ['list'] }, data: { type: 'array', items: ref(item) }, first_id: nullable('string'), last_id: nullable('string'), has_more: { type: 'boolean' } },
});

/** Response schemas of the admin lists (and the objects they hold). */
export const adminListOpenApiSchemas: Record<string, unknown> = {
  Account: {
    type: 'object',
    required: ['id', 'object', 'name', 'balance_usd', 'created_at'],
    properties: {
      id: { type: 'string', example: 'acct_3k9XwQ2mB7pLr0TzY5nC8dVe' },
      object: { type: 'string', enum: ['account'] },
      name: { type: 'string' },
      balance_usd: { type: 'string', description: 'Decimal USD', example: '12.50' },
      created_at: { type: 'integer', description: 'Unix seconds' },
    },
  },
  AccountList: listOf('Account'),
  ApiKey: {
    type: 'object',
    required: ['id', 'object', 'name', 'account_id', 'prefix', 'created_at', 'revoked_at', 'spend_limit_usd', 'spent_usd'],
    properties: {
      id: { type: 'string', example: 'key_3k9XwQ2mB7pLr0TzY5nC8dVe' },
      object: { type: 'string', enum: ['api_key'] },
      name: { type: 'string' },
      account_id: { type: 'string' },
      prefix: { type: 'string', description: 'The first characters of the key, to tell keys apart; the key itself is shown only when created.', example: 'sk-Ab3dE9x' },
      created_at: { type: 'integer', description: 'Unix seconds' },
      revoked_at: { ...nullable('integer'), description: 'Unix seconds; null while the key works' },
      spend_limit_usd: nullable('string'),
      spent_usd: { type: 'string' },
    },
  },
  ApiKeyList: listOf('ApiKey'),
  Channel: {
    type: 'object',
    required: ['id', 'object', 'provider', 'models', 'priority', 'weight', 'base_url_host', 'health'],
    properties: {
      id: { type: 'string' },
      object: { type: 'string', enum: ['channel'] },
      provider: { type: 'string' },
      models: { type: 'array', items: { type: 'string' }, description: 'Catalogue model ids the channel serves' },
      priority: { type: 'integer' },
      weight: { type: 'number' },
      base_url_host: { ...nullable('string'), description: 'Host (and port) of the upstream; never its path, query or key' },
      health: {
        type: 'object',
        description: "This replica's view of the channel",
        required: ['available', 'cooling_until', 'consecutive_failures', 'rate_limited'],
        properties: {
          available: { type: 'boolean' },
          cooling_until: { ...nullable('integer'), description: 'Unix seconds the channel is left out of routing until' },
          consecutive_failures: { type: 'integer' },
          rate_limited: { type: 'boolean', description: 'Resting because the upstream answered 429' },
        },
      },
    },
  },
  ChannelList: {
    type: 'object',
    required: ['object', 'data'],
    properties: { object: { type: 'string', enum: ['list'] }, data: { type: 'array', items: ref('Channel') }, has_more: { type: 'boolean' } },
  },
};

/** The admin list operations, given the admin security requirement and the error response. */
type OpenApiOperation = { operationId: string; security?: unknown; parameters?: unknown[]; responses: Record<string, unknown> };

export function adminListOpenApiPaths(security: unknown, errorResponse: unknown): Record<string, Record<string, OpenApiOperation>> {
  const json = (description: string, schema: string) => ({ description, content: { 'application/json': { schema: ref(schema) } } });
  const limitParam = { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: ADMIN_LIST_MAX_LIMIT, default: ADMIN_LIST_DEFAULT_LIMIT } };
  const afterParam = (what: string) => ({ name: 'after', in: 'query', schema: { type: 'string', maxLength: ID_MAX_LENGTH }, description: `A ${what} id: list those created before it (newest first).` });
  return {
    '/admin/v1/accounts': {
      get: {
        operationId: 'listAccounts',
        security,
        parameters: [
          { name: 'q', in: 'query', schema: { type: 'string', maxLength: ID_MAX_LENGTH }, description: 'Part of the name (any case) or the start of the id.' },
          limitParam,
          afterParam('account'),
        ],
        responses: { 200: json('Accounts, newest first', 'AccountList'), 400: errorResponse, 401: errorResponse },
      },
    },
    '/admin/v1/accounts/{id}/keys': {
      get: {
        operationId: 'listKeys',
        security,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, limitParam, afterParam('key')],
        responses: { 200: json("The account's keys, revoked ones too, newest first", 'ApiKeyList'), 400: errorResponse, 401: errorResponse, 404: errorResponse },
      },
    },
    '/admin/v1/channels': {
      get: {
        operationId: 'listChannels',
        security,
        responses: { 200: json('Every configured channel with its health on this replica', 'ChannelList'), 401: errorResponse },
      },
    },
  };
}
