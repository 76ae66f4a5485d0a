// The admin API (behind the admin token): accounts, credit, keys, channels and the operator's view
// of a task, as http/routes/admin.ts and http/admin-views.ts write them. Usage and the ledger are
// in usage.ts.

import { z } from 'zod';
import { ADMIN_LIST_DEFAULT_LIMIT, ADMIN_LIST_MAX_LIMIT, createAccountSchema, createKeySchema, creditAccountSchema, listAccountsQuerySchema, patchKeySchema } from '../admin.ts';
import { taskSnapshot } from './images.ts';
import { answer, type OperationSpec, pathParam, queryParam, reply, request, unixSeconds, usdString } from './spec.ts';

const account = answer(
  'Account',
  reply({
    id: z.string().meta({ example: 'acct_3k9XwQ2mB7pLr0TzY5nC8dVe' }),
    object: z.literal('account'),
    name: z.string(),
    balance_usd: usdString,
    created_at: unixSeconds,
  }),
);

const apiKey = answer(
  'ApiKey',
  reply({
    id: z.string().meta({ example: 'key_3k9XwQ2mB7pLr0TzY5nC8dVe' }),
    object: z.literal('api_key'),
    name: z.string(),
    account_id: z.string(),
    prefix: z.string().describe('The first characters of the key, to tell keys apart; the key itself is shown only when created.').meta({ example: 'sk-Ab3dE9x' }),
    created_at: unixSeconds,
    revoked_at: unixSeconds.nullable().describe('Unix seconds; null while the key works'),
    spend_limit_usd: usdString.nullable(),
    spent_usd: usdString,
    allowed_models: z.array(z.string()).nullable().describe('Model globs the key may use; null: every model'),
    budget_usd: usdString.nullable().describe('Spend allowed per budget_period; null: no budget'),
    budget_period: z.enum(['day', 'month']).nullable().describe('UTC day or month'),
    budget_spent_usd: usdString.nullable().describe('Spent (held or charged) in the current period'),
    budget_resets_at: unixSeconds.nullable().describe('Unix seconds when the current budget period ends'),
    requests_per_minute: z.int().nullable().describe("The key's own request limit (0: none); null: the server's"),
    model_requests_per_minute: z.record(z.string(), z.int()).nullable().describe('Model glob → requests per minute'),
    sync_wait_ms: z.int().nullable().describe("How long this key's creates wait for a task-based upstream; null: the server's tasks.sync_wait_ms"),
  }),
);

const listOf = <T extends z.ZodType>(item: T) =>
  reply({ object: z.literal('list'), data: z.array(item), first_id: z.string().nullable(), last_id: z.string().nullable(), has_more: z.boolean() });

const accountList = answer('AccountList', listOf(account));
const apiKeyList = answer('ApiKeyList', listOf(apiKey));
const accountWithKeys = answer('AccountWithKeys', account.extend({ keys: z.array(apiKey).describe('Every key, revoked ones too') }));
const createdKey = answer('CreatedApiKey', apiKey.extend({ key: z.string().describe('The key in clear (sk-...): shown this once, stored only as a hash') }));
const revokedKey = answer('RevokedApiKey', apiKey.extend({ revoked: z.literal(true) }));

const channel = answer(
  'Channel',
  reply({
    id: z.string(),
    object: z.literal('channel'),
    provider: z.string(),
    models: z.array(z.string()).describe('Catalogue model ids the channel serves'),
    priority: z.int(),
    weight: z.number(),
    base_url_host: z.string().nullable().describe('Host (and port) of the upstream; never its path, query or key'),
    health: reply({
      available: z.boolean(),
      cooling_until: unixSeconds.nullable().describe('Unix seconds the channel is left out of routing until'),
      consecutive_failures: z.int(),
      rate_limited: z.boolean().describe('Resting because the upstream answered 429'),
    }).describe("This replica's view of the channel"),
  }),
);
const channelList = answer('ChannelList', reply({ object: z.literal('list'), data: z.array(channel), has_more: z.boolean() }));

const adminTask = answer(
  'AdminTask',
  taskSnapshot.extend({
    object: z.literal('admin.task'),
    account_id: z.string(),
    key_id: z.string(),
    request_id: z.string(),
    channel_id: z.string().nullable(),
    upstream_id: z.string().nullable(),
    submit_in_progress: z.boolean().describe('A submit under way (or cut off by a crash and not yet recovered)'),
    uncertain_submits: z.int().describe('Submits repeated after a crash without knowing whether the first reached the upstream'),
    polls: z.int(),
    reservation_id: z.string().nullable(),
    lease_owner: z.string().nullable(),
    updated_at: unixSeconds,
    deadline_at: unixSeconds,
  }),
);

const id = (what: string, example: string) => pathParam('id', `The ${what} id (${example})`);
const limit = queryParam('limit', { type: 'integer', minimum: 1, maximum: ADMIN_LIST_MAX_LIMIT, default: ADMIN_LIST_DEFAULT_LIMIT }, 'Items per page');
const after = (what: string) => queryParam('after', listAccountsQuerySchema.shape.after, `${what} id: list those created before it (newest first)`);
const usdBody = ['invalid_value', 'missing_required_parameter', 'unsupported_parameter', 'invalid_json'] as const;

export const adminOperations: OperationSpec[] = [
  {
    method: 'get',
    path: '/admin/v1/accounts',
    operationId: 'listAccounts',
    summary: 'Accounts, newest first; search by name or id',
    tag: 'admin',
    security: 'adminToken',
    params: [queryParam('q', listAccountsQuerySchema.shape.q, 'Part of the name (any case) or the start of the id'), limit, after('An account')],
    responses: { 200: { description: 'One page', json: accountList } },
    errors: ['invalid_value'],
  },
  {
    method: 'post',
    path: '/admin/v1/accounts',
    operationId: 'createAccount',
    summary: 'Create an account',
    tag: 'admin',
    security: 'adminToken',
    body: { json: request('CreateAccountRequest', createAccountSchema) },
    responses: { 201: { description: 'The account', json: account } },
    errors: [...usdBody],
  },
  {
    method: 'get',
    path: '/admin/v1/accounts/{id}',
    operationId: 'getAccount',
    summary: 'One account with its keys',
    tag: 'admin',
    security: 'adminToken',
    params: [id('account', 'acct_...')],
    responses: { 200: { description: 'The account', json: accountWithKeys } },
    errors: ['account_not_found'],
  },
  {
    method: 'post',
    path: '/admin/v1/accounts/{id}/credit',
    operationId: 'creditAccount',
    summary: 'Add credit to an account',
    tag: 'admin',
    security: 'adminToken',
    params: [id('account', 'acct_...')],
    body: { json: request('CreditAccountRequest', creditAccountSchema) },
    responses: { 200: { description: 'The account, its new balance', json: account } },
    errors: [...usdBody, 'account_not_found'],
  },
  {
    method: 'get',
    path: '/admin/v1/accounts/{id}/keys',
    operationId: 'listKeys',
    summary: "An account's keys, revoked ones too, newest first",
    tag: 'admin',
    security: 'adminToken',
    params: [id('account', 'acct_...'), limit, after('A key')],
    responses: { 200: { description: 'One page', json: apiKeyList } },
    errors: ['invalid_value', 'account_not_found'],
  },
  {
    method: 'post',
    path: '/admin/v1/accounts/{id}/keys',
    operationId: 'createKey',
    summary: 'Create an API key',
    tag: 'admin',
    security: 'adminToken',
    params: [id('account', 'acct_...')],
    body: { json: request('CreateKeyRequest', createKeySchema) },
    responses: { 201: { description: 'The key, with its clear value shown once', json: createdKey } },
    errors: [...usdBody, 'account_not_found'],
  },
  {
    method: 'delete',
    path: '/admin/v1/keys/{id}',
    operationId: 'revokeKey',
    summary: 'Revoke an API key',
    tag: 'admin',
    security: 'adminToken',
    params: [id('key', 'key_...')],
    responses: { 200: { description: 'The revoked key', json: revokedKey } },
    errors: ['api_key_not_found'],
  },
  {
    method: 'patch',
    path: '/admin/v1/keys/{id}',
    operationId: 'updateKeyControls',
    summary: "Change a key's controls (allowed models, budget, request limits); null clears one",
    tag: 'admin',
    security: 'adminToken',
    params: [id('key', 'key_...')],
    body: { json: request('UpdateKeyControlsRequest', patchKeySchema) },
    responses: { 200: { description: 'The key with its controls', json: apiKey } },
    errors: [...usdBody, 'api_key_not_found'],
  },
  {
    method: 'get',
    path: '/admin/v1/channels',
    operationId: 'listChannels',
    summary: 'Every configured channel with its health on this replica',
    tag: 'admin',
    security: 'adminToken',
    responses: { 200: { description: 'The channels', json: channelList } },
  },
  {
    method: 'get',
    path: '/admin/v1/tasks/{id}',
    operationId: 'getTaskAsAdmin',
    summary: 'A task with its channel, upstream id and recovery record',
    tag: 'admin',
    security: 'adminToken',
    params: [id('task', 'ldtask_...')],
    responses: { 200: { description: 'The task', json: adminTask } },
    errors: ['task_not_found'],
  },
];
