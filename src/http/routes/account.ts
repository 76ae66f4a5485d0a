// GET /v1/account: the caller's own account and key — the balance and the key's spend and limits
// (the console's usage page; a key holder had no way to read the balance before).

import type { FastifyInstance } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import { findAccount } from '../../storage/db/accounts.ts';
import { findApiKey } from '../../storage/db/api-keys.ts';
import { accountView, keyView } from '../admin-views.ts';
import type { AppDeps } from '../app.ts';

export function accountRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'db'>): void {
  app.get('/v1/account', async (request) => {
    const caller = await deps.auth.caller(request);
    const [account, key] = await Promise.all([findAccount(deps.db.kysely, caller.accountId), findApiKey(deps.db.kysely, caller.keyId)]);
    if (!account || !key) throw apiErrors.invalidApiKey();
    return { ...accountView(account), key: keyView(key) };
  });
}
