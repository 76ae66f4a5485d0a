// Usage and the ledger: the caller's usage, the operator's usage across accounts and per account,
// and the ledger entries (JSON pages or CSV), as http/routes/usage.ts and billing/usage.ts write them.

import { z } from 'zod';
import { answer, type OperationSpec, pathParam, type ParamSpec, queryParam, reply, usdString } from './spec.ts';

/** billing/usage.ts LEDGER_PAGE_MAX (billing sits above api/, so the number is repeated here). */
const LEDGER_PAGE_MAX = 1000;
const LEDGER_KINDS = ['credit', 'reserve', 'settle', 'release', 'adjustment'] as const;

const usageRow = answer(
  'UsageRow',
  reply({
    date: z.string().describe('UTC day, YYYY-MM-DD'),
    group: z.string().describe('The model, key id or account id, as grouped'),
    requests: z.int(),
    failed_requests: z.int().describe('Requests refunded in full'),
    images: z.int().describe('Images delivered'),
    cost_usd: usdString,
  }),
);

const usageReport = answer(
  'UsageReport',
  reply({
    object: z.literal('usage'),
    group_by: z.string(),
    start_date: z.string(),
    end_date: z.string(),
    data: z.array(usageRow).describe('One row per day and group, days ascending'),
    total_cost_usd: usdString,
  }),
);

const ledgerEntry = answer(
  'LedgerEntry',
  reply({
    id: z.string(),
    account_id: z.string(),
    kind: z.enum(LEDGER_KINDS),
    amount_usd: usdString.describe('Effect on the available balance: credit +, reserve -, release +, settle 0'),
    charge_usd: usdString.describe('What the customer paid, on settle entries'),
    reservation_id: z.string().nullable(),
    request_id: z.string().nullable(),
    task_id: z.string().nullable(),
    key_id: z.string().nullable(),
    model: z.string().nullable(),
    price_version: z.string().nullable(),
    created_at: z.string().describe('ISO 8601'),
  }),
);

const ledgerPage = answer(
  'LedgerPage',
  reply({
    object: z.literal('list'),
    data: z.array(ledgerEntry).describe('Newest first'),
    next_before: z.int().nullable().describe('Pass as `before` for the next page; null when this one is empty'),
  }),
);

const range: ParamSpec[] = [
  queryParam('start_date', { type: 'string', format: 'date' }, 'First UTC day, YYYY-MM-DD (default: 30 days before end_date)'),
  queryParam('end_date', { type: 'string', format: 'date' }, 'Last UTC day, inclusive (default: today); at most 366 days in all'),
];
const groupBy = (values: string[]) => queryParam('group_by', { type: 'string', enum: values, default: 'model' }, 'How rows are grouped');
const keyId = queryParam('key_id', { type: 'string' }, 'Only this key');
const accountId = pathParam('id', 'The account id (acct_...)');
const ledgerParams: ParamSpec[] = [
  queryParam('limit', { type: 'integer', minimum: 1, maximum: LEDGER_PAGE_MAX, default: 100 }, 'Entries per page'),
  queryParam('before', { type: 'integer' }, 'Unix milliseconds: entries older than it (next_before of the previous page)'),
  queryParam('format', { type: 'string', enum: ['json', 'csv'], default: 'json' }, 'csv: the same entries as an RFC 4180 attachment'),
];

const usageAnswer = { 200: { description: 'Usage per day and group', json: usageReport } };
const ledgerAnswer = {
  200: {
    description: 'One page of entries (format=csv: the page as CSV)',
    json: ledgerPage,
    content: { 'text/csv': { type: 'string', description: 'id, created_at, account_id, kind, amount_usd, charge_usd, reservation_id, request_id, task_id, key_id, model, price_version' } },
  },
};

export const usageOperations: OperationSpec[] = [
  {
    method: 'get',
    path: '/v1/usage',
    operationId: 'getUsage',
    summary: "The caller's usage per day and model (or key)",
    tag: 'usage',
    security: 'apiKey',
    params: [...range, groupBy(['model', 'key'])],
    responses: usageAnswer,
    errors: ['invalid_value'],
  },
  {
    method: 'get',
    path: '/admin/v1/usage',
    operationId: 'getUsageAsAdmin',
    summary: 'Usage across every account',
    tag: 'admin',
    security: 'adminToken',
    params: [...range, groupBy(['account', 'key', 'model']), keyId],
    responses: usageAnswer,
    errors: ['invalid_value'],
  },
  {
    method: 'get',
    path: '/admin/v1/accounts/{id}/usage',
    operationId: 'getAccountUsage',
    summary: "One account's usage",
    tag: 'admin',
    security: 'adminToken',
    params: [accountId, ...range, groupBy(['model', 'key']), keyId],
    responses: usageAnswer,
    errors: ['invalid_value', 'account_not_found'],
  },
  {
    method: 'get',
    path: '/admin/v1/ledger',
    operationId: 'listLedger',
    summary: 'The ledger, every account, newest first',
    tag: 'admin',
    security: 'adminToken',
    params: ledgerParams,
    responses: ledgerAnswer,
    errors: ['invalid_value'],
  },
  {
    method: 'get',
    path: '/admin/v1/accounts/{id}/ledger',
    operationId: 'listAccountLedger',
    summary: "One account's ledger, newest first",
    tag: 'admin',
    security: 'adminToken',
    params: [accountId, ...ledgerParams],
    responses: ledgerAnswer,
    errors: ['invalid_value', 'account_not_found'],
  },
];
