// The public task contract on the demo provider: async:true, task-based models, the wait budget,
// polling routes, ownership, cancellation and retention.

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollTask } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const TASK_ID = /^ldtask_[0-9a-f]{32}$/;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    config: {
      tasks: { worker_interval_ms: 50, wait_budget_ms: 400 },
      channels: [{ id: 'demo', provider: 'demo', models: ['gpt-image-2', 'midjourney', 'flux-pro', 'dall-e-2'], options: { task_ms: 600 } }],
    },
  });
});
afterAll(async () => {
  await server.assertLedger();
  await server.close();
});

const post = (json: unknown, key?: string) => server.call('/v1/images/generations', { method: 'POST', json, key });

describe('async:true', () => {
  it('answers HTTP 200 with a pending task, then completes with URLs even when b64_json was asked', async () => {
    const res = await post({ model: 'gpt-image-2', prompt: 'async fox', size: '1024x1024', async: true, response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'pending', data: [], model: 'gpt-image-2', poll_url: `/v1/tasks/${body.id}` });
    expect(body.id).toMatch(TASK_ID);
    expect(body.task_id).toBe(body.id);
    expect(res.headers.get('x-task-id')).toBe(body.id);

    const { body: done, res: last } = await pollTask(server, body.poll_url);
    expect(done.status).toBe('completed');
    expect(done.data).toHaveLength(1);
    expect(done.data[0].url).toMatch(/\/media\//);
    expect(done.data[0].b64_json).toBeUndefined();
    expect(done.billing_transaction_id).toMatch(/^billtxn_/);
    expect(last.headers.get('x-billing-transaction-id')).toBe(done.billing_transaction_id);
    expect(done).toMatchObject({ id: body.id, task_id: body.id, model: 'gpt-image-2', created: expect.any(Number), updated: expect.any(Number) });
    const image = await fetch(done.data[0].url);
    expect((await sharp(Buffer.from(await image.arrayBuffer())).metadata()).width).toBe(1024);
  });

  it('is refused where the contract does not allow it', async () => {
    const res = await post({ model: 'dall-e-2', prompt: 'x', async: true });
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe('async');
  });
});

describe('task-based models', () => {
  it('answer with a task at once and report progress while polled', async () => {
    const res = await post({ model: 'midjourney', prompt: 'a castle' });
    const body = await res.json();
    expect(body.status).toBe('pending');
    const { body: done, seen, progress } = await pollTask(server, body.poll_url, { intervalMs: 40 });
    expect(done.status).toBe('completed');
    expect(seen.some((s) => s === 'pending' || s === 'processing')).toBe(true);
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
    expect(new Set(seen)).not.toContain('queued');
  });

  it('serve the same task on the three status routes', async () => {
    const { id } = await (await post({ model: 'flux-pro', prompt: 'three routes', async: true })).json();
    await pollTask(server, `/v1/tasks/${id}`);
    const shapes = await Promise.all([`/v1/tasks/${id}`, `/v1/images/${id}`, `/v1/images/generations/${id}`].map(async (p) => (await server.call(p)).json()));
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
  });
});

describe('wait budget', () => {
  it('turns a synchronous call that outlives it into a task that still delivers', async () => {
    const started = Date.now();
    const res = await post({ model: 'gpt-image-2', prompt: 'slow big images', size: '2048x2048', n: 3, response_format: 'b64_json' });
    const body = await res.json();
    expect(body.status).toBe('pending');
    expect(Date.now() - started).toBeLessThan(3_000);
    const { body: done } = await pollTask(server, body.poll_url, { timeoutMs: 60_000 });
    expect(done.status).toBe('completed');
    expect(done.data).toHaveLength(3);
    for (const item of done.data) expect(item.url).toMatch(/\/media\//);
  });

  it('answers inline when the work finishes within it', async () => {
    const res = await post({ model: 'dall-e-2', prompt: 'quick', size: '256x256', response_format: 'b64_json' });
    const body = await res.json();
    expect(body.data[0].b64_json).toBeTruthy();
    expect(body.billing_transaction_id).toMatch(/^billtxn_/);
    expect(res.headers.get('x-billing-transaction-id')).toBe(body.billing_transaction_id);
  });
});

describe('ownership and errors', () => {
  it("hides another account's task, unknown ids and malformed ids behind the same 404", async () => {
    const { id } = await (await post({ model: 'gpt-image-2', prompt: 'mine', async: true })).json();
    const other = await server.newAccount('1');
    for (const [path, key] of [
      [`/v1/tasks/${id}`, other.key],
      [`/v1/images/${id}`, other.key],
      [`/v1/tasks/ldtask_${'0'.repeat(32)}`, undefined],
      ['/v1/tasks/not-a-task', undefined],
    ] as const) {
      const res = await server.call(path, { key });
      expect(res.status).toBe(404);
      expect((await res.json()).error).toEqual({ message: 'Task not found or no longer available.', type: 'invalid_request_error', code: 'async_task_not_found', param: null });
    }
    expect((await server.call(`/v1/tasks/${id}`, { key: null })).status).toBe(401);
    await pollTask(server, `/v1/tasks/${id}`);
  });

  it('refuses to cancel an image task', async () => {
    const { id } = await (await post({ model: 'midjourney', prompt: 'cancel me' })).json();
    const res = await server.call(`/v1/tasks/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('unsupported_task_cancel');
    await pollTask(server, `/v1/tasks/${id}`);
  });
});

describe('retention', () => {
  it('sweeps expired tasks and their images', async () => {
    const { id } = await (await post({ model: 'gpt-image-2', prompt: 'expires', async: true })).json();
    const { body } = await pollTask(server, `/v1/tasks/${id}`);
    const url = body.data[0].url as string;
    expect((await fetch(url)).status).toBe(200);
    await server.db.kysely.updateTable('tasks').set({ expires_at: Date.now() - 1 }).where('id', '=', id).execute();
    expect((await server.call(`/v1/tasks/${id}`)).status).toBe(404);
    expect(await server.engine.sweep()).toBeGreaterThanOrEqual(1);
    expect((await fetch(url)).status).toBe(404);
  });
});
