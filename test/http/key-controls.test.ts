// Per-key controls (issue 16) through HTTP: allowed model globs (403 model_not_allowed), a budget per
// UTC period (402 budget_exceeded, rolled over, money released back to its period), the key's own
// request limit and per-model limits (429), PATCH /admin/v1/keys/{id} setting and clearing them, and
// nothing charged on any refusal. Money on both stores; a 50-way budget race on PostgreSQL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetPeriodStart, release, reserve } from '../../src/billing/ledger.ts';
import { DIALECTS } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// dall-e-2 at 256x256 costs $0.016 an image in the catalogue.
const SMALL = { model: 'dall-e-2', prompt: 'a coin', size: '256x256' };
const PRICE_MICROS = 16_000;
const DAY_MS = 86_400_000;

async function keyWith(server: TestServer, creditUsd: string, controls: Record<string, unknown>) {
  const account = await (await server.call('/admin/v1/accounts', { method: 'POST', key: server.adminToken, json: { name: 'kc', credit_usd: creditUsd } })).json();
  const res = await server.call(`/admin/v1/accounts/${account.id}/keys`, { method: 'POST', key: server.adminToken, json: { name: 'kc', ...controls } });
  expect(res.status).toBe(201);
  const made = await res.json();
  return { accountId: account.id as string, key: made.key as string, keyId: made.id as string, view: made };
}

const create = (server: TestServer, key: string, body: Record<string, unknown> = SMALL, dryRun = false) =>
  server.call('/v1/images/generations', { method: 'POST', key, json: body, headers: dryRun ? { 'x-easel-dry-run': '1' } : {} });

const patchKey = (server: TestServer, keyId: string, json: Record<string, unknown>) =>
  server.call(`/admin/v1/keys/${keyId}`, { method: 'PATCH', key: server.adminToken, json });

async function reservations(server: TestServer, keyId: string) {
  return server.db.kysely.selectFrom('reservations').selectAll().where('key_id', '=', keyId).execute();
}

async function keyRow(server: TestServer, keyId: string) {
  return server.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow();
}

describe('allowed models, request limits and PATCH', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lets a model matching a glob through and refuses another with 403 model_not_allowed, nothing held', async () => {
    const k = await keyWith(server, '1.00', { allowed_models: ['gpt-image-?', 'dall-e-*'] });
    expect(k.view.allowed_models).toEqual(['gpt-image-?', 'dall-e-*']);
    expect((await create(server, k.key)).status).toBe(200);

    const only = await keyWith(server, '1.00', { allowed_models: ['gpt-image-?'] });
    const refused = await create(server, only.key);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed', param: 'model' });
    // Dry runs are refused too: the check comes before the quote.
    expect((await create(server, only.key, SMALL, true)).status).toBe(403);
    expect(await reservations(server, only.keyId)).toEqual([]);
    expect(await server.balance(only.accountId)).toBe('1.00');

    // A glob is the whole id, case-sensitive.
    const upper = await keyWith(server, '1.00', { allowed_models: ['DALL-E-*', 'dall-e'] });
    expect((await create(server, upper.key, SMALL, true)).status).toBe(403);
    await server.assertLedger();
  });

  it('PATCH clears a control with null and leaves the others', async () => {
    const k = await keyWith(server, '1.00', { allowed_models: ['gpt-image-?'], requests_per_minute: 50 });
    expect((await create(server, k.key, SMALL, true)).status).toBe(403);
    const patched = await patchKey(server, k.keyId, { allowed_models: null });
    expect(patched.status).toBe(200);
    const view = await patched.json();
    expect(view).toMatchObject({ id: k.keyId, allowed_models: null, requests_per_minute: 50 });
    expect(view).not.toHaveProperty('key');
    expect(view).not.toHaveProperty('key_hash');
    expect((await create(server, k.key, SMALL, true)).status).toBe(200);
  });

  it('refuses bad controls with 400 and an unknown key with 404', async () => {
    const k = await keyWith(server, '1.00', {});
    for (const body of [{ allowed_models: ['flux [dev]'] }, { allowed_models: [] }, { budget_usd: '5' }, { budget_period: 'week' }, { requests_per_minute: -1 }, { model_requests_per_minute: { 'a b': 1 } }, { budget_usd: '0.0000001', budget_period: 'day' }]) {
      const res = await patchKey(server, k.keyId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const noPeriod = await server.call(`/admin/v1/accounts/${k.accountId}/keys`, { method: 'POST', key: server.adminToken, json: { budget_usd: '1' } });
    expect(noPeriod.status).toBe(400);
    expect((await noPeriod.json()).error.param).toBe('budget_period');
    expect((await patchKey(server, 'key_missing', { requests_per_minute: 1 })).status).toBe(404);
  });

  it("the key's requests_per_minute overrides the server's default", async () => {
    const k = await keyWith(server, '1.00', { requests_per_minute: 2 });
    expect((await create(server, k.key, SMALL, true)).status).toBe(200);
    expect((await create(server, k.key, SMALL, true)).status).toBe(200);
    const limited = await create(server, k.key, SMALL, true);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('2');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await limited.json()).error.code).toBe('rate_limit_exceeded');
    // Another key keeps the server's limit.
    const other = await keyWith(server, '1.00', {});
    expect((await create(server, other.key, SMALL, true)).status).toBe(200);
  });

  it('a per-model limit counts the models its glob matches, 429 naming the model', async () => {
    const k = await keyWith(server, '1.00', { model_requests_per_minute: { 'dall-e-*': 1 } });
    expect(k.view.model_requests_per_minute).toEqual({ 'dall-e-*': 1 });
    expect((await create(server, k.key, SMALL, true)).status).toBe(200);
    const limited = await create(server, k.key, { ...SMALL, model: 'dall-e-3', size: '1024x1024' }, true);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('1');
    const error = (await limited.json()).error;
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.message).toContain("'dall-e-3'");
    // A model the glob does not match is not counted against it.
    expect((await create(server, k.key, { model: 'gpt-image-2', prompt: 'x' }, true)).status).toBe(200);
    // Cleared, the model goes through again.
    expect((await patchKey(server, k.keyId, { model_requests_per_minute: null })).status).toBe(200);
    expect((await create(server, k.key, SMALL)).status).toBe(200);
    await server.assertLedger();
  });
});

describe.each(DIALECTS)('budgets on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('passes exactly at the budget and refuses past it with 402 budget_exceeded, nothing charged', async () => {
    const k = await keyWith(server, '1.00', { budget_usd: '0.032', budget_period: 'day' });
    expect(k.view).toMatchObject({ budget_usd: '0.032', budget_period: 'day', budget_spent_usd: '0.00' });
    expect((await create(server, k.key)).status).toBe(200);
    expect((await create(server, k.key)).status).toBe(200);
    const refused = await create(server, k.key);
    expect(refused.status).toBe(402);
    const error = (await refused.json()).error;
    expect(error).toMatchObject({ code: 'budget_exceeded', estimated_cost_usd: 0.016 });
    expect(error.budget_resets_at).toBe(Math.floor((budgetPeriodStart('day', Date.now()) + DAY_MS) / 1000));
    expect(await reservations(server, k.keyId)).toHaveLength(2);
    expect(await server.balance(k.accountId)).toBe('0.968');

    // One micro-dollar short of two images: the second is refused.
    const short = await keyWith(server, '1.00', { budget_usd: '0.031999', budget_period: 'month' });
    expect((await create(server, short.key)).status).toBe(200);
    expect((await create(server, short.key)).status).toBe(402);
    expect(await server.balance(short.accountId)).toBe('0.984');
    await server.assertLedger();
  });

  it('starts again when the period rolls over', async () => {
    const k = await keyWith(server, '1.00', { budget_usd: '0.016', budget_period: 'day' });
    expect((await create(server, k.key)).status).toBe(200);
    expect((await create(server, k.key)).status).toBe(402);
    // The spend was counted yesterday.
    const yesterday = budgetPeriodStart('day', Date.now()) - DAY_MS;
    await server.db.kysely.updateTable('api_keys').set({ budget_period_start: yesterday }).where('id', '=', k.keyId).execute();
    expect((await create(server, k.key)).status).toBe(200);
    const row = await keyRow(server, k.keyId);
    expect(row).toMatchObject({ budget_spent_micros: PRICE_MICROS, budget_period_start: budgetPeriodStart('day', Date.now()) });
    await server.assertLedger();
  });

  it('returns released money to the period it was taken from, and only there', async () => {
    const k = await keyWith(server, '1.00', { budget_usd: '0.016', budget_period: 'day' });
    const hold = (requestId: string) =>
      server.db.kysely.transaction().execute((trx) =>
        reserve(trx, { accountId: k.accountId, keyId: k.keyId, requestId, taskId: null, model: 'dall-e-2', quotedMicros: PRICE_MICROS, priceVersion: 'test', quote: {} }),
      );
    const first = await hold('req_kc_1');
    expect(first.budget_period_start).toBe(budgetPeriodStart('day', Date.now()));
    expect((await create(server, k.key)).status).toBe(402);
    await server.db.kysely.transaction().execute((trx) => release(trx, first.id, 'test'));
    expect((await keyRow(server, k.keyId)).budget_spent_micros).toBe(0);
    expect((await create(server, k.key)).status).toBe(200);

    // A hold from an earlier period released now does not give this period's budget back.
    const todays = (await keyRow(server, k.keyId)).budget_spent_micros;
    await server.db.kysely.updateTable('api_keys').set({ budget_spent_micros: 0, budget_period_start: null }).where('id', '=', k.keyId).execute();
    const old = await hold('req_kc_2');
    await server.db.kysely.updateTable('reservations').set({ budget_period_start: old.budget_period_start! - DAY_MS }).where('id', '=', old.id).execute();
    await server.db.kysely.transaction().execute((trx) => release(trx, old.id, 'test'));
    expect((await keyRow(server, k.keyId)).budget_spent_micros).toBe(PRICE_MICROS);
    expect(todays).toBe(PRICE_MICROS);
    await server.assertLedger();
  });

  it('PATCH raises the budget keeping the spend, and null clears it', async () => {
    const k = await keyWith(server, '1.00', { budget_usd: '0.016', budget_period: 'month' });
    expect((await create(server, k.key)).status).toBe(200);
    expect((await create(server, k.key)).status).toBe(402);
    const raised = await (await patchKey(server, k.keyId, { budget_usd: '0.032' })).json();
    expect(raised).toMatchObject({ budget_usd: '0.032', budget_period: 'month', budget_spent_usd: '0.016' });
    expect((await create(server, k.key)).status).toBe(200);
    expect((await create(server, k.key)).status).toBe(402);
    const cleared = await (await patchKey(server, k.keyId, { budget_usd: null })).json();
    expect(cleared).toMatchObject({ budget_usd: null, budget_period: null, budget_spent_usd: null, budget_resets_at: null });
    expect((await create(server, k.key)).status).toBe(200);
    await server.assertLedger();
  });

  if (dialect === 'postgres') {
    it('50 concurrent creates never spend past the budget', async () => {
      const k = await keyWith(server, '10.00', { budget_usd: '0.16', budget_period: 'day' });
      const statuses = await Promise.all(Array.from({ length: 50 }, async () => (await create(server, k.key)).status));
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 402)).toHaveLength(40);
      expect((await keyRow(server, k.keyId)).budget_spent_micros).toBe(10 * PRICE_MICROS);
      expect(await server.balance(k.accountId)).toBe('9.84');
      await server.assertLedger();
    });
  }
});
