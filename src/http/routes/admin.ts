// The admin API: accounts, credit, keys, channels. Guarded by the admin token.

import type { FastifyInstance } from 'fastify';
import { createAccountSchema, createKeySchema, creditAccountSchema, listAccountsQuerySchema, listKeysQuerySchema } from '../../api/admin.ts';
import { apiErrors } from '../../api/errors.ts';
import { parseWith } from '../../api/validate.ts';
import { createAccount, creditAccount, findAccount, listAccounts } from '../../storage/db/accounts.ts';
import { createApiKey, listApiKeys, listApiKeysPage, revokeApiKey } from '../../storage/db/api-keys.ts';
import { accountView, channelHealthView, channelView, keyView, listView } from '../admin-views.ts';
import type { AppDeps } from '../app.ts';
import { keyControlsOf } from './key-controls.ts';
import { findTask, type TaskRow } from '../../tasks/store.ts';
import { taskSnapshotBody, type UrlFor } from '../../tasks/views.ts';

export function adminRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'db' | 'blobs' | 'router'>): void {
  const db = deps.db.kysely;

  app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => deps.auth.requireAdmin(request));

    admin.post('/admin/v1/accounts', async (request, reply) => {
      const body = parseWith(createAccountSchema, request.body);
      const account = await createAccount(db, body.name, body.credit_usd ?? 0);
      reply.status(201).send(accountView(account));
    });

    admin.get('/admin/v1/accounts', async (request) => {
      const query = parseWith(listAccountsQuerySchema, request.query);
      const page = await listAccounts(db, { q: query.q || undefined, limit: query.limit, after: query.after });
      if (!page) throw apiErrors.invalidRequest(`after: no account with id '${String(query.after).slice(0, 100)}'.`, 'after');
      return listView(page, accountView);
    });

    admin.get<{ Params: { id: string } }>('/admin/v1/accounts/:id', async (request) => {
      const account = await findAccount(db, request.params.id);
      if (!account) throw apiErrors.accountNotFound();
      const keys = await listApiKeys(db, account.id);
      return { ...accountView(account), keys: keys.map(keyView) };
    });

    admin.post<{ Params: { id: string } }>('/admin/v1/accounts/:id/credit', async (request) => {
      const body = parseWith(creditAccountSchema, request.body);
      const account = await creditAccount(db, request.params.id, body.amount_usd);
      if (!account) throw apiErrors.accountNotFound();
      return accountView(account);
    });

    admin.get<{ Params: { id: string } }>('/admin/v1/accounts/:id/keys', async (request) => {
      const query = parseWith(listKeysQuerySchema, request.query);
      const account = await findAccount(db, request.params.id);
      if (!account) throw apiErrors.accountNotFound();
      const page = await listApiKeysPage(db, account.id, { limit: query.limit, after: query.after });
      if (!page) throw apiErrors.invalidRequest(`after: no key of this account with id '${String(query.after).slice(0, 100)}'.`, 'after');
      return listView(page, keyView);
    });

    admin.post<{ Params: { id: string } }>('/admin/v1/accounts/:id/keys', async (request, reply) => {
      const body = parseWith(createKeySchema, request.body);
      const account = await findAccount(db, request.params.id);
      if (!account) throw apiErrors.accountNotFound();
      const { record, key } = await createApiKey(db, account.id, body.name ?? 'default', body.spend_limit_usd ?? null, keyControlsOf(body));
      reply.status(201).send({ ...keyView(record), key });
    });

    // The operator's view of one task: where it ran and what its recovery did, beside what the owner sees.
    admin.get<{ Params: { id: string } }>('/admin/v1/tasks/:id', async (request) => {
      const task = await findTask(db, request.params.id.toLowerCase());
      if (!task) throw apiErrors.taskNotFound();
      return adminTaskView(task, (key) => deps.blobs.urlFor(key));
    });

    // Every configured channel and how this process sees it now (health is per replica without Redis).
    admin.get('/admin/v1/channels', async () => {
      const data = await Promise.all(deps.router.channels.map(async (c) => channelView(c, await channelHealthView(deps.router.health, c.id))));
      return { object: 'list', data, has_more: false };
    });

    admin.delete<{ Params: { id: string } }>('/admin/v1/keys/:id', async (request) => {
      const record = await revokeApiKey(db, request.params.id);
      if (!record) throw apiErrors.apiKeyNotFound();
      return { ...keyView(record), revoked: true };
    });
  });
}

async function adminTaskView(task: TaskRow, urlFor: UrlFor) {
  const seconds = (ms: number) => Math.floor(ms / 1000);
  return {
    ...(await taskSnapshotBody(task, urlFor)),
    object: 'admin.task',
    account_id: task.account_id,
    key_id: task.key_id,
    request_id: task.request_id,
    channel_id: task.channel_id,
    upstream_id: task.upstream ? (JSON.parse(task.upstream) as { upstreamId?: string }).upstreamId ?? null : null,
    /** A submit under way (or cut off by a crash and not yet recovered). */
    submit_in_progress: task.submit_id !== null,
    /** Submits repeated after a crash without knowing whether the first reached the upstream. */
    uncertain_submits: task.uncertain_submits,
    polls: task.polls,
    reservation_id: task.reservation_id,
    lease_owner: task.lease_owner,
    updated_at: seconds(task.updated_at),
    deadline_at: seconds(task.deadline_at),
  };
}
