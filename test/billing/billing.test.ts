// Billing through HTTP: quote → reserve → settle/release, 402s, dry run, concurrency, on both stores.

import { afterEach, describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/billing/ledger.ts';
import { DIALECTS } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// dall-e-2 at 256x256 costs $0.016 an image in the catalogue.
const SMALL = { model: 'dall-e-2', prompt: 'a coin', size: '256x256' };

describe.each(DIALECTS)('billing on %s', (dialect) => {
  let server: TestServer;
  afterEach(async () => {
    await server.assertLedger();
    await server.close();
  });

  it('charges what was delivered and records it in the ledger', async () => {
    server = await startTestServer({ dialect });
    const acct = await server.newAccount('1');
    const res = await server.call('/v1/images/generations', { method: 'POST', key: acct.key, json: { ...SMALL, n: 3 } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(await server.balance(acct.id)).toBe('0.952');
    const entries = await server.db.kysely.selectFrom('ledger_entries').selectAll().where('account_id', '=', acct.id).orderBy('created_at').execute();
    expect(entries.map((e) => e.kind)).toEqual(['credit', 'reserve', 'settle']);
    const settle = entries[2];
    expect(settle).toMatchObject({ charge_micros: 48_000, reservation_id: body.billing_transaction_id, model: 'dall-e-2' });
    expect(settle.price_version).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(JSON.parse(settle.details!)).toMatchObject({ delivered: 3 });
  });

  it('refuses with 402 insufficient_balance before anything goes upstream', async () => {
    server = await startTestServer({ dialect });
    const acct = await server.newAccount('0.01');
    const res = await server.call('/v1/images/generations', { method: 'POST', key: acct.key, json: SMALL });
    expect(res.status).toBe(402);
    const body = await res.json();
    expect(body.error).toMatchObject({ type: 'insufficient_balance', code: 'insufficient_balance', balance_usd: 0.01, estimated_cost_usd: 0.016 });
    expect(await server.balance(acct.id)).toBe('0.01');
  });

  it("refuses with 402 quota_exceeded once a key's spend limit is reached", async () => {
    server = await startTestServer({ dialect });
    const acct = await server.newAccount('5', { spendLimitUsd: '0.04' });
    const ok = await server.call('/v1/images/generations', { method: 'POST', key: acct.key, json: { ...SMALL, n: 2 } });
    expect(ok.status).toBe(200);
    const refused = await server.call('/v1/images/generations', { method: 'POST', key: acct.key, json: { ...SMALL, n: 1 } });
    expect(refused.status).toBe(402);
    expect((await refused.json()).error.code).toBe('quota_exceeded');
  });

  it('lets at most what the balance affords through 200 concurrent requests, never below zero', async () => {
    server = await startTestServer({ dialect });
    const acct = await server.newAccount('0.16'); // exactly 10 images
    const results = await Promise.all(
      Array.from({ length: 200 }, () => server.call('/v1/images/generations', { method: 'POST', key: acct.key, json: SMALL }).then(async (r) => (await r.arrayBuffer(), r.status))),
    );
    const ok = results.filter((s) => s === 200).length;
    expect(ok).toBe(10);
    expect(results.filter((s) => s !== 200).every((s) => s === 402)).toBe(true);
    expect(await server.balance(acct.id)).toBe('0.00');
    const check = await checkLedger(server.db.kysely);
    expect(check.totals.openMicros).toBe(0);
  }, 120_000);

  it('dry run validates and quotes without holding money or calling upstream', async () => {
    server = await startTestServer({ dialect });
    const acct = await server.newAccount('1');
    const res = await server.call('/v1/images/generations', { method: 'POST', key: acct.key, json: { ...SMALL, n: 2 }, headers: { 'x-easel-dry-run': '1' } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ object: 'image.dry_run', estimated_cost_usd: '0.032', normalized_request: { model: 'dall-e-2', n: 2 } });
    expect(await server.balance(acct.id)).toBe('1.00');
    const count = await server.db.kysely.selectFrom('reservations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
    const invalid = await server.call('/v1/images/generations', { method: 'POST', key: acct.key, json: { model: 'dall-e-2', prompt: 'x', size: '13x13' }, headers: { 'x-easel-dry-run': '1' } });
    expect(invalid.status).toBe(400);
  });
});
