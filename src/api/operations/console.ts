// The Easel Console (http/routes/console*.ts) and the lists it reads that the API had no route for:
// the page and its assets, the sign-in session, the caller's tasks, the operator's task search,
// each channel's recent outcomes and the effective configuration (secrets masked).

import { z } from 'zod';
import { listKeysQuerySchema } from '../admin.ts';
import { taskSnapshot } from './images.ts';
import { answer, type OperationSpec, queryParam, reply, request, unixSeconds, usdString } from './spec.ts';

/** The types the console's bundle is served as, by file extension (http/routes/console.ts). */
export const CONSOLE_ASSET_TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
} as const;

/** GET /admin/v1/channels/stats covers the tasks closed in the last 24 h. */
export const CHANNEL_STATS_WINDOW_MS = 24 * 3_600_000;

export const consoleSignInSchema = request(
  'ConsoleSignIn',
  z.object({ secret: z.string().min(1).max(500).describe('An API key (signs in a user) or the admin token (signs in the operator)') }).strict(),
);

const TASK_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
const taskFilters = {
  model: z.string().min(1).max(200).optional(),
  status: z.enum(TASK_STATUSES).optional(),
  request_id: z.string().min(1).max(200).optional(),
};
/** GET /v1/tasks. Unknown query parameters are ignored, as everywhere in Easel. */
export const taskListQuerySchema = listKeysQuerySchema.extend(taskFilters);
/** GET /admin/v1/tasks. */
export const adminTaskListQuerySchema = taskListQuerySchema.extend({ id: z.string().min(1).max(200).optional(), account_id: z.string().min(1).max(200).optional() });

const session = answer(
  'ConsoleSession',
  reply({
    object: z.literal('console.session'),
    role: z.enum(['user', 'operator']).nullable().describe('null: not signed in (GET only)'),
    expires_at: unixSeconds.nullable(),
    csrf_token: z.string().nullable().describe('Send as X-Easel-CSRF on every request of this session that is not a GET'),
    account_id: z.string().nullable(),
    account_name: z.string().nullable(),
    key_id: z.string().nullable(),
    key_name: z.string().nullable(),
  }),
);

const listedTask = {
  request_id: z.string(),
  cost_usd: usdString.nullable().describe('The charge once settled, else the amount held; null when nothing was reserved'),
  parameters: z.record(z.string(), z.unknown()).describe('The request as Easel ran it: prompt, n, size, quality, ...; never its input images'),
  normalized: z.record(z.string(), z.string()).describe('Values Easel chose for the client'),
};
const taskListItem = answer('TaskListItem', taskSnapshot.extend(listedTask));
const adminTaskListItem = answer(
  'AdminTaskListItem',
  taskSnapshot.extend({ ...listedTask, account_id: z.string(), key_id: z.string(), channel_id: z.string().nullable(), upstream_id: z.string().nullable() }),
);
const list = <T extends z.ZodType>(name: string, item: T) =>
  answer(name, reply({ object: z.literal('list'), data: z.array(item), first_id: z.string().nullable(), last_id: z.string().nullable(), has_more: z.boolean() }));

const channelStats = answer(
  'ChannelStats',
  reply({
    id: z.string(),
    object: z.literal('channel.stats'),
    window_start: unixSeconds,
    succeeded: z.int(),
    failed: z.int(),
    success_rate: z.number().nullable().describe('succeeded / (succeeded + failed); null with no closed task'),
    p50_latency_ms: z.int().nullable().describe('Of the successful calls'),
    p99_latency_ms: z.int().nullable(),
    recent_errors: z
      .array(reply({ at: unixSeconds, model: z.string(), outcome: z.string().describe('The failure kind: auth, rate_limited, upstream_fault, timeout, bad_request, moderated'), upstream_status: z.int().nullable(), reason: z.string().nullable().describe("The scrubbed message, for failures that are the channel's") }))
      .describe('Newest first, at most 5'),
  }),
);

const filterParams = [
  queryParam('model', { type: 'string' }, 'Only this model (catalogue id)'),
  queryParam('status', { type: 'string', enum: [...TASK_STATUSES] }, 'Only this status'),
  queryParam('request_id', { type: 'string' }, 'Only the task this request created (its X-Request-ID)'),
  queryParam('limit', { type: 'integer', minimum: 1, maximum: 100, default: 20 }, 'Tasks per page'),
  queryParam('after', { type: 'string' }, 'last_id of the previous page'),
];
const html = { 'text/html': { type: 'string' } };

export const consoleOperations: OperationSpec[] = [
  {
    method: 'get',
    path: '/console',
    operationId: 'console',
    summary: 'The Easel Console: playground, gallery and usage for key holders; accounts, keys, channels and configuration for the operator',
    tag: 'console',
    security: 'none',
    responses: { 200: { description: 'The page (its scripts and styles from /console/assets only)', content: html } },
    errors: ['route_not_found'],
  },
  {
    method: 'get',
    path: '/console/assets/{file}',
    operationId: 'consoleAsset',
    summary: "The console's bundled scripts and styles (content-hashed names, cached for a year)",
    tag: 'console',
    security: 'none',
    params: [{ name: 'file', in: 'path', description: 'A file of the build', schema: { type: 'string' } }],
    responses: { 200: { description: 'The file', content: { 'text/javascript': { type: 'string' }, 'text/css': { type: 'string' }, 'image/svg+xml': { type: 'string' } } } },
    errors: ['route_not_found'],
  },
  {
    method: 'post',
    path: '/console/session',
    operationId: 'consoleSignIn',
    summary: 'Sign in to the console with an API key or the admin token',
    description:
      'Answers with an HttpOnly, SameSite=Strict session cookie (Secure over https) that stands in for `Authorization` on /v1 (a key) or /admin/v1 (the admin token) for 12 hours, and the CSRF token its other requests than GETs must carry in `X-Easel-CSRF`. A user session ends as soon as its key is revoked.',
    tag: 'console',
    security: 'none',
    body: { json: consoleSignInSchema },
    responses: { 200: { description: 'Signed in', json: session, headers: { 'Set-Cookie': 'easel_session=...; Path=/; HttpOnly; SameSite=Strict' } } },
    errors: ['invalid_value', 'missing_required_parameter', 'unsupported_parameter', 'invalid_api_key'],
  },
  {
    method: 'get',
    path: '/console/session',
    operationId: 'consoleSession',
    summary: "The console session of this browser's cookie, with its CSRF token",
    description: 'role null when the cookie is missing, expired or its key revoked.',
    tag: 'console',
    security: 'none',
    responses: { 200: { description: 'The session, or role null', json: session } },
    errors: ['database_unavailable'],
  },
  {
    method: 'delete',
    path: '/console/session',
    operationId: 'consoleSignOut',
    summary: 'Sign out: the session cookie is cleared',
    tag: 'console',
    security: 'none',
    responses: { 200: { description: 'Signed out', json: reply({ object: z.literal('console.session'), signed_out: z.literal(true) }) } },
  },
  {
    method: 'get',
    path: '/v1/tasks',
    operationId: 'listTasks',
    summary: "The account's tasks, newest first, with their parameters and cost",
    description: 'Every create is a task, inline answers included (find one by the X-Request-ID of its answer). Tasks are listed until their retention ends.',
    tag: 'tasks',
    security: 'apiKey',
    params: filterParams,
    responses: { 200: { description: 'One page', json: list('TaskList', taskListItem) } },
    errors: ['invalid_value', 'invalid_request'],
  },
  {
    method: 'get',
    path: '/v1/account',
    operationId: 'getOwnAccount',
    summary: "The caller's account (its balance) and key (its spend, limits and budget)",
    tag: 'usage',
    security: 'apiKey',
    responses: { 200: { description: 'The account with the key', json: reply({ id: z.string(), object: z.literal('account'), name: z.string(), balance_usd: usdString, created_at: unixSeconds, key: reply({ id: z.string(), object: z.literal('api_key') }).describe('The key as GET /admin/v1/accounts/{id}/keys shows it') }) } },
  },
  {
    method: 'get',
    path: '/admin/v1/tasks',
    operationId: 'searchTasks',
    summary: 'Tasks across accounts by id, account, model and status, with the channel and upstream id',
    tag: 'admin',
    security: 'adminToken',
    params: [queryParam('id', { type: 'string' }, 'Only this task'), queryParam('account_id', { type: 'string' }, 'Only this account'), ...filterParams],
    responses: { 200: { description: 'One page', json: list('AdminTaskList', adminTaskListItem) } },
    errors: ['invalid_value', 'invalid_request'],
  },
  {
    method: 'get',
    path: '/admin/v1/channels/stats',
    operationId: 'channelStats',
    summary: "Each configured channel's upstream calls of the last 24 h on this replica: succeeded and failed, success rate, p50/p99 latency, latest failures",
    description: 'Every call the router made (generations, edits, variations, task submits; not polls), failovers included, the newest 2,000 per channel at most. Per replica, like channel health: another replica counts its own calls (the fleet-wide figures are in /metrics).',
    tag: 'admin',
    security: 'adminToken',
    responses: { 200: { description: 'One entry per channel', json: reply({ object: z.literal('list'), data: z.array(channelStats), has_more: z.boolean() }) } },
  },
  {
    method: 'get',
    path: '/admin/v1/config',
    operationId: 'effectiveConfig',
    summary: 'The configuration this server started with, defaults filled in, every secret masked',
    description: 'Fields named *key, *token, *secret, *password and access_key_id show as a mask when set; URLs lose their credentials and query. Channels reloaded by SIGHUP are shown by GET /admin/v1/channels.',
    tag: 'admin',
    security: 'adminToken',
    responses: { 200: { description: 'The configuration', json: reply({ object: z.literal('config'), config: z.record(z.string(), z.unknown()) }) } },
  },
];
