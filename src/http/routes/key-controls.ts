// PATCH /admin/v1/keys/{id}: a key's controls (allowed models, budget, request limits), changed
// without a restart; fields left out stay, null clears one. Also turns the admin bodies' controls
// into storage's KeyControls for the key create in routes/admin.ts.

import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { patchKeySchema } from '../../api/admin.ts';
import { apiErrors } from '../../api/errors.ts';
import { parseWith } from '../../api/validate.ts';
import { findApiKey, type KeyControls, updateKeyControls } from '../../storage/db/api-keys.ts';
import type { BudgetPeriod } from '../../storage/db/schema.ts';
import { keyView } from '../admin-views.ts';
import type { AppDeps } from '../app.ts';

type ControlsBody = z.output<typeof patchKeySchema>;

/**
 * The controls a body sets. A budget needs its period, from the body or, on a change, the key's own;
 * a period alone changes the period of the key's budget.
 */
export function keyControlsOf(body: ControlsBody, current?: { budget_micros: number | null; budget_period: BudgetPeriod | null }): KeyControls {
  const controls: KeyControls = {
    allowedModels: body.allowed_models,
    requestsPerMinute: body.requests_per_minute,
    modelRequestsPerMinute: body.model_requests_per_minute,
    syncWaitMs: body.sync_wait_ms,
  };
  if (body.budget_usd === null) {
    controls.budget = null;
  } else if (body.budget_usd !== undefined || body.budget_period !== undefined) {
    const micros = body.budget_usd ?? current?.budget_micros ?? null;
    const period = body.budget_period ?? current?.budget_period ?? null;
    if (micros === null) throw apiErrors.invalidRequest('budget_period needs a budget: send budget_usd with it.', 'budget_usd');
    if (period === null) throw apiErrors.invalidRequest("budget_usd needs its period: send budget_period, 'day' or 'month' (UTC).", 'budget_period');
    controls.budget = { micros, period };
  }
  return controls;
}

export function keyControlRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'db'>): void {
  const db = deps.db.kysely;
  app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => deps.auth.requireAdmin(request));

    admin.patch<{ Params: { id: string } }>('/admin/v1/keys/:id', async (request) => {
      const body = parseWith(patchKeySchema, request.body);
      const current = await findApiKey(db, request.params.id);
      if (!current) throw apiErrors.apiKeyNotFound();
      const record = await updateKeyControls(db, current.id, keyControlsOf(body, current));
      if (!record) throw apiErrors.apiKeyNotFound();
      return keyView(record);
    });
  });
}
