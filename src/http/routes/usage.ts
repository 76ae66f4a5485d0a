// GET /v1/usage for the caller's account, and the admin usage, ledger and CSV export.

import type { FastifyInstance } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import { LEDGER_PAGE_MAX, ledgerCsv, ledgerView, listLedger, usageReport } from '../../billing/usage.ts';
import type { AppDeps } from '../app.ts';
import { findAccount } from '../../storage/db/accounts.ts';

type UsageQs = { start_date?: string; end_date?: string; group_by?: string; key_id?: string };
type LedgerQs = { limit?: string; before?: string; format?: string };

function groupBy(value: string | undefined, allowed: readonly string[]): 'model' | 'account' | 'key' {
  const g = value ?? 'model';
  if (!allowed.includes(g)) throw apiErrors.invalidRequest(`group_by must be one of ${allowed.join(', ')}`, 'group_by');
  return g as 'model' | 'account' | 'key';
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return 100;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > LEDGER_PAGE_MAX) throw apiErrors.invalidRequest(`limit must be an integer from 1 to ${LEDGER_PAGE_MAX}`, 'limit');
  return n;
}

export function usageRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'db'>): void {
  const db = deps.db.kysely;

  app.get<{ Querystring: UsageQs }>('/v1/usage', async (request) => {
    const caller = await deps.auth.caller(request);
    const q = request.query;
    const report = await usageReport(db, { accountId: caller.accountId, startDate: q.start_date, endDate: q.end_date, groupBy: groupBy(q.group_by, ['model', 'key']) });
    return { object: 'usage', group_by: q.group_by ?? 'model', ...report };
  });

  app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => deps.auth.requireAdmin(request));

    admin.get<{ Querystring: UsageQs }>('/admin/v1/usage', async (request) => {
      const q = request.query;
      const report = await usageReport(db, { keyId: q.key_id, startDate: q.start_date, endDate: q.end_date, groupBy: groupBy(q.group_by, ['account', 'key', 'model']) });
      return { object: 'usage', group_by: q.group_by ?? 'model', ...report };
    });

    admin.get<{ Params: { id: string }; Querystring: UsageQs }>('/admin/v1/accounts/:id/usage', async (request) => {
      if (!(await findAccount(db, request.params.id))) throw apiErrors.accountNotFound();
      const q = request.query;
      const report = await usageReport(db, { accountId: request.params.id, keyId: q.key_id, startDate: q.start_date, endDate: q.end_date, groupBy: groupBy(q.group_by, ['model', 'key']) });
      return { object: 'usage', group_by: q.group_by ?? 'model', ...report };
    });

    const ledger = async (accountId: string | undefined, q: LedgerQs, reply: import('fastify').FastifyReply) => {
      const before = q.before === undefined ? undefined : Number(q.before);
      if (before !== undefined && !Number.isFinite(before)) throw apiErrors.invalidRequest('before must be a unix time in milliseconds', 'before');
      const entries = await listLedger(db, accountId, { limit: limitOf(q.limit), before });
      if (q.format === 'csv') {
        return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="ledger${accountId ? `-${accountId}` : ''}.csv"`).send(ledgerCsv(entries));
      }
      return reply.send({ object: 'list', data: entries.map(ledgerView), next_before: entries.length ? entries[entries.length - 1].created_at : null });
    };
    admin.get<{ Querystring: LedgerQs }>('/admin/v1/ledger', async (request, reply) => ledger(undefined, request.query, reply));
    admin.get<{ Params: { id: string }; Querystring: LedgerQs }>('/admin/v1/accounts/:id/ledger', async (request, reply) => {
      if (!(await findAccount(db, request.params.id))) throw apiErrors.accountNotFound();
      return ledger(request.params.id, request.query, reply);
    });
  });
}
