// How long a create holds its client (tasks/wait-plan.ts): `tasks.sync_wait_ms`, a key's own
// `sync_wait_ms`, and per request `Prefer: wait=N` / `Prefer: respond-async` (RFC 7240), answered with
// `Preference-Applied`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollTask } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const generate = (server: TestServer, json: Record<string, unknown>, headers: Record<string, string> = {}, key?: string) =>
  server.call('/v1/images/generations', { method: 'POST', json, headers, key });

describe('tasks.sync_wait_ms set on the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { tasks: { sync_wait_ms: 5_000 }, channels: [{ id: 'demo', provider: 'demo', models: ['midjourney'], options: { task_ms: 300 } }] },
    });
  });
  afterAll(() => server.close());

  it('answers inline when the upstream task finishes within the wait', async () => {
    const res = await generate(server, { model: 'midjourney', prompt: 'inline castle', response_format: 'b64_json' });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.status).toBeUndefined();
    expect(Buffer.from(body.data[0].b64_json, 'base64').subarray(1, 4).toString()).toBe('PNG');
    // No preference was sent, so none is reported applied.
    expect(res.headers.get('preference-applied')).toBeNull();
  });
});

describe('Prefer: wait and respond-async (sync_wait_ms 0, the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: {
        tasks: { wait_budget_ms: 8_000 },
        channels: [
          { id: 'quick', provider: 'demo', models: ['midjourney', 'gpt-image-2'], options: { task_ms: 300 } },
          { id: 'slow', provider: 'demo', models: ['flux-pro'], options: { task_ms: 2_500 } },
        ],
      },
    });
  });
  afterAll(() => server.close());

  it('without a preference a task model answers with its task at once', async () => {
    const res = await generate(server, { model: 'midjourney', prompt: 'a tower' });
    expect((await res.json()).status).toBe('pending');
    expect(res.headers.get('preference-applied')).toBeNull();
  });

  it('Prefer: wait=5 holds the create until the images are ready and says it did', async () => {
    const res = await generate(server, { model: 'midjourney', prompt: 'a tower' }, { prefer: 'wait=5' });
    const body = await res.json();
    expect(body.status).toBeUndefined();
    expect(body.data[0].url).toMatch(/\/media\//);
    expect(res.headers.get('preference-applied')).toBe('wait=5');
  });

  it('a wait shorter than the task answers with the task once it is over, and the task completes', async () => {
    const started = Date.now();
    const res = await generate(server, { model: 'flux-pro', prompt: 'a bridge' }, { prefer: 'wait=1' });
    const body = await res.json();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(body.status).toBe('pending');
    expect(res.headers.get('preference-applied')).toBe('wait=1');
    const done = await pollTask(server, body.poll_url);
    expect(done.body.status).toBe('completed');
  });

  it('a wait past tasks.wait_budget_ms is capped there, and the header says by how much', async () => {
    const res = await generate(server, { model: 'midjourney', prompt: 'a tower' }, { prefer: 'wait=600' });
    expect((await res.json()).data).toHaveLength(1);
    expect(res.headers.get('preference-applied')).toBe('wait=8');
  });

  it('respond-async answers with the task at once even for a synchronous model', async () => {
    const res = await generate(server, { model: 'gpt-image-2', prompt: 'a kite', response_format: 'b64_json' }, { prefer: 'respond-async' });
    const body = await res.json();
    expect(body.status).toBe('pending');
    expect(res.headers.get('preference-applied')).toBe('respond-async');
    const done = await pollTask(server, body.poll_url);
    expect(done.body.data[0].url).toMatch(/\/media\//);
  });

  it('malformed and unknown preferences are ignored (RFC 7240), never an error', async () => {
    for (const prefer of ['wait=soon', 'wait', 'wait=-3', 'handling=lenient', 'return=minimal']) {
      const res = await generate(server, { model: 'midjourney', prompt: 'a tower' }, { prefer });
      expect(res.status).toBe(200);
      expect((await res.json()).status).toBe('pending');
      expect(res.headers.get('preference-applied')).toBeNull();
    }
  });

  it('async: true in the body wins over a wait: the task at once, no preference applied', async () => {
    const res = await generate(server, { model: 'flux-pro', prompt: 'a bridge', async: true }, { prefer: 'wait=5' });
    expect((await res.json()).status).toBe('pending');
    expect(res.headers.get('preference-applied')).toBeNull();
  });

  it("a key's own sync_wait_ms (admin PATCH) makes its creates wait; other keys keep the server's", async () => {
    const waiting = await server.newAccount('5');
    const patched = await server.call(`/admin/v1/keys/${waiting.keyId}`, { method: 'PATCH', key: server.adminToken, json: { sync_wait_ms: 5_000 } });
    expect(patched.status).toBe(200);
    expect((await patched.json()).sync_wait_ms).toBe(5_000);
    const inline = await generate(server, { model: 'midjourney', prompt: 'a tower' }, {}, waiting.key);
    expect((await inline.json()).data).toHaveLength(1);
    const other = await generate(server, { model: 'midjourney', prompt: 'a tower' });
    expect((await other.json()).status).toBe('pending');
    const cleared = await server.call(`/admin/v1/keys/${waiting.keyId}`, { method: 'PATCH', key: server.adminToken, json: { sync_wait_ms: null } });
    expect((await cleared.json()).sync_wait_ms).toBeNull();
  });

  it('a sync_wait_ms out of range is a 400 naming it', async () => {
    const res = await server.call(`/admin/v1/keys/${(await server.newAccount('1')).keyId}`, { method: 'PATCH', key: server.adminToken, json: { sync_wait_ms: 10_000_000 } });
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe('sync_wait_ms');
  });

  it('a retry under the same Idempotency-Key waits by its own Prefer: wait and gets the images', async () => {
    const headers = { 'idempotency-key': `wait-${Date.now()}` };
    const first = await generate(server, { model: 'flux-pro', prompt: 'a quay' }, headers);
    const created = await first.json();
    expect(created.status).toBe('pending');
    const retry = await generate(server, { model: 'flux-pro', prompt: 'a quay' }, { ...headers, prefer: 'wait=8' });
    const body = await retry.json();
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('preference-applied')).toBe('wait=8');
    expect(body.data[0].url).toMatch(/\/media\//);
    expect(retry.headers.get('x-billing-transaction-id')).toBeTruthy();
  });
});
