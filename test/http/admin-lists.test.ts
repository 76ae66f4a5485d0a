// The admin lists: accounts (search, newest first, cursor pages) and an account's keys on both
// databases, and the configured channels with this replica's view of their health — never a key's
// hash or a channel's upstream key.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { DIALECTS } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

type List = { object: string; data: Array<Record<string, any>>; has_more: boolean; first_id: string | null; last_id: string | null };

describe.each(DIALECTS)('admin lists on %s', (dialect) => {
  let server: TestServer;
  const admin = () => ({ key: server.adminToken });
  const list = async (path: string): Promise<List> => {
    const res = await server.call(path, admin());
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as List;
  };
  const create = async (name: string): Promise<string> => {
    const res = await server.call('/admin/v1/accounts', { method: 'POST', ...admin(), json: { name, credit_usd: '1.5' } });
    return ((await res.json()) as { id: string }).id;
  };
  const ids: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    // Distinct creation times, so "newest first" has one answer.
    for (const name of ['Alpha Team', 'beta 100%', 'gamma_one', 'gammaXone', 'Delta']) {
      ids.push(await create(name));
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  afterAll(async () => server?.close());

  it('lists accounts newest first in the OpenAI list shape, in cursor pages', async () => {
    const first = await list('/admin/v1/accounts?limit=2');
    expect(first.object).toBe('list');
    expect(first.data.map((a) => a.id)).toEqual([ids[4], ids[3]]);
    expect(first).toMatchObject({ has_more: true, first_id: ids[4], last_id: ids[3] });
    expect(first.data[0]).toEqual({ id: ids[4], object: 'account', name: 'Delta', balance_usd: '1.50', created_at: expect.any(Number) });
    const second = await list(`/admin/v1/accounts?limit=2&after=${first.last_id}`);
    expect(second.data.map((a) => a.id)).toEqual([ids[2], ids[1]]);
    const third = await list(`/admin/v1/accounts?limit=2&after=${second.last_id}`);
    // The starter account of the first start is the oldest.
    expect(third.data.map((a) => a.id)).toEqual([ids[0], expect.stringMatching(/^acct_/)]);
    expect(third.has_more).toBe(false);
    const all = await list('/admin/v1/accounts');
    expect(all.data).toHaveLength(6);
    expect(all.has_more).toBe(false);
  });

  it('searches names in any case and ids by their start, taking % and _ literally', async () => {
    const names = async (q: string) => (await list(`/admin/v1/accounts?q=${encodeURIComponent(q)}`)).data.map((a) => a.name);
    expect(await names('ALPHA')).toEqual(['Alpha Team']);
    expect(await names('team')).toEqual(['Alpha Team']);
    expect(await names('0%')).toEqual(['beta 100%']);
    expect(await names('a_o')).toEqual(['gamma_one']);
    expect(await names('gamma')).toEqual(['gammaXone', 'gamma_one']);
    // Ids begin with their creation time: a start long enough to reach the random part names one.
    expect(await names(ids[2].slice(0, 20))).toEqual(['gamma_one']);
    // The id's start only, exactly: its middle or another case is no match.
    expect(await names(ids[2].slice(5, 14))).toEqual([]);
    expect(await names(ids[2].slice(0, 12).toUpperCase())).toEqual([]);
    expect(await names('nobody')).toEqual([]);
    const paged = await list('/admin/v1/accounts?q=gamma&limit=1');
    expect(paged).toMatchObject({ has_more: true, data: [{ name: 'gammaXone' }] });
    expect((await list(`/admin/v1/accounts?q=gamma&limit=1&after=${paged.last_id}`)).data.map((a) => a.name)).toEqual(['gamma_one']);
  });

  it('refuses a bad limit or cursor with a 400 naming it, and callers without the admin token', async () => {
    for (const limit of ['0', '101', '-1', '2.5', 'ten', '']) {
      const res = await server.call(`/admin/v1/accounts?limit=${limit}`, admin());
      expect(res.status, limit).toBe(400);
      expect((await res.json()).error.param).toBe('limit');
    }
    expect((await list('/admin/v1/accounts?limit=100')).data.length).toBe(6);
    const unknown = await server.call('/admin/v1/accounts?after=acct_nope', admin());
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.param).toBe('after');
    expect((await server.call('/admin/v1/accounts', { key: null })).status).toBe(401);
    expect((await server.call('/admin/v1/accounts')).status).toBe(401);
    expect((await server.call(`/admin/v1/accounts/${ids[0]}/keys`)).status).toBe(401);
    expect((await server.call('/admin/v1/channels')).status).toBe(401);
  });

  it("lists an account's keys newest first, revoked ones too, without any secret", async () => {
    const made: Array<{ id: string; key: string }> = [];
    for (const name of ['one', 'two', 'three']) {
      const res = await server.call(`/admin/v1/accounts/${ids[1]}/keys`, { method: 'POST', ...admin(), json: { name, spend_limit_usd: '2' } });
      made.push((await res.json()) as { id: string; key: string });
      await new Promise((r) => setTimeout(r, 5));
    }
    await server.call(`/admin/v1/keys/${made[0].id}`, { method: 'DELETE', ...admin() });
    const keys = await list(`/admin/v1/accounts/${ids[1]}/keys`);
    expect(keys.data.map((k) => k.name)).toEqual(['three', 'two', 'one']);
    expect(keys.data[0]).toEqual({
      id: made[2].id,
      object: 'api_key',
      name: 'three',
      account_id: ids[1],
      prefix: made[2].key.slice(0, 10),
      created_at: expect.any(Number),
      revoked_at: null,
      spend_limit_usd: '2.00',
      spent_usd: '0.00',
      // No controls set (test/http/key-controls.test.ts sets them).
      allowed_models: null,
      budget_usd: null,
      budget_period: null,
      budget_spent_usd: null,
      budget_resets_at: null,
      requests_per_minute: null,
      model_requests_per_minute: null,
      sync_wait_ms: null,
    });
    expect(keys.data[2].revoked_at).toEqual(expect.any(Number));
    const text = JSON.stringify(keys);
    for (const { key } of made) expect(text).not.toContain(key);
    expect(text).not.toMatch(/hash/);
    const page = await list(`/admin/v1/accounts/${ids[1]}/keys?limit=2&after=${made[2].id}`);
    expect(page.data.map((k) => k.name)).toEqual(['two', 'one']);
    expect(page.has_more).toBe(false);
    expect((await list(`/admin/v1/accounts/${ids[2]}/keys`)).data).toEqual([]);
    expect((await server.call('/admin/v1/accounts/acct_nope/keys', admin())).status).toBe(404);
    // A key of another account is no cursor here.
    const foreign = await server.call(`/admin/v1/accounts/${ids[2]}/keys?after=${made[0].id}`, admin());
    expect(foreign.status).toBe(400);
  });
});

describe('GET /admin/v1/channels', () => {
  const emulators: Emulator[] = [];
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    await Promise.all(emulators.splice(0).map((e) => e.close()));
  });

  it('shows every channel with its health now: resting from a 429, failures counted, and no upstream key', async () => {
    const [limited, flaky, steady] = [createOpenaiEmulator(), createOpenaiEmulator(), createOpenaiEmulator()];
    emulators.push(limited, flaky, steady);
    await Promise.all(emulators.map((e) => e.start()));
    const channel = (id: string, e: Emulator, priority: number) => ({ id, provider: 'openai', base_url: `${e.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['dall-e-3'], priority });
    server = await startTestServer({ config: { channels: [channel('limited', limited, 3), channel('flaky', flaky, 2), { ...channel('steady', steady, 1), weight: 5 }] } });
    limited.inject({ kind: 'status', status: 429, retryAfter: 120 });
    flaky.inject({ kind: 'status', status: 503 });
    const res = await server.call('/v1/images/generations', { method: 'POST', json: { model: 'dall-e-3', prompt: 'health', response_format: 'b64_json' } });
    expect(res.status).toBe(200);

    const answer = await server.call('/admin/v1/channels', { key: server.adminToken });
    expect(answer.status).toBe(200);
    const text = await answer.text();
    expect(text).not.toContain(OPENAI_TEST_KEY);
    const body = JSON.parse(text) as { object: string; data: Array<Record<string, any>> };
    expect(body.object).toBe('list');
    const byId = Object.fromEntries(body.data.map((c) => [c.id, c]));
    expect(Object.keys(byId)).toEqual(['limited', 'flaky', 'steady']);
    const now = Date.now() / 1000;
    expect(byId.limited.health).toEqual({ available: false, cooling_until: expect.any(Number), consecutive_failures: 0, rate_limited: true });
    expect(byId.limited.health.cooling_until).toBeGreaterThan(now + 60);
    expect(byId.limited.health.cooling_until).toBeLessThanOrEqual(Math.ceil(now) + 121);
    expect(byId.flaky.health).toEqual({ available: true, cooling_until: null, consecutive_failures: 1, rate_limited: false });
    expect(byId.steady).toEqual({
      id: 'steady',
      object: 'channel',
      provider: 'openai',
      models: ['dall-e-3'],
      priority: 1,
      weight: 5,
      base_url_host: new URL(steady.url).host,
      health: { available: true, cooling_until: null, consecutive_failures: 0, rate_limited: false },
    });
  });

  it('shows the built-in demo channel when none is configured, without a host', async () => {
    server = await startTestServer();
    const body = (await (await server.call('/admin/v1/channels', { key: server.adminToken })).json()) as { data: Array<Record<string, any>> };
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ id: 'demo', provider: 'demo', base_url_host: null, health: { available: true } });
    expect(body.data[0].models).toContain('gpt-image-2');
  });
});
