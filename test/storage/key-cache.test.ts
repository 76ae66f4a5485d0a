// The API key cache (storage/db/key-cache.ts): a key that authenticated is not looked up again, and a
// revocation or a change of controls holds on the very next request — made through this server, by
// the CLI beside it on the same SQLite file, or on another replica over PostgreSQL.

import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyCache, KEY_CACHE_MAX_ENTRIES, KEY_CACHE_TTL_MS } from '../../src/storage/db/key-cache.ts';
import type { ApiKeysTable } from '../../src/storage/db/schema.ts';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** An authenticated read (the model list is public): 200 with an active key, 401 otherwise. */
const models = (s: TestServer, key: string) => s.call('/v1/usage', { key });
const revoke = (s: TestServer, keyId: string) => s.call(`/admin/v1/keys/${keyId}`, { method: 'DELETE', key: s.adminToken });
const dryRun = (s: TestServer, key: string, model: string) =>
  s.call('/v1/images/generations', { method: 'POST', key, headers: { 'x-easel-dry-run': '1' }, json: { model, prompt: 'x' } });

describe('ApiKeyCache', () => {
  const record = (id: string) => ({ id, revoked_at: null }) as unknown as ApiKeysTable;

  it('serves what it remembered until the entry lapses, and forgets a changed key', async () => {
    const cache = new ApiKeyCache({});
    cache.remember('h1', record('k1'), cache.stamp(), 0);
    expect(cache.get('h1', KEY_CACHE_TTL_MS - 1)?.id).toBe('k1');
    expect(cache.get('h1', KEY_CACHE_TTL_MS)).toBeUndefined();
    cache.remember('h1', record('k1'), cache.stamp());
    cache.forget('k1');
    expect(cache.get('h1')).toBeUndefined();
    await cache.close();
  });

  it('does not keep a row read before a change it heard of meanwhile, nor a revoked one', async () => {
    const cache = new ApiKeyCache({});
    const stamp = cache.stamp();
    cache.forget('someone');
    cache.remember('h1', record('k1'), stamp);
    expect(cache.get('h1')).toBeUndefined();
    cache.remember('h2', { ...record('k2'), revoked_at: 1 }, cache.stamp());
    expect(cache.size).toBe(0);
    await cache.close();
  });

  it('empties itself when the change counter moves (another connection committed)', async () => {
    let counter = 1;
    const cache = new ApiKeyCache({ changeCounter: () => counter });
    cache.remember('h1', record('k1'), cache.stamp());
    expect(cache.get('h1')?.id).toBe('k1');
    counter = 2;
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.size).toBe(0);
    await cache.close();
  });

  it(`holds at most ${KEY_CACHE_MAX_ENTRIES} entries, dropping the oldest`, async () => {
    const cache = new ApiKeyCache({});
    for (let i = 0; i <= KEY_CACHE_MAX_ENTRIES; i++) cache.remember(`h${i}`, record(`k${i}`), cache.stamp());
    expect(cache.size).toBe(KEY_CACHE_MAX_ENTRIES);
    expect(cache.get('h0')).toBeUndefined();
    expect(cache.get(`h${KEY_CACHE_MAX_ENTRIES}`)?.id).toBe(`k${KEY_CACHE_MAX_ENTRIES}`);
    await cache.close();
  });
});

describe('one server on SQLite', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { bootstrap: { starter_credit_usd: '5' } } });
  });
  afterAll(() => server.close());

  it('serves a key from memory: a change made behind Easel back (SQL through its own connection) is not seen', async () => {
    // The test reaches into the server's own connection, as nothing in Easel does: a row changed this
    // way moves no counter and sends no news, so only the cache can explain the key still working.
    const { key, keyId } = await server.newAccount('1');
    expect((await models(server, key)).status).toBe(200);
    await server.db.kysely.updateTable('api_keys').set({ revoked_at: Date.now() }).where('id', '=', keyId).execute();
    expect((await models(server, key)).status).toBe(200);
  });

  it('a revocation through the admin API holds on the next request', async () => {
    const { key, keyId } = await server.newAccount('1');
    expect((await models(server, key)).status).toBe(200);
    expect((await revoke(server, keyId)).status).toBe(200);
    expect((await models(server, key)).status).toBe(401);
  });

  it("a change of the key's allowed models holds on the next request", async () => {
    const { key, keyId } = await server.newAccount('1');
    expect((await dryRun(server, key, 'dall-e-3')).status).toBe(200);
    await server.call(`/admin/v1/keys/${keyId}`, { method: 'PATCH', key: server.adminToken, json: { allowed_models: ['flux-*'] } });
    expect((await dryRun(server, key, 'dall-e-3')).status).toBe(403);
  });

  it('a revocation by another connection to the file (the CLI) holds on the next request', async () => {
    const { key, keyId } = await server.newAccount('1');
    expect((await models(server, key)).status).toBe(200);
    const cli = new BetterSqlite3(path.join(server.dataDir, 'easel.sqlite'));
    try {
      cli.prepare('update api_keys set revoked_at = ? where id = ?').run(Date.now(), keyId);
    } finally {
      cli.close();
    }
    expect((await models(server, key)).status).toBe(401);
  });
});

describe('two replicas on PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ dialect: 'postgres' });
    b = await startTestServer({ config: { database_url: a.config.database_url } });
    // Each replica LISTENs for key changes once its connection is up.
    const probe = new pg.Client({ connectionString: a.config.database_url });
    await probe.connect();
    try {
      await waitUntil(async () => (await probe.query(`select count(*)::int as n from pg_stat_activity where query ilike 'LISTEN easel_key_changed%'`)).rows[0].n >= 2, 10_000, 'both replicas to LISTEN');
    } finally {
      await probe.end();
    }
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('a key revoked on one replica is refused by the other on its next request', async () => {
    const { key, keyId } = await a.newAccount('1');
    expect((await models(b, key)).status).toBe(200);
    expect((await models(a, key)).status).toBe(200);
    expect((await revoke(a, keyId)).status).toBe(200);
    // The NOTIFY left with the revocation's commit; give it the moment a local socket takes.
    await expect.poll(async () => (await models(b, key)).status, { timeout: 2_000, interval: 20 }).toBe(401);
    expect((await models(a, key)).status).toBe(401);
  });

  it('without the news (a change by hand) the other replica keeps serving from memory', async () => {
    const { key, keyId } = await a.newAccount('1');
    expect((await models(b, key)).status).toBe(200);
    await a.db.kysely.updateTable('api_keys').set({ revoked_at: Date.now() }).where('id', '=', keyId).execute();
    expect((await models(b, key)).status).toBe(200);
  });
});
