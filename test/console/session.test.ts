// The console's session rules over plain HTTP: the cookie's flags, the CSRF header on mutations
// (403 in the error envelope without it; Bearer requests never need it), a revoked key ending its
// session at once, the operator's session on the admin API only, a forged or expired cookie being
// no session; the page's CSP and caching; and the routes the console reads (the caller's tasks and
// account, channel stats, the masked configuration).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/http/config-view.ts';
import { ConsoleSessions } from '../../src/http/console-session.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ensureConsoleBuilt } from './browser.ts';

let server: TestServer;
const UPSTREAM_KEY = 'sk-upstream-secret-value-1234';

beforeAll(async () => {
  await ensureConsoleBuilt();
  server = await startTestServer({
    config: {
      admin_token: 'adm-console-session-test-token-0123',
      channels: [{ id: 'demo', provider: 'demo', api_key: UPSTREAM_KEY, models: ['gpt-image-2', 'dall-e-3'] }],
    },
  });
});
afterAll(() => server.close());

interface SignedIn {
  cookie: string;
  setCookie: string;
  csrf: string;
  body: Record<string, unknown>;
}

async function signIn(secret: string, headers: Record<string, string> = {}): Promise<SignedIn> {
  const res = await server.call('/console/session', { method: 'POST', key: null, json: { secret }, headers });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as Record<string, unknown>;
  return { setCookie, cookie: setCookie.split(';')[0], csrf: body.csrf_token as string, body };
}

const withCookie = (s: SignedIn, extra: Record<string, string> = {}) => ({ key: null, headers: { cookie: s.cookie, ...extra } });
const generate = { method: 'POST', json: { model: 'dall-e-3', prompt: 'a lighthouse' } };

describe('sign-in and the cookie', () => {
  it('an API key signs in a user: HttpOnly, SameSite=Strict, Path=/, not Secure over http, 12 h', async () => {
    const s = await signIn(server.apiKey);
    expect(s.setCookie).toMatch(/^easel_session=[\w-]+\.[\w-]+; /);
    expect(s.setCookie).toContain('HttpOnly');
    expect(s.setCookie).toContain('SameSite=Strict');
    expect(s.setCookie).toContain('Path=/');
    expect(s.setCookie).toContain('Max-Age=43200');
    expect(s.setCookie).not.toContain('Secure');
    expect(s.body).toMatchObject({ object: 'console.session', role: 'user', key_name: 'starter' });
    expect(s.body.csrf_token).toMatch(/^[\w-]{43}$/);
    // The cookie carries no key: only its id, role and expiry, signed.
    expect(s.setCookie).not.toContain(server.apiKey);
  });

  it('is Secure when the page was reached over https', async () => {
    const s = await signIn(server.apiKey, { 'x-forwarded-proto': 'https' });
    expect(s.setCookie).toContain('; Secure');
  });

  it('the admin token signs in the operator; anything else is a 401 in the envelope', async () => {
    expect((await signIn(server.adminToken)).body).toMatchObject({ role: 'operator', account_id: null });
    const res = await server.call('/console/session', { method: 'POST', key: null, json: { secret: 'sk-not-a-key' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await res.json()).error).toMatchObject({ code: 'invalid_api_key', type: 'invalid_api_key' });
  });

  it('GET says who is signed in (with the CSRF token again), role null without a valid cookie', async () => {
    const s = await signIn(server.apiKey);
    const back = await (await server.call('/console/session', withCookie(s))).json();
    expect(back).toMatchObject({ role: 'user', csrf_token: s.csrf });
    expect(await (await server.call('/console/session', { key: null })).json()).toMatchObject({ role: null, csrf_token: null });
  });

  it('sign-out clears the cookie', async () => {
    const s = await signIn(server.apiKey);
    const res = await server.call('/console/session', { method: 'DELETE', ...withCookie(s) });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^easel_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict/);
  });
});

describe('the cookie stands in for the key, with CSRF on mutations', () => {
  it('a GET needs no CSRF token', async () => {
    const s = await signIn(server.apiKey);
    const res = await server.call('/v1/usage', withCookie(s));
    expect(res.status).toBe(200);
  });

  it('a mutation without the header, or with a wrong one, is a 403 csrf_token_invalid in the envelope; with it, it runs', async () => {
    const s = await signIn(server.apiKey);
    const attempts: Array<Record<string, string>> = [{}, { 'x-easel-csrf': 'wrong' }, { 'x-easel-csrf': (await signIn(server.apiKey)).csrf }];
    for (const headers of attempts) {
      const res = await server.call('/v1/images/generations', { ...generate, ...withCookie(s, headers) });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { message: expect.stringContaining('X-Easel-CSRF'), type: 'permission_error', code: 'csrf_token_invalid', param: null } });
    }
    const ok = await server.call('/v1/images/generations', { ...generate, ...withCookie(s, { 'x-easel-csrf': s.csrf }) });
    expect(ok.status).toBe(200);
  });

  it('Bearer requests are unaffected, even with a cookie beside them', async () => {
    const s = await signIn(server.apiKey);
    const res = await server.call('/v1/images/generations', { ...generate, headers: { cookie: s.cookie } });
    expect(res.status).toBe(200);
  });

  it("revoking the key ends its session at once: the next request is a 401, and GET /console/session says signed out", async () => {
    const account = await server.newAccount('5');
    const s = await signIn(account.key);
    expect((await server.call('/v1/usage', withCookie(s))).status).toBe(200);
    expect((await server.call(`/admin/v1/keys/${account.keyId}`, { method: 'DELETE', key: server.adminToken })).status).toBe(200);
    const res = await server.call('/v1/usage', withCookie(s));
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('invalid_api_key');
    expect((await server.call('/v1/usage', { key: account.key })).status).toBe(401);
    expect((await (await server.call('/console/session', withCookie(s))).json()).role).toBeNull();
  });

  it("the operator's session opens the admin API (CSRF on its mutations) and no /v1 route; a user's opens no admin route", async () => {
    const op = await signIn(server.adminToken);
    expect((await server.call('/admin/v1/accounts', withCookie(op))).status).toBe(200);
    const noCsrf = await server.call('/admin/v1/accounts', { method: 'POST', json: { name: 'x' }, ...withCookie(op) });
    expect(noCsrf.status).toBe(403);
    expect((await noCsrf.json()).error.code).toBe('csrf_token_invalid');
    expect((await server.call('/admin/v1/accounts', { method: 'POST', json: { name: 'x' }, ...withCookie(op, { 'x-easel-csrf': op.csrf }) })).status).toBe(201);
    expect((await server.call('/v1/usage', withCookie(op))).status).toBe(401);
    const user = await signIn(server.apiKey);
    expect((await server.call('/admin/v1/accounts', withCookie(user))).status).toBe(401);
  });

  it('a forged, altered or expired cookie is no session', async () => {
    const s = await signIn(server.apiKey);
    const [payload, mac] = s.cookie.slice('easel_session='.length).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const asOperator = Buffer.from(JSON.stringify({ ...claims, r: 'operator' })).toString('base64url');
    const expired = new ConsoleSessions(server.adminToken).issue({ role: 'operator', expiresAt: Date.now() - 1 });
    const otherServer = new ConsoleSessions('adm-some-other-deployment-token').issue({ role: 'operator', expiresAt: Date.now() + 60_000 });
    for (const value of [`${asOperator}.${mac}`, `${payload}.${mac.slice(1)}x`, expired, otherServer, 'garbage']) {
      expect((await server.call('/admin/v1/accounts', { key: null, headers: { cookie: `easel_session=${value}` } })).status).toBe(401);
      expect((await server.call('/v1/usage', { key: null, headers: { cookie: `easel_session=${value}` } })).status).toBe(401);
    }
  });
});

describe('the page', () => {
  it('is served with a strict CSP, no-cache; its hashed assets cached for a year with their types', async () => {
    const res = await server.call('/console', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(`default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: ${new URL(server.url).origin}; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`);
    const html = await res.text();
    // No inline script: every <script> names a file of the build.
    const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) {
      expect(s[0]).toMatch(/src="\/console\/assets\/[\w-]+\.js"/);
      expect(s[1].trim()).toBe('');
    }
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const a = await server.call(asset, { key: null });
      expect(a.status).toBe(200);
      expect(a.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(a.headers.get('content-type')).toBe(asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect(a.headers.get('x-content-type-options')).toBe('nosniff');
    }
    for (const bad of ['/console/assets/nope.js', '/console/assets/..%2F..%2Fpackage.json', '/console/assets/index.html']) {
      expect((await server.call(bad, { key: null })).status).toBe(404);
    }
  });
});

describe('what the console reads', () => {
  it("GET /v1/tasks lists the caller's own tasks (inline ones too), filtered, with cost and parameters; another account sees none", async () => {
    const account = await server.newAccount('5');
    const made = await server.call('/v1/images/generations', { method: 'POST', key: account.key, json: { model: 'gpt-image-2', prompt: 'a boat', size: '1024x1536', quality: 'low' } });
    expect(made.status).toBe(200);
    const requestId = made.headers.get('x-request-id');
    const list = await (await server.call(`/v1/tasks?request_id=${requestId}`, { key: account.key })).json();
    expect(list.data).toHaveLength(1);
    const task = list.data[0];
    expect(task).toMatchObject({ object: 'image.task', status: 'completed', model: 'gpt-image-2', request_id: requestId, parameters: { prompt: 'a boat', size: '1024x1536', quality: 'low', n: 1 } });
    expect(task.cost_usd).toMatch(/^\d+\.\d+$/);
    expect(task.data[0].url).toContain('/media/');
    expect((await (await server.call('/v1/tasks?status=failed', { key: account.key })).json()).data).toEqual([]);
    expect((await (await server.call('/v1/tasks?model=dall-e-3', { key: account.key })).json()).data).toEqual([]);
    expect((await (await server.call(`/v1/tasks?request_id=${requestId}`)).json()).data).toEqual([]);
    const bad = await server.call('/v1/tasks?status=done', { key: account.key });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe('status');
    const admin = await (await server.call(`/admin/v1/tasks?id=${task.id}`, { key: server.adminToken })).json();
    expect(admin.data[0]).toMatchObject({ id: task.id, account_id: account.id, key_id: account.keyId, upstream_id: null });
  });

  it("GET /v1/account shows the caller's balance and key", async () => {
    const account = await server.newAccount('7.5');
    const body = await (await server.call('/v1/account', { key: account.key })).json();
    expect(body).toMatchObject({ id: account.id, object: 'account', balance_usd: '7.50', key: { id: account.keyId, object: 'api_key' } });
  });

  it("channel stats count this replica's upstream calls per channel with latency percentiles", async () => {
    const stats = await (await server.call('/admin/v1/channels/stats', { key: server.adminToken })).json();
    const demo = stats.data.find((c: { id: string }) => c.id === 'demo');
    expect(demo.succeeded).toBeGreaterThan(0);
    expect(demo.success_rate).toBe(1);
    expect(demo.p50_latency_ms).toBeGreaterThanOrEqual(0);
    expect(demo.p99_latency_ms).toBeGreaterThanOrEqual(demo.p50_latency_ms);
  });

  it('the effective configuration masks every secret', async () => {
    const res = await server.call('/admin/v1/config', { key: server.adminToken });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(text).not.toContain(server.adminToken);
    const { config } = JSON.parse(text);
    expect(config.channels[0]).toMatchObject({ id: 'demo', api_key: '••••••' });
    expect(config.limits.requests_per_minute).toBe(100_000);
  });

  it('masks secret fields and the credentials and query of URLs, and leaves the rest', () => {
    const masked = maskSecrets({
      database_url: 'postgres://easel:hunter2@db.internal:5432/easel',
      redis_url: 'redis://:pw@cache:6379',
      storage: { kind: 's3', access_key_id: 'AKIAXXXX', secret_access_key: 'abc', endpoint: 'https://s3.example.com' },
      channels: [{ api_key: '', base_url: 'https://azure.example.com/openai?api-key=zzz', models: ['a'] }],
      port: 8080,
    });
    expect(JSON.stringify(masked)).not.toMatch(/hunter2|:pw@|AKIAXXXX|"abc"|zzz/);
    expect(masked).toEqual({
      database_url: 'postgres://%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2:%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2@db.internal:5432/easel',
      redis_url: 'redis://:%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2@cache:6379',
      storage: { kind: 's3', access_key_id: '••••••', secret_access_key: '••••••', endpoint: 'https://s3.example.com' },
      channels: [{ api_key: '', base_url: 'https://azure.example.com/openai?%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2', models: ['a'] }],
      port: 8080,
    });
  });
});
