// Webhooks: the account's signing secret, its delivery log and replays (API key, owner only), and the
// admin's per-key default callback URL. What each does is in webhooks/api.ts.

import type { FastifyInstance } from 'fastify';
import { parseWith } from '../../api/validate.ts';
import { listAccountDeliveries, replayAccountDelivery, rotateAccountSecret, setKeyDefaultCallback } from '../../webhooks/api.ts';
import { keyCallbackSchema, listDeliveriesQuerySchema } from '../../webhooks/schemas.ts';
import type { AppDeps } from '../app.ts';

export function webhookRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'db' | 'webhooks'>): void {
  app.post('/v1/webhooks/secret', async (request) => {
    const caller = await deps.auth.caller(request);
    return rotateAccountSecret(deps, caller.accountId);
  });

  app.get('/v1/webhooks/deliveries', async (request) => {
    const caller = await deps.auth.caller(request);
    return listAccountDeliveries(deps, caller.accountId, parseWith(listDeliveriesQuerySchema, request.query));
  });

  app.post<{ Params: { id: string } }>('/v1/webhooks/deliveries/:id/replay', async (request) => {
    const caller = await deps.auth.caller(request);
    return replayAccountDelivery(deps, caller.accountId, request.params.id);
  });

  // The admin token is checked before the body is read, as on every /admin/v1 route.
  app.put<{ Params: { id: string } }>('/admin/v1/keys/:id/callback', { onRequest: async (request) => deps.auth.requireAdmin(request) }, async (request) =>
    setKeyDefaultCallback(deps, request.params.id, parseWith(keyCallbackSchema, request.body)),
  );
}
