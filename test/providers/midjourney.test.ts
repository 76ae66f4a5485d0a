// Midjourney through midjourney-proxy, via Easel's HTTP API against the proxy emulator: the task flow,
// what the proxy receives, every submit code and task status mapped, the task timeout, and the money
// left where it started on every failure.

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseProgress, readPoll, readSubmit } from '../../src/providers/midjourney/adapter.ts';
import { DELAY_PAST_TIMEOUT_MS, fakeImage } from '../emulators/kit.ts';
import { MJ_TEST_SECRET, createMidjourneyEmulator, mjGridSize } from '../emulators/midjourney.ts';
import { tinyPng } from '../helpers/png.ts';
import { useEmulatorServer, useImageHost } from '../helpers/emulator-suite.ts';
import { scenario } from '../helpers/poll.ts';

const TASKS = { worker_interval_ms: 50, wait_budget_ms: 2_000 };
/** Reference images are served from 127.0.0.1 in these tests. */
const FETCH = { allow_private_addresses: true };
const TASK_ID = /^ldtask_[0-9a-f]{32}$/;
const emulator = createMidjourneyEmulator();
const reference = await tinyPng(64, 48);
const cat = useImageHost('/cat.png', reference);

function channel(over: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
  return { id: 'mj-main', provider: 'midjourney', base_url: `${emulator.url}/mj`, api_key: MJ_TEST_SECRET, models: ['midjourney'], options: { poll_interval_ms: 50, ...options }, ...over };
}


const submits = () => emulator.requests.filter((r) => r.path === '/mj/submit/imagine');
const fetches = () => emulator.requests.filter((r) => /^\/mj\/task\/\d+\/fetch$/.test(r.path));

const suite = useEmulatorServer(emulator, (channels: unknown[] = [channel()]) => ({ tasks: TASKS, fetch: FETCH, channels }), { beforeClose: (s) => s.assertLedger() });

describe('midjourney: the task flow and what the proxy receives', () => {
  it('a sync create answers with a pending task; polling completes it with the grid image, never the preview', async () => {
    const { res, created, done, seen, progress, balance } = await scenario(suite.server, { model: 'midjourney', prompt: 'a castle in the clouds' });
    expect(res.status).toBe(200);
    expect(created).toMatchObject({ status: 'pending', data: [], model: 'midjourney', poll_url: `/v1/tasks/${created.id}` });
    expect(created.id).toMatch(TASK_ID);
    expect(res.headers.get('x-task-id')).toBe(created.id);

    expect(done.status).toBe('completed');
    expect(seen).toContain('processing');
    expect(progress).toContain(50);
    expect(done.data).toHaveLength(1);
    const url: string = done.data[0].url;
    expect(url.startsWith(`${suite.server.publicUrl}/media/`)).toBe(true);
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    const grid = mjGridSize('a castle in the clouds');
    expect(bytes.equals(await fakeImage(grid.width, grid.height, 'png'))).toBe(true);
    expect(await sharp(bytes).metadata()).toMatchObject({ width: 2048, height: 2048 });
    expect(balance).toBe('0.95');

    // What the proxy saw: the imagine body exactly, the secret on every call, fetches of its own id.
    expect(submits()).toHaveLength(1);
    expect(submits()[0].method).toBe('POST');
    expect(submits()[0].headers['mj-api-secret']).toBe(MJ_TEST_SECRET);
    // `state` carries Easel's submission id, so a restart can find the task (test/tasks/uncertain-submit.test.ts).
    expect(submits()[0].json).toEqual({ prompt: 'a castle in the clouds', state: expect.stringMatching(/^ldsub_[A-Za-z0-9]{24}$/) });
    const upstreamId = [...emulator.tasks.keys()][0];
    expect(upstreamId).toMatch(/^\d{16}$/);
    expect(created.id).not.toContain(upstreamId);
    expect(fetches().length).toBe(emulator.pendingPolls + 1);
    for (const f of fetches()) {
      expect(f.method).toBe('GET');
      expect(f.path).toBe(`/mj/task/${upstreamId}/fetch`);
      expect(f.headers['mj-api-secret']).toBe(MJ_TEST_SECRET);
    }
    // Only the final grid was downloaded, with no secret.
    const downloads = emulator.requests.filter((r) => r.path.startsWith('/attachments/'));
    expect(downloads.map((d) => d.path.split('/').pop())).toEqual([`grid_${upstreamId}.png`]);
    expect(downloads[0].headers['mj-api-secret']).toBeUndefined();
  });

  it('aspect_ratio rides in the prompt as --ar; the grid has that shape', async () => {
    const { done } = await scenario(suite.server, { model: 'midjourney', prompt: 'a wide valley', aspect_ratio: '16:9' });
    expect(done.status).toBe('completed');
    expect(submits()[0].json).toEqual({ prompt: 'a wide valley --ar 16:9', state: expect.any(String) });
    const meta = await sharp(Buffer.from(await (await fetch(done.data[0].url)).arrayBuffer())).metadata();
    expect(meta).toMatchObject(mjGridSize('x --ar 16:9'));
    expect(meta.width!).toBeGreaterThan(meta.height!);
  });

  it("a prompt's own --ar wins over aspect_ratio", async () => {
    const { done } = await scenario(suite.server, { model: 'midjourney', prompt: 'a tall tower --ar 9:16', aspect_ratio: '16:9' });
    expect(done.status).toBe('completed');
    expect(submits()[0].json.prompt).toBe('a tall tower --ar 9:16');
  });

  it('a reference image (fetched by Easel) goes as a base64Array data URL: a Midjourney image prompt', async () => {
    const { done } = await scenario(suite.server, { model: 'midjourney', prompt: 'in watercolour', image_url: cat.url });
    expect(done.status).toBe('completed');
    expect(submits()[0].json).toEqual({ prompt: 'in watercolour', base64Array: [`data:image/png;base64,${reference.toString('base64')}`], state: expect.any(String) });
  });

  it('sends no mj-api-secret when the channel has no api_key (the proxy secret is optional)', () =>
    suite.withServer([channel({ api_key: '' })], async (s) => {
      emulator.secret = undefined;
      const { done } = await scenario(s, { model: 'midjourney', prompt: 'open proxy' });
      expect(done.status).toBe('completed');
      for (const r of emulator.requests) expect(r.headers['mj-api-secret']).toBeUndefined();
    }));

  it('code 22 (queued in the proxy) is a task all the same: NOT_START is pending', async () => {
    emulator.inject({ kind: 'behaviour', name: 'queued' });
    const { done, seen } = await scenario(suite.server, { model: 'midjourney', prompt: 'queued castle' });
    expect(done.status).toBe('completed');
    expect(seen).toContain('pending');
  });

  it('code 21 (exists) goes on with the id it names', async () => {
    emulator.inject({ kind: 'behaviour', name: 'exists' });
    const { done } = await scenario(suite.server, { model: 'midjourney', prompt: 'again' });
    expect(done.status).toBe('completed');
  });

  it('n > 1 is refused before the proxy is called: one imagine job is one grid image', async () => {
    const res = await suite.generate({ model: 'midjourney', prompt: 'two', n: 2 });
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe('n');
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('midjourney: submit codes and faults', () => {
  it('code 24 (banned prompt) → 400 content_policy_violation; nothing charged', () =>
    suite.withServer([channel()], async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'banned' });
      const { res, created, balance } = await scenario(s, { model: 'midjourney', prompt: 'something banned' });
      expect(res.status).toBe(400);
      expect(created.error.code).toBe('content_policy_violation');
      expect(balance).toBe('1.00');
    }));

  it('code 23 (queue full) fails over to the next channel', () =>
    suite.withServer([channel({ id: 'mj-busy', priority: 1 }), channel({ id: 'mj-spare', priority: 0 })], async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'queue_full' });
      const { done, balance } = await scenario(s, { model: 'midjourney', prompt: 'overflow' });
      expect(done.status).toBe('completed');
      expect(submits()).toHaveLength(2);
      expect(emulator.tasks.size).toBe(1);
      expect(balance).toBe('0.95');
    }));

  it('code 23 on the only channel → 429 rate_limit_exceeded with Retry-After', () =>
    suite.withServer([channel()], async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'queue_full' });
      const { res, created, balance } = await scenario(s, { model: 'midjourney', prompt: 'full' });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(created.error.code).toBe('rate_limit_exceeded');
      expect(balance).toBe('1.00');
    }));

  it('code 9 (system failure) → 502 upstream_error', () =>
    suite.withServer([channel()], async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'system_error' });
      const { res, created } = await scenario(s, { model: 'midjourney', prompt: 'crash' });
      expect(res.status).toBe(502);
      expect(created.error.code).toBe('upstream_error');
    }));

  it('a wrong secret → 401 with an empty body → 502 upstream_error (auth), not a 500', () =>
    suite.withServer([channel({ api_key: 'wrong-secret-0123456789' })], async (s) => {
      const { res, created } = await scenario(s, { model: 'midjourney', prompt: 'wrong secret' });
      expect(res.status).toBe(502);
      expect(created.error.code).toBe('upstream_error');
      expect(JSON.stringify(created)).not.toContain('wrong-secret');
    }));

  it.each([500, 503])('HTTP %i → 502 upstream_error', (status) =>
    suite.withServer([channel()], async (s) => {
      emulator.inject({ kind: 'status', status });
      expect((await scenario(s, { model: 'midjourney', prompt: 'broken' })).res.status).toBe(502);
    }));

  it('connection reset → 502', () =>
    suite.withServer([channel()], async (s) => {
      emulator.inject({ kind: 'reset' });
      expect((await scenario(s, { model: 'midjourney', prompt: 'reset' })).res.status).toBe(502);
    }));

  it('malformed JSON → 502', () =>
    suite.withServer([channel()], async (s) => {
      emulator.inject({ kind: 'malformed' });
      expect((await scenario(s, { model: 'midjourney', prompt: 'garbled' })).res.status).toBe(502);
    }));

  it('a slow proxy with channel timeout_ms 300 → 504 timeout_error', () =>
    suite.withServer([channel({ timeout_ms: 300 })], async (s) => {
      emulator.inject({ kind: 'delay', ms: DELAY_PAST_TIMEOUT_MS });
      const { res, created, balance } = await scenario(s, { model: 'midjourney', prompt: 'slow' });
      expect(res.status).toBe(504);
      expect(created.error.type).toBe('timeout_error');
      expect(balance).toBe('1.00');
    }));

  it('code 4 (validation) reads as bad_request; unknown codes as upstream faults', () => {
    expect(() => readSubmit({ code: 4, description: 'prompt不能为空', result: null }, 200)).toThrow(expect.objectContaining({ kind: 'bad_request' }));
    expect(() => readSubmit({ code: 3, description: '关联任务不存在或已失效', result: null }, 200)).toThrow(expect.objectContaining({ kind: 'upstream_fault' }));
    expect(() => readSubmit({ code: 1, description: '成功', result: null }, 200)).toThrow(expect.objectContaining({ kind: 'upstream_fault' }));
    expect(readSubmit({ code: 22, description: '排队中，前面还有1个任务', result: '1234567890123456' }, 200)).toBe('1234567890123456');
  });
});

describe('midjourney: task outcomes', () => {
  it.each([
    ['fail', 'upstream_error'],
    ['moderate', 'content_policy_violation'],
    ['lose', 'upstream_error'],
    ['modal', 'upstream_error'],
    ['cancel', 'upstream_error'],
  ])("behaviour '%s' → failed task with %s, money released", async (behaviour, code) => {
    emulator.inject({ kind: 'behaviour', name: behaviour });
    const { created, done, balance } = await scenario(suite.server, { model: 'midjourney', prompt: `outcome ${behaviour}` });
    expect(created.status).toBe('pending');
    expect(done.status).toBe('failed');
    expect(done.error.code).toBe(code);
    expect(done.data).toEqual([]);
    expect(JSON.stringify(done)).not.toContain(MJ_TEST_SECRET);
    expect(balance).toBe('1.00');
  });

  it("an invalid-parameter failReason → upstream_rejected (the prompt's fault, not the proxy's)", async () => {
    emulator.inject({ kind: 'behaviour', name: 'fail', detail: { failReason: '[Invalid parameter] Unrecognized parameter(s): `--foo`' } });
    const { done } = await scenario(suite.server, { model: 'midjourney', prompt: 'bad param --foo' });
    expect(done.status).toBe('failed');
    expect(done.error.code).toBe('upstream_rejected');
  });

  it('a fetch failure while polling is retried, not a failure', async () => {
    emulator.inject({ kind: 'status', status: 503 }, 1, /\/fetch$/);
    const { done } = await scenario(suite.server, { model: 'midjourney', prompt: 'flaky fetch' });
    expect(done.status).toBe('completed');
  });

  it('a stalled task fails with task_timeout at the channel task_timeout_ms; the balance is where it started', () =>
    suite.withServer([channel({}, { task_timeout_ms: 1_500 })], async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'stall' });
      const started = Date.now();
      const { done, seen, progress, balance } = await scenario(s, { model: 'midjourney', prompt: 'forever' });
      expect(done.status).toBe('failed');
      expect(done.error.code).toBe('task_timeout');
      expect(seen).toContain('processing');
      expect(progress).toContain(12);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
      expect(balance).toBe('1.00');
    }));
});

describe('midjourney: protocol details', () => {
  it('the emulator speaks the proxy: HTTP 200 codes, empty bodies, 401 without a body', async () => {
    const post = (json: unknown, secret = MJ_TEST_SECRET) =>
      fetch(`${emulator.url}/mj/submit/imagine`, { method: 'POST', headers: { 'content-type': 'application/json', 'mj-api-secret': secret }, body: JSON.stringify(json) });
    const empty = await post({ prompt: '  ' });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toMatchObject({ code: 4, description: 'prompt不能为空' });
    expect(await (await post({ prompt: 'x', base64Array: ['not a data url'] })).json()).toMatchObject({ code: 4 });
    const ok = await (await post({ prompt: 'hello' })).json();
    expect(ok).toMatchObject({ code: 1, description: '成功', result: expect.stringMatching(/^\d{16}$/) });

    const denied = await post({ prompt: 'x' }, 'nope');
    expect(denied.status).toBe(401);
    expect(await denied.text()).toBe('');

    const unknown = await fetch(`${emulator.url}/mj/task/1234567890123456/fetch`, { headers: { 'mj-api-secret': MJ_TEST_SECRET } });
    expect(unknown.status).toBe(200);
    expect(await unknown.text()).toBe('');

    const task = await (await fetch(`${emulator.url}/mj/task/${ok.result}/fetch`, { headers: { 'mj-api-secret': MJ_TEST_SECRET } })).json();
    expect(task).toMatchObject({ id: ok.result, action: 'IMAGINE', status: 'SUBMITTED', progress: '0%', submitTime: expect.any(Number) });
    expect(task.submitTime).toBeGreaterThan(1_600_000_000_000);
  });

  it('progress strings and statuses map as documented', () => {
    expect(parseProgress('45%')).toBe(45);
    expect(parseProgress('')).toBeUndefined();
    expect(parseProgress(null)).toBeUndefined();
    const base = { id: '1', action: 'IMAGINE' };
    expect(readPoll({ ...base, status: 'IN_PROGRESS', progress: '45%', imageUrl: 'https://cdn.example/preview.webp' }, 200)).toEqual({ status: 'processing', progress: 45 });
    expect(readPoll({ ...base, status: 'NOT_START', progress: '0%' }, 200)).toEqual({ status: 'pending', progress: 0 });
    expect(readPoll({ ...base, status: 'SUCCESS', imageUrl: null }, 200)).toMatchObject({ status: 'failed' });
    expect(readPoll({ ...base, status: 'FAILURE', failReason: 'Image denied' }, 200)).toMatchObject({ status: 'failed', error: { kind: 'moderated' } });
    expect(() => readPoll({} as never, 200)).toThrow();
  });
});
