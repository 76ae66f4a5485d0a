// The admin API: accounts, credit and keys. Guarded by the admin token.

import type { FastifyInstance } from 'fastify';
import { createAccountSchema, createKeySchema, creditAccountSchema } from '../../api/admin.ts';
import { errors } from '../../api/errors.ts';
import { parseWith } from '../../api/validate.ts';
import { formatUsd } from '../../billing/money.ts';
import { type Account, createAccount, creditAccount, findAccount } from '../../storage/db/accounts.ts';
import { type ApiKeyRecord, createApiKey, listApiKeys, revokeApiKey } from '../../storage/db/api-keys.ts';
import type { Services } from '../../services.ts';
import { requireAdmin } from '../auth.ts';

export function adminRoutes(app: FastifyInstance, services: Services): void {
  const db = services.db.kysely;

  app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => requireAdmin(services, request));

    admin.post('/admin/v1/accounts', async (request, reply) => {
      const body = parseWith(createAccountSchema, request.body);
      const account = await createAccount(db, body.name, body.credit_usd ?? 0);
      reply.status(201).send(accountView(account));
    });

    admin.get<{ Params: { id: string } }>('/admin/v1/accounts/:id', async (request) => {
      const account = await findAccount(db, request.params.id);
      if (!account) throw errors.notFound('Account not found.', 'account_not_found');
      const keys = await listApiKeys(db, account.id);
      return { ...accountView(account), keys: keys.map(keyView) };
    });

    admin.post<{ Params: { id: string } }>('/admin/v1/accounts/:id/credit', async (request) => {
      const body = parseWith(creditAccountSchema, request.body);
      const account = await creditAccount(db, request.params.id, body.amount_usd);
      if (!account) throw errors.notFound('Account not found.', 'account_not_found');
      return accountView(account);
    });

    admin.post<{ Params: { id: string } }>('/admin/v1/accounts/:id/keys', async (request, reply) => {
      const body = parseWith(createKeySchema, request.body);
      const account = await findAccount(db, request.params.id);
      if (!account) throw errors.notFound('Account not found.', 'account_not_found');
      const { record, key } = await createApiKey(db, account.id, body.name ?? 'default', body.spend_limit_usd ?? null);
      reply.status(201).send({ ...keyView(record), key });
    });

    admin.delete<{ Params: { id: string } }>('/admin/v1/keys/:id', async (request) => {
      const record = await revokeApiKey(db, request.params.id);
      if (!record) throw errors.notFound('API key not found.', 'api_key_not_found');
      return { ...keyView(record), revoked: true };
    });
  });
}

export function accountView(account: Account) {
  return { id: account.id, object: 'account', name: account.name, balance_usd: formatUsd(account.balance_micros), created_at: Math.floor(account.created_at / 1000) };
}

function keyView(record: ApiKeyRecord) {
  return {
    id: record.id,
    object: 'api_key',
    name: record.name,
    account_id: record.account_id,
    prefix: record.prefix,
    created_at: Math.floor(record.created_at / 1000),
    revoked_at: record.revoked_at === null ? null : Math.floor(record.revoked_at / 1000),
    spend_limit_usd: record.spend_limit_micros === null ? null : formatUsd(record.spend_limit_micros),
    spent_usd: formatUsd(record.spent_micros),
  };
}
