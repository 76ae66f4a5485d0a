// API keys and the admin API through HTTP.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const admin = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  server.call(path, { ...init, key: server.adminToken });

const generate = (key: string | null) =>
  server.call('/v1/images/generations', { method: 'POST', key, json: { model: 'gpt-image-2', prompt: 'auth check', size: '1024x1024' } });

describe('API keys', () => {
  it('refuses a missing key with 401 invalid_api_key', async () => {
    const res = await generate(null);
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body.error).toMatchObject({ type: 'invalid_api_key', code: 'invalid_api_key' });
    expect(body.error.message).toMatch(/Missing API key/);
  });

  it('refuses a wrong key', async () => {
    const res = await generate(`sk-${'x'.repeat(48)}`);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('invalid_api_key');
  });

  it('accepts a key made through the admin API and refuses it once revoked', async () => {
    const account = await (await admin('/admin/v1/accounts', { method: 'POST', json: { name: 'acme', credit_usd: '12.5' } })).json();
    expect(account).toMatchObject({ name: 'acme', balance_usd: '12.50' });
    const made = await admin(`/admin/v1/accounts/${account.id}/keys`, { method: 'POST', json: { name: 'ci' } });
    expect(made.status).toBe(201);
    const { id, key } = await made.json();
    expect(key).toMatch(/^sk-[0-9A-Za-z]{48}$/);

    expect((await generate(key)).status).toBe(200);
    const revoked = await admin(`/admin/v1/keys/${id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect((await revoked.json()).revoked).toBe(true);
    const after = await generate(key);
    expect(after.status).toBe(401);
    expect((await after.json()).error.code).toBe('invalid_api_key');
  });
});

describe('admin API', () => {
  it('refuses a wrong or missing admin token, and an API key', async () => {
    for (const key of [null, 'adm-wrong-token-000000000000', server.apiKey]) {
      const res = await server.call('/admin/v1/accounts', { method: 'POST', key, json: { name: 'x' } });
      expect(res.status).toBe(401);
      expect((await res.json()).error.type).toBe('unauthorized');
    }
  });

  it('credits accounts with decimal strings or numbers, exactly', async () => {
    const account = await (await admin('/admin/v1/accounts', { method: 'POST', json: { name: 'b', credit_usd: 0.1 } })).json();
    const credited = await (await admin(`/admin/v1/accounts/${account.id}/credit`, { method: 'POST', json: { amount_usd: 0.2 } })).json();
    expect(credited.balance_usd).toBe('0.30');
    const again = await (await admin(`/admin/v1/accounts/${account.id}/credit`, { method: 'POST', json: { amount_usd: '0.000001' } })).json();
    expect(again.balance_usd).toBe('0.300001');
    const fetched = await (await admin(`/admin/v1/accounts/${account.id}`)).json();
    expect(fetched).toMatchObject({ id: account.id, name: 'b', balance_usd: '0.300001', keys: [] });
  });

  it('validates bodies with validation_errors naming the field', async () => {
    const res = await admin('/admin/v1/accounts', { method: 'POST', json: { name: 'c', credit_usd: '-3' } });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.param).toBe('credit_usd');
    expect(body.validation_errors[0].field).toBe('credit_usd');
    const missing = await (await admin('/admin/v1/accounts', { method: 'POST', json: {} })).json();
    expect(missing.validation_errors[0]).toMatchObject({ field: 'name' });
    const extra = await (await admin('/admin/v1/accounts', { method: 'POST', json: { name: 'd', bogus: 1 } })).json();
    expect(extra.error.code).toBe('unsupported_parameter');
  });

  it('answers 404 for unknown accounts and keys', async () => {
    expect((await admin('/admin/v1/accounts/acct_nope')).status).toBe(404);
    expect((await admin('/admin/v1/accounts/acct_nope/credit', { method: 'POST', json: { amount_usd: 1 } })).status).toBe(404);
    expect((await admin('/admin/v1/accounts/acct_nope/keys', { method: 'POST', json: {} })).status).toBe(404);
    expect((await admin('/admin/v1/keys/key_nope', { method: 'DELETE' })).status).toBe(404);
  });
});
