// Discovery tells the truth about the deployment: /v1/models lists what its channels serve (the rest
// only with include=unavailable, marked available: false), and recommended_for=image ranks by the
// success rate and latency of its own task rows, read by one query into a cache refreshed in the
// background. Task rows are seeded directly, on both dialects.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelActivityCache } from '../../src/http/model-activity.ts';
import { MIN_SAMPLES_24H } from '../../src/catalog/recommendation.ts';
import { MODEL_STATS_WINDOW_MS, modelOutcomesSince } from '../../src/storage/db/model-stats.ts';
import type { TasksTable } from '../../src/storage/db/schema.ts';
import { DIALECTS } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SERVED = ['gpt-image-2', 'flux-pro'];
let seq = 0;

/** Closed (or open) task rows of `model`, as the engine leaves them. */
function tasks(model: string, n: number, o: { status: TasksTable['status']; closedAt: number; latencyMs?: number; code?: string }): TasksTable[] {
  return Array.from({ length: n }, () => ({
    id: `ldtask_seed${String(++seq).padStart(8, '0')}`,
    account_id: 'acct_seed',
    key_id: 'key_seed',
    request_id: 'req_seed',
    model,
    status: o.status,
    progress: o.status === 'completed' ? 100 : null,
    request: '{}',
    channel_id: 'only',
    upstream: null,
    result: o.status === 'completed' ? '{"data":[]}' : null,
    error: o.status === 'failed' ? JSON.stringify({ code: o.code ?? 'upstream_error', message: 'seeded' }) : null,
    usage: null,
    reservation_id: null,
    billing_transaction_id: null,
    public: 1,
    polls: 0,
    created_at: o.closedAt - (o.latencyMs ?? 1_000),
    updated_at: o.closedAt,
    deadline_at: o.closedAt + 3_600_000,
    // Open rows are never due, so the engine leaves them alone.
    next_poll_at: o.closedAt + 3_600_000,
    lease_owner: null,
    lease_until: 0,
    expires_at: Date.now() + 3_600_000,
    submit_id: null,
    uncertain_submits: 0,
  }));
}

async function seed(server: TestServer, rows: TasksTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) await server.db.kysely.insertInto('tasks').values(rows.slice(i, i + 100)).execute();
}

describe.each(DIALECTS)('on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, config: { channels: [{ id: 'only', provider: 'demo', models: SERVED }] } });
  });
  afterAll(() => server.close());
  // Seeded rows go after each test, and the server's figures with them.
  afterEach(async () => {
    await server.db.kysely.deleteFrom('tasks').where('account_id', '=', 'acct_seed').execute();
    await server.modelActivity.refresh();
  });

  const get = async (path: string) => {
    const res = await server.call(path, { key: null });
    expect(res.status, path).toBe(200);
    return res.json();
  };
  const ids = async (path: string) => ((await get(path)).data as Array<{ id: string }>).map((m) => m.id);

  it('lists only the models a channel serves; include=unavailable lists the rest, marked', async () => {
    expect(await ids('/v1/models')).toEqual(SERVED);
    expect(await ids('/v1/models?recommended_for=image')).toEqual(SERVED);
    const compact = await get('/v1/models?recommended_for=image&view=compact');
    expect(compact.data.map((m: { id: string; available: boolean }) => [m.id, m.available])).toEqual([['gpt-image-2', true], ['flux-pro', true]]);
    const all = (await get('/v1/models?include=unavailable')).data as Array<{ id: string; available: boolean }>;
    expect(all.length).toBeGreaterThan(SERVED.length);
    expect(all.filter((m) => m.available).map((m) => m.id)).toEqual(SERVED);
    expect(all.find((m) => m.id === 'nano-banana-pro')?.available).toBe(false);
    const bad = await server.call('/v1/models?include=all', { key: null });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'invalid_value', param: 'include' });
  });

  it('the detail of an unserved model says so, and a request for it indeed gets the 503', async () => {
    const pro = await get('/v1/models/nano-banana-pro');
    expect(pro).toMatchObject({ id: 'nano-banana-pro', available: false, unavailable_reason: expect.stringContaining('No channel of this deployment serves nano-banana-pro') });
    expect(await get('/v1/models/flux-pro')).toMatchObject({ id: 'flux-pro', available: true });
    const res = await server.call('/v1/images/generations', { method: 'POST', json: { model: 'nano-banana-pro', prompt: 'a cat' } });
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('all_channels_failed');
  });

  it('a config reload that adds a channel shows at once', async () => {
    const before = server.router.channels;
    server.router.replaceChannels([...before, { ...before[0], id: 'second', models: ['nano-banana-pro'] }]);
    try {
      expect(await ids('/v1/models')).toEqual(['gpt-image-2', 'nano-banana-pro', 'flux-pro']);
      expect((await get('/v1/models/nano-banana-pro')).available).toBe(true);
    } finally {
      server.router.replaceChannels(before);
    }
  });

  it('ranks by the task rows once the cache refreshes: failures below successes, latency next, unserved absent', async () => {
    await server.modelActivity.refresh();
    const now = Date.now();
    await seed(server, [
      // gpt-image-2 (catalogue rank 1): mostly failing.
      ...tasks('gpt-image-2', 8, { status: 'completed', closedAt: now - 60_000, latencyMs: 3_000 }),
      ...tasks('gpt-image-2', 22, { status: 'failed', closedAt: now - 60_000 }),
      // flux-pro (rank 10): all good.
      ...tasks('flux-pro', 25, { status: 'completed', closedAt: now - 120_000, latencyMs: 12_000 }),
      // midjourney is served by no channel: its perfect record must not list it.
      ...tasks('midjourney', 40, { status: 'completed', closedAt: now - 60_000 }),
    ]);
    // Cached: the rows are not read per request.
    expect(await ids('/v1/models?recommended_for=image')).toEqual(['gpt-image-2', 'flux-pro']);
    await server.modelActivity.refresh();
    const body = await get('/v1/models?recommended_for=image');
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(['flux-pro', 'gpt-image-2']);
    const prefs = body.data.map((m: { tokenlab: { agent_preferences: { image: unknown } } }) => m.tokenlab.agent_preferences.image);
    expect(prefs[0]).toMatchObject({ preferred_rank: 1, success_rate_24h: 1, sample_count_24h: 25, status: 'ready', mean_latency_ms_24h: 12_000 });
    expect(prefs[1]).toMatchObject({ preferred_rank: 2, success_rate_24h: 0.2667, sample_count_24h: 30, status: 'ready', mean_latency_ms_24h: 3_000 });
    expect(Date.parse(prefs[0].updated_at)).toBeGreaterThanOrEqual(Math.floor(now / 1000) * 1000);
    const compact = await get('/v1/models?recommended_for=image&view=compact');
    expect(compact.data[0].recommendation).toEqual({ preferred_rank: 1, success_rate_24h: 1, sample_count_24h: 25, status: 'ready' });
    // With include=unavailable the unserved model comes last, unranked, with its real figures.
    const all = (await get('/v1/models?recommended_for=image&include=unavailable')).data;
    const mj = all.find((m: { id: string }) => m.id === 'midjourney');
    expect(all.indexOf(mj)).toBeGreaterThanOrEqual(SERVED.length);
    expect(mj).toMatchObject({ available: false, tokenlab: { agent_preferences: { image: { preferred_rank: null, success_rate_24h: 1, sample_count_24h: 40 } } } });
  });

  it('one query: what counts, and what does not', async () => {
    const now = Date.now();
    const since = now - MODEL_STATS_WINDOW_MS;
    await seed(server, [
      ...tasks('flux-pro', 3, { status: 'completed', closedAt: now - 1_000, latencyMs: 2_000 }),
      ...tasks('flux-pro', 1, { status: 'completed', closedAt: now - 1_000, latencyMs: 5_000 }),
      // The deployment's failures count...
      ...tasks('flux-pro', 1, { status: 'failed', closedAt: now - 1_000, code: 'upstream_error' }),
      ...tasks('flux-pro', 1, { status: 'failed', closedAt: now - 1_000, code: 'task_timeout' }),
      ...tasks('flux-pro', 1, { status: 'failed', closedAt: now - 1_000, code: 'rate_limit_exceeded' }),
      ...tasks('flux-pro', 1, { status: 'failed', closedAt: now - 1_000, code: 'some_code_from_a_later_version' }),
      // ...the request's own do not: moderation, a refused request, a client that hung up.
      ...tasks('flux-pro', 2, { status: 'failed', closedAt: now - 1_000, code: 'content_policy_violation' }),
      ...tasks('flux-pro', 1, { status: 'failed', closedAt: now - 1_000, code: 'upstream_rejected' }),
      ...tasks('flux-pro', 1, { status: 'failed', closedAt: now - 1_000, code: 'client_closed_request' }),
      // Closed before the window, or not closed: not counted.
      ...tasks('flux-pro', 5, { status: 'failed', closedAt: since - 1 }),
      ...tasks('flux-pro', 2, { status: 'processing', closedAt: now - 1_000 }),
      ...tasks('flux-pro', 2, { status: 'pending', closedAt: now - 1_000 }),
      ...tasks('midjourney', 2, { status: 'failed', closedAt: now - 1_000, code: 'content_policy_violation' }),
    ]);
    const outcomes = await modelOutcomesSince(server.db, since);
    const byModel = Object.fromEntries(outcomes.map((o) => [o.model, o]));
    expect(byModel['flux-pro']).toEqual({ model: 'flux-pro', succeeded: 4, failed: 4, meanLatencyMs: 2_750 });
    // Only failures the request caused: no sample at all.
    expect(byModel.midjourney).toEqual({ model: 'midjourney', succeeded: 0, failed: 0, meanLatencyMs: null });
  });

  it('refreshes in the background, and a model under the sample minimum stays insufficient_samples in catalogue rank', async () => {
    const log = { warn: () => {}, info: () => {} };
    const cache = ModelActivityCache.fromDatabase(server.db, log, 50);
    cache.start();
    try {
      await waitUntil(() => cache.snapshot().takenAt !== null, 10_000, 'the first read');
      expect(cache.snapshot().byModel.has('flux-pro')).toBe(false);
      const now = Date.now();
      // flux-pro has a perfect record but one task short of the minimum; gpt-image-2 is ready but failing half the time.
      await seed(server, [
        ...tasks('flux-pro', MIN_SAMPLES_24H - 1, { status: 'completed', closedAt: now }),
        ...tasks('gpt-image-2', MIN_SAMPLES_24H, { status: 'completed', closedAt: now }),
        ...tasks('gpt-image-2', MIN_SAMPLES_24H, { status: 'failed', closedAt: now }),
      ]);
      await waitUntil(() => cache.snapshot().byModel.get('flux-pro')?.succeeded === MIN_SAMPLES_24H - 1, 10_000, 'a background refresh to read the new rows');
      expect(cache.snapshot().byModel.get('gpt-image-2')).toEqual({ model: 'gpt-image-2', succeeded: MIN_SAMPLES_24H, failed: MIN_SAMPLES_24H, meanLatencyMs: 1_000 });
      // Through the server: the ready model first, even at 50 %, then the insufficient one.
      await server.modelActivity.refresh();
      const data = (await get('/v1/models?recommended_for=image')).data;
      expect(data.map((m: { id: string; tokenlab: { agent_preferences: { image: { status: string } } } }) => [m.id, m.tokenlab.agent_preferences.image.status])).toEqual([
        ['gpt-image-2', 'ready'],
        ['flux-pro', 'insufficient_samples'],
      ]);
    } finally {
      await cache.stop();
    }
  });
});

describe('the activity cache', () => {
  it('keeps the last figures when a read fails, says so once, and joins a read under way', async () => {
    const warnings: string[] = [];
    const infos: string[] = [];
    let fail = false;
    let reads = 0;
    let release: () => void = () => {};
    const cache = new ModelActivityCache(
      async () => {
        reads++;
        await new Promise<void>((r) => (release = r));
        if (fail) throw new Error('database away');
        return [{ model: 'flux-pro', succeeded: reads, failed: 0, meanLatencyMs: 1 }];
      },
      { warn: (_o: unknown, msg?: string) => void warnings.push(String(msg)), info: (msg: unknown) => void infos.push(String(msg)) } as never,
      3_600_000,
    );
    const first = cache.refresh();
    const joined = cache.refresh();
    release();
    await Promise.all([first, joined]);
    expect(reads).toBe(1);
    expect(cache.snapshot().byModel.get('flux-pro')?.succeeded).toBe(1);
    const taken = cache.snapshot().takenAt;

    fail = true;
    for (let i = 0; i < 3; i++) {
      const r = cache.refresh();
      release();
      await r;
    }
    expect(cache.snapshot().takenAt).toBe(taken);
    expect(cache.snapshot().byModel.get('flux-pro')?.succeeded).toBe(1);
    expect(warnings).toHaveLength(1);

    fail = false;
    const back = cache.refresh();
    release();
    await back;
    expect(cache.snapshot().byModel.get('flux-pro')?.succeeded).toBe(5);
    expect(infos).toHaveLength(1);
  });
});
