// Usage per model and day for the caller; admin usage, ledger listing and CSV export.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(DIALECTS)('usage on %s', (dialect) => {
  let server: TestServer;
  let acct: { id: string; key: string; keyId: string };
  beforeAll(async () => {
    server = await startTestServer({ dialect });
    acct = await server.newAccount('1');
    const gen = (json: unknown) => server.call('/v1/images/generations', { method: 'POST', key: acct.key, json });
    expect((await gen({ model: 'dall-e-2', prompt: 'a', size: '256x256', n: 2 })).status).toBe(200);
    expect((await gen({ model: 'dall-e-2', prompt: 'b', size: '512x512' })).status).toBe(200);
    expect((await gen({ model: 'dall-e-3', prompt: 'c' })).status).toBe(200);
  });
  afterAll(async () => {
    await server.assertLedger();
    await server.close();
  });

  describe('GET /v1/usage', () => {
    it("reports the caller's requests, images and cost per model and day", async () => {
      const body = await (await server.call('/v1/usage', { key: acct.key })).json();
      const today = new Date().toISOString().slice(0, 10);
      expect(body).toMatchObject({ object: 'usage', group_by: 'model', end_date: today, total_cost_usd: '0.09' });
      expect(body.data).toEqual([
        { date: today, group: 'dall-e-2', requests: 2, failed_requests: 0, images: 3, cost_usd: '0.05' },
        { date: today, group: 'dall-e-3', requests: 1, failed_requests: 0, images: 1, cost_usd: '0.04' },
      ]);
      const other = await (await server.call('/v1/usage')).json();
      expect(other.data.find((r: { group: string }) => r.group === 'dall-e-3')).toBeUndefined();
    });

    it('validates the date range', async () => {
      expect((await server.call('/v1/usage?start_date=2026-13-01', { key: acct.key })).status).toBe(400);
      // A day that does not exist is refused, not rolled over to March 2 as Date.parse would.
      const impossible = await server.call('/v1/usage?start_date=2026-02-30', { key: acct.key });
      expect(impossible.status).toBe(400);
      expect((await impossible.json()).error.param).toBe('start_date');
      expect((await server.call('/v1/usage?start_date=2024-02-29&end_date=2024-03-01', { key: acct.key })).status).toBe(200);
      expect((await server.call('/v1/usage?start_date=2026-05-02&end_date=2026-05-01', { key: acct.key })).status).toBe(400);
      expect((await server.call('/v1/usage?start_date=2020-01-01&end_date=2026-01-01', { key: acct.key })).status).toBe(400);
      const past = await (await server.call('/v1/usage?start_date=2020-01-01&end_date=2020-01-31', { key: acct.key })).json();
      expect(past.data).toEqual([]);
    });
  });

  describe('admin usage and ledger', () => {
    const admin = (path: string) => server.call(path, { key: server.adminToken });

    it('reports per account and per key', async () => {
      const byAccount = await (await admin('/admin/v1/usage?group_by=account')).json();
      expect(byAccount.data.find((r: { group: string }) => r.group === acct.id)).toMatchObject({ requests: 3, images: 4, cost_usd: '0.09' });
      const byKey = await (await admin(`/admin/v1/accounts/${acct.id}/usage?group_by=key`)).json();
      expect(byKey.data).toEqual([expect.objectContaining({ group: acct.keyId, requests: 3 })]);
      expect((await admin('/admin/v1/accounts/acct_nope/usage')).status).toBe(404);
      expect((await server.call('/admin/v1/usage', { key: acct.key })).status).toBe(401);
    });

    it('lists the ledger and exports it as CSV', async () => {
      const list = await (await admin(`/admin/v1/accounts/${acct.id}/ledger`)).json();
      expect(list.data.map((e: { kind: string }) => e.kind).sort()).toEqual(['credit', 'reserve', 'reserve', 'reserve', 'settle', 'settle', 'settle']);
      const credit = list.data.find((e: { kind: string }) => e.kind === 'credit');
      expect(credit.amount_usd).toBe('1.00');
      const csv = await admin(`/admin/v1/accounts/${acct.id}/ledger?format=csv`);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      const lines = (await csv.text()).trim().split('\r\n');
      expect(lines[0]).toBe('id,created_at,account_id,kind,amount_usd,charge_usd,reservation_id,request_id,task_id,key_id,model,price_version');
      expect(lines).toHaveLength(8);
      expect((await admin('/admin/v1/ledger?limit=0')).status).toBe(400);
    });
  });
});
