// BFL FLUX through Easel's HTTP API against the BFL emulator (API host, polling host, delivery host):
// the task flow, what BFL receives, where x-key goes (and where it never goes), each failure mapping,
// the task timeout, n > 1 as several BFL tasks, and the money left where it started on every failure.

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { listModels, requireModel } from '../../src/catalog/catalog.ts';
import { BFL_MAX_N } from '../../src/catalog/models/flux.ts';
import type { NormalizedImageRequest } from '../../src/catalog/types.ts';
import { bflProvider, classifyBflError, pollTarget } from '../../src/providers/bfl/adapter.ts';
import type { CallContext, Channel, PollResult } from '../../src/providers/types.ts';
import { callContext } from '../../src/routing/router.ts';
import { BFL_TEST_KEY, BFL_UPSAMPLE_SUFFIX, bflRatioSize, createBflEmulator } from '../emulators/bfl.ts';
import { DELAY_PAST_TIMEOUT_MS, fakeImage } from '../emulators/kit.ts';
import { tinyPng } from '../helpers/png.ts';
import { fetchBytes, useEmulatorServer, useImageHost } from '../helpers/emulator-suite.ts';
import { pollTask, scenario } from '../helpers/poll.ts';
import { startTestServer } from '../helpers/server.ts';

const MODELS = ['flux-pro', 'flux-1.1-pro', 'flux-kontext-pro'];
const TASKS = { worker_interval_ms: 50, wait_budget_ms: 2_000 };
/** Reference images are served from 127.0.0.1 in these tests. */
const FETCH = { allow_private_addresses: true };
const TASK_ID = /^ldtask_[0-9a-f]{32}$/;
const emulator = createBflEmulator();
const reference = await tinyPng(64, 48);
const house = useImageHost('/house.png', reference);

/** The polling host is trusted by default here, so the documented polling_url path is exercised. */
function channel(over: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
  return {
    id: 'bfl-main',
    provider: 'bfl',
    base_url: emulator.url,
    api_key: BFL_TEST_KEY,
    models: MODELS,
    options: { poll_interval_ms: 50, poll_hosts: [new URL(emulator.pollHost.url).host], ...options },
    ...over,
  };
}


function lastSubmit() {
  const submits = emulator.requests.filter((r) => r.method === 'POST');
  expect(submits.length).toBeGreaterThan(0);
  return submits[submits.length - 1];
}

/** An Easel of a case's own gets `channels` (the default channel unless given) and `tasks` settings over TASKS. */
const suite = useEmulatorServer(
  emulator,
  ({ channels = [channel()], tasks = {} }: { channels?: unknown[]; tasks?: Record<string, unknown> } = {}) => ({ tasks: { ...TASKS, ...tasks }, fetch: FETCH, channels }),
  { beforeClose: (s) => s.assertLedger() },
);

describe('bfl: the task flow and what BFL receives', () => {
  it('flux-pro: a sync create answers with a pending task, polling completes it with Easel URLs of the BFL image', async () => {
    const { res, created, done, seen, progress, balance } = await scenario(suite.server, { model: 'flux-pro', prompt: 'a lighthouse at dawn', size: '1024x768' });
    expect(res.status).toBe(200);
    expect(created).toMatchObject({ status: 'pending', data: [], model: 'flux-pro', poll_url: `/v1/tasks/${created.id}` });
    expect(created.id).toMatch(TASK_ID);
    expect(res.headers.get('x-task-id')).toBe(created.id);

    expect(done.status).toBe('completed');
    expect(seen.some((s) => s === 'pending' || s === 'processing')).toBe(true);
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
    expect(done.data).toHaveLength(1);
    expect(done.data[0].url.startsWith(`${suite.server.publicUrl}/media/`)).toBe(true);
    expect((await fetchBytes(done.data[0].url)).equals(await fakeImage(1024, 768, 'jpeg'))).toBe(true);
    expect(balance).toBe('0.96');

    // Submitted on the API host, with the key, to the catalogue's endpoint for flux-pro.
    const submits = emulator.requests.filter((r) => r.method === 'POST');
    expect(submits).toHaveLength(1);
    expect(submits[0].path).toBe('/v1/flux-pro-1.1');
    expect(submits[0].headers['x-key']).toBe(BFL_TEST_KEY);
    expect(submits[0].json).toEqual({ prompt: 'a lighthouse at dawn', width: 1024, height: 768 });
    // Polled at the returned polling_url (another host), with the key: the channel trusts that host.
    const polls = emulator.pollHost.requests;
    expect(polls.length).toBeGreaterThanOrEqual(3);
    for (const poll of polls) {
      expect(poll.path).toBe('/v1/get_result');
      expect(poll.headers['x-key']).toBe(BFL_TEST_KEY);
    }
    expect(emulator.requests.filter((r) => r.path === '/v1/get_result')).toHaveLength(0);
    // The signed sample was fetched from the delivery host without any credentials.
    expect(emulator.delivery.requests).toHaveLength(1);
    expect(emulator.delivery.requests[0].headers['x-key']).toBeUndefined();
    expect(emulator.delivery.requests[0].headers.authorization).toBeUndefined();
  });

  it('flux-1.1-pro: size, seed, output_format and expand_prompt become width/height, seed, output_format, prompt_upsampling', async () => {
    const { done } = await scenario(suite.server, { model: 'flux-1.1-pro', prompt: 'a red fox', size: '512x768', seed: 42, output_format: 'png', expand_prompt: true });
    expect(done.status).toBe('completed');
    expect(lastSubmit()).toMatchObject({ path: '/v1/flux-pro-1.1' });
    expect(lastSubmit().json).toEqual({ prompt: 'a red fox', width: 512, height: 768, seed: 42, output_format: 'png', prompt_upsampling: true });
    // The upsampled prompt is what BFL drew from: it is the revised prompt.
    expect(done.data[0].revised_prompt).toBe(`a red fox${BFL_UPSAMPLE_SUFFIX}`);
    const bytes = await fetchBytes(done.data[0].url);
    expect(bytes.equals(await fakeImage(512, 768, 'png'))).toBe(true);
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'png', width: 512, height: 768 });
  });

  it('flux-kontext-pro: aspect_ratio (no width/height) to the flux-kontext-pro endpoint; PNG by default', async () => {
    const { done } = await scenario(suite.server, { model: 'flux-kontext-pro', prompt: 'a tea house', aspect_ratio: '16:9' });
    expect(done.status).toBe('completed');
    const submit = lastSubmit();
    expect(submit.path).toBe('/v1/flux-kontext-pro');
    expect(submit.json).toEqual({ prompt: 'a tea house', aspect_ratio: '16:9' });
    const { width, height } = bflRatioSize('16:9');
    expect((await fetchBytes(done.data[0].url)).equals(await fakeImage(width, height, 'png'))).toBe(true);
  });

  it('flux-kontext-pro: a reference image (fetched by Easel) goes to BFL as base64 input_image', async () => {
    const { done } = await scenario(suite.server, { model: 'flux-kontext-pro', prompt: 'make it winter', image_url: house.url });
    expect(done.status).toBe('completed');
    expect(lastSubmit().path).toBe('/v1/flux-kontext-pro');
    expect(lastSubmit().json).toEqual({ prompt: 'make it winter', input_image: reference.toString('base64') });
  });

  it('flux-kontext-pro: an edit with two uploaded images sends input_image and input_image_2', async () => {
    const second = await tinyPng(32, 32);
    const form = new FormData();
    form.append('model', 'flux-kontext-pro');
    form.append('prompt', 'put the cat on the sofa');
    form.append('image', new Blob([new Uint8Array(reference)], { type: 'image/png' }), 'sofa.png');
    form.append('image', new Blob([new Uint8Array(second)], { type: 'image/png' }), 'cat.png');
    const res = await suite.server.call('/v1/images/edits', { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const created = await res.json();
    const { body: done } = await pollTask(suite.server, created.poll_url);
    expect(done.status).toBe('completed');
    expect(lastSubmit().json).toEqual({ prompt: 'put the cat on the sofa', input_image: reference.toString('base64'), input_image_2: second.toString('base64') });
  });

  it('async:true on flux-pro answers pending at once and completes; b64_json still ends as URLs', async () => {
    const { res, created, done } = await scenario(suite.server, { model: 'flux-pro', prompt: 'async flux', async: true, response_format: 'b64_json' });
    expect(res.status).toBe(200);
    expect(created.status).toBe('pending');
    expect(done.status).toBe('completed');
    expect(done.data[0].url).toMatch(/\/media\//);
    expect(done.data[0].b64_json).toBeUndefined();
    expect(done.billing_transaction_id).toMatch(/^billtxn_/);
  });

  it('may answer inline when the task finishes within tasks.sync_wait_ms', () =>
    suite.withServer({ tasks: { sync_wait_ms: 10_000 } }, async (s) => {
      const res = await s.call('/v1/images/generations', { method: 'POST', json: { model: 'flux-pro', prompt: 'inline', size: '256x256', response_format: 'b64_json' } });
      const body = await res.json();
      expect(res.status).toBe(200);
      expect(body.status).toBeUndefined();
      expect(Buffer.from(body.data[0].b64_json, 'base64').equals(await fakeImage(256, 256, 'jpeg'))).toBe(true);
    }));

  it('a size off the FLUX rule never reaches BFL', async () => {
    const res = await suite.generate({ model: 'flux-pro', prompt: 'odd', size: '1000x1000' });
    expect(res.status).toBe(400);
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('bfl: where x-key goes', () => {
  it('a polling_url on a host the channel does not trust is not followed: get_result on the channel host instead', () =>
    suite.withServer({ channels: [channel({}, { poll_hosts: [] })] }, async (s) => {
      const { done } = await scenario(s, { model: 'flux-pro', prompt: 'stay home', size: '256x256' });
      expect(done.status).toBe('completed');
      expect(emulator.pollHost.requests).toHaveLength(0);
      const polls = emulator.requests.filter((r) => r.path === '/v1/get_result');
      expect(polls.length).toBeGreaterThanOrEqual(3);
      for (const poll of polls) expect(poll.headers['x-key']).toBe(BFL_TEST_KEY);
    }));

  it('the rule: same origin, BFL domains between themselves over https, or an operator-listed host', () => {
    const base: Channel = { id: 'c', provider: 'bfl', baseUrl: 'https://api.bfl.ai', apiKey: 'k', models: [], priority: 0, weight: 1, timeoutMs: 1000, modelMap: {}, options: {}, onUncertainSubmit: 'resubmit' };
    const task = (polling_url: string) => ({ id: 'abc', polling_url });
    expect(pollTarget(task('https://api.us1.bfl.ai/v1/get_result?id=abc'), base)).toBe('https://api.us1.bfl.ai/v1/get_result?id=abc');
    expect(pollTarget(task('https://api.bfl.ai/v1/get_result?id=abc'), base)).toBe('https://api.bfl.ai/v1/get_result?id=abc');
    // Not https, or not BFL's: polled at the channel's own host.
    expect(pollTarget(task('http://api.us1.bfl.ai/v1/get_result?id=abc'), base)).toBe('https://api.bfl.ai/v1/get_result?id=abc');
    expect(pollTarget(task('https://evil.example/v1/get_result?id=abc'), base)).toBe('https://api.bfl.ai/v1/get_result?id=abc');
    expect(pollTarget(task('https://api.bfl.ai.evil.example/x'), base)).toBe('https://api.bfl.ai/v1/get_result?id=abc');
    // A proxy channel's key is not BFL's: it never follows a polling_url to bfl.ai.
    const proxy = { ...base, baseUrl: 'https://bfl-proxy.internal' };
    expect(pollTarget(task('https://api.us1.bfl.ai/v1/get_result?id=abc'), proxy)).toBe('https://bfl-proxy.internal/v1/get_result?id=abc');
    expect(pollTarget(task('https://poll.internal:8443/r?id=abc'), { ...proxy, options: { poll_hosts: ['poll.internal:8443'] } })).toBe('https://poll.internal:8443/r?id=abc');
  });

  it('the delivery host refuses x-key and expired signatures (so a leak would fail the download)', async () => {
    const { done } = await scenario(suite.server, { model: 'flux-pro', prompt: 'signed', size: '256x256' });
    expect(done.status).toBe('completed');
    const sample = emulator.delivery.requests[0];
    expect(sample.headers['x-key']).toBeUndefined();
    const poll = await fetch(`${emulator.url}/v1/get_result?id=${[...emulator.tasks.keys()][0]}`, { headers: { 'x-key': BFL_TEST_KEY } });
    const url = (await poll.json()).result.sample as string;
    expect(new URL(url).host).not.toBe(new URL(emulator.url).host);
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(url, { headers: { 'x-key': BFL_TEST_KEY } })).status).toBe(403);
    const expired = new URL(url);
    expired.searchParams.set('se', String(Date.now() - 1));
    expect((await fetch(expired)).status).toBe(403);
  });

  it('an expired sample URL fails the task as upstream_error and releases the money', () =>
    suite.withServer({}, async (s) => {
      emulator.sampleTtlMs = -1;
      const { done, balance } = await scenario(s, { model: 'flux-pro', prompt: 'too late', size: '256x256' });
      expect(done.status).toBe('failed');
      expect(done.error.code).toBe('upstream_error');
      expect(balance).toBe('1.00');
    }));
});

describe('bfl: task outcomes', () => {
  it.each([
    ['moderate', 'content_policy_violation'],
    ['request_moderated', 'content_policy_violation'],
    ['error', 'upstream_error'],
    ['fail_midway', 'upstream_error'],
    ['lose', 'upstream_error'],
  ])("behaviour '%s' → failed task with %s, money released", async (behaviour, code) => {
    emulator.inject({ kind: 'behaviour', name: behaviour });
    const { created, done, balance } = await scenario(suite.server, { model: 'flux-pro', prompt: `outcome ${behaviour}`, size: '256x256' });
    expect(created.status).toBe('pending');
    expect(done.status).toBe('failed');
    expect(done.error.code).toBe(code);
    expect(done.data).toEqual([]);
    expect(done.billing_transaction_id).toBeUndefined();
    expect(JSON.stringify(done.error)).not.toContain(BFL_TEST_KEY);
    expect(balance).toBe('1.00');
    if (behaviour === 'fail_midway') expect(emulator.pollCount([...emulator.tasks.keys()][0])).toBe(emulator.pendingPolls + 1);
  });

  it('a stalled task fails with task_timeout at the channel task_timeout_ms; the balance is where it started', () =>
    suite.withServer({ channels: [channel({}, { task_timeout_ms: 1_200 })] }, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'stall' });
      const started = Date.now();
      const { done, balance } = await scenario(s, { model: 'flux-pro', prompt: 'forever', size: '256x256' });
      expect(done.status).toBe('failed');
      expect(done.error.code).toBe('task_timeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
      expect(balance).toBe('1.00');
    }));

  it('429s while polling are retried later, not a failure', async () => {
    emulator.pollHost.inject({ kind: 'status', status: 429, retryAfter: 0 }, 2);
    const { done } = await scenario(suite.server, { model: 'flux-pro', prompt: 'busy poller', size: '256x256' });
    expect(done.status).toBe('completed');
    expect(emulator.pollHost.requests.length).toBeGreaterThanOrEqual(2 + emulator.pendingPolls + 1);
  });

  it('a 503 while polling is retried too', async () => {
    emulator.pollHost.inject({ kind: 'status', status: 503 }, 1);
    const { done } = await scenario(suite.server, { model: 'flux-pro', prompt: 'flaky poller', size: '256x256' });
    expect(done.status).toBe('completed');
  });
});

// Submit failures happen while the client waits; each runs on a fresh Easel so channel health
// (cool-downs after faults) does not leak between cases.
describe('bfl: submit failures', () => {
  it('429 on too many active tasks → 429 rate_limit_exceeded with Retry-After; nothing charged', () =>
    suite.withServer({}, async (s) => {
      emulator.maxActiveTasks = 0;
      const { res, created, balance } = await scenario(s, { model: 'flux-pro', prompt: 'full', size: '256x256' });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(created.error.code).toBe('rate_limit_exceeded');
      expect(balance).toBe('1.00');
    }));

  it('422 → 400 upstream_rejected', () =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'status', status: 422, message: 'width: Input should be a multiple of 32' });
      const { res, created, balance } = await scenario(s, { model: 'flux-pro', prompt: 'invalid', size: '256x256' });
      expect(res.status).toBe(400);
      expect(created.error.code).toBe('upstream_rejected');
      expect(balance).toBe('1.00');
    }));

  it('402 insufficient credits fails over to the next channel', () =>
    suite.withServer({ channels: [channel({ id: 'bfl-broke', priority: 1 }), channel({ id: 'bfl-spare', priority: 0 })] }, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'no_credits' });
      const { done, balance } = await scenario(s, { model: 'flux-pro', prompt: 'spend', size: '256x256' });
      expect(done.status).toBe('completed');
      expect(emulator.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
      expect(emulator.tasks.size).toBe(1);
      expect(balance).toBe('0.96');
    }));

  it('402 on the only channel → a clear 502, not a 500', () =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'no_credits' });
      const { res, created } = await scenario(s, { model: 'flux-pro', prompt: 'broke', size: '256x256' });
      expect(res.status).toBe(502);
      expect(created.error.code).toBe('upstream_error');
    }));

  it('a wrong key → 403 from BFL → 502 upstream_error, the key in no message', () =>
    suite.withServer({ channels: [channel({ api_key: 'wrong-key-0123456789' })] }, async (s) => {
      const { res, created } = await scenario(s, { model: 'flux-pro', prompt: 'wrong key', size: '256x256' });
      expect(res.status).toBe(502);
      expect(created.error.code).toBe('upstream_error');
      expect(JSON.stringify(created)).not.toContain('wrong-key');
      expect(emulator.lastRequest().headers['x-key']).toBe('wrong-key-0123456789');
    }));

  it.each([500, 503])('%i → 502 upstream_error', (status) =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'status', status });
      const { res, created } = await scenario(s, { model: 'flux-pro', prompt: 'broken', size: '256x256' });
      expect(res.status).toBe(502);
      expect(created.error.code).toBe('upstream_error');
    }));

  it('connection reset → 502', () =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'reset' });
      expect((await scenario(s, { model: 'flux-pro', prompt: 'reset', size: '256x256' })).res.status).toBe(502);
    }));

  it('malformed JSON → 502', () =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'malformed' });
      expect((await scenario(s, { model: 'flux-pro', prompt: 'garbled', size: '256x256' })).res.status).toBe(502);
    }));

  it('a slow submit with channel timeout_ms 300 → 504 timeout_error', () =>
    suite.withServer({ channels: [channel({ timeout_ms: 300 })] }, async (s) => {
      emulator.inject({ kind: 'delay', ms: DELAY_PAST_TIMEOUT_MS });
      const { res, created, balance } = await scenario(s, { model: 'flux-pro', prompt: 'slow', size: '256x256' });
      expect(res.status).toBe(504);
      expect(created.error.type).toBe('timeout_error');
      expect(balance).toBe('1.00');
    }));
});

/** The submit endpoint of flux-pro (behaviours bound to it are taken by submits only). */
const SUBMIT = /^\/v1\/flux-pro-1\.1$/;

describe('bfl: n', () => {
  it(`n > 1 becomes n BFL tasks under one Easel task, and n > ${BFL_MAX_N} is refused before BFL is called`, async () => {
    const { done, balance } = await scenario(suite.server, { model: 'flux-pro', prompt: 'two', n: 2, size: '256x256' });
    expect(done.status).toBe('completed');
    expect(done.data).toHaveLength(2);
    expect(emulator.requests.filter((r) => r.method === 'POST' && r.path === '/v1/flux-pro-1.1')).toHaveLength(2);
    expect(balance).toBe('0.92');
    const res = await suite.generate({ model: 'flux-pro', prompt: 'many', n: BFL_MAX_N + 1 });
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe('n');
  });

  it('delivers and bills the Ready tasks of an n > 1 request when one of them is moderated', async () => {
    emulator.inject({ kind: 'behaviour', name: 'moderate' }, 1, SUBMIT);
    const { done, balance } = await scenario(suite.server, { model: 'flux-pro', prompt: 'one of two', n: 2, size: '256x256' });
    expect(done.status).toBe('completed');
    expect(done.data).toHaveLength(1);
    expect(balance).toBe('0.96');
  });

  // The adapter already serves n > 1 as n BFL tasks under one reference, for when the catalogue allows it.
  // What routing hands the adapter for flux-pro: the flux-pro-1.1 endpoint and its catalogue wire facts.
  const direct = (): CallContext =>
    callContext(
      { id: 'direct', provider: 'bfl', baseUrl: emulator.url, apiKey: BFL_TEST_KEY, models: ['flux-pro'], priority: 0, weight: 1, timeoutMs: 5_000, modelMap: {}, options: {}, onUncertainSubmit: 'resubmit' },
      requireModel('flux-pro', 400),
      AbortSignal.timeout(5_000),
    );
  const request = (n: number): NormalizedImageRequest => ({
    model: 'flux-pro',
    requestedModel: 'flux-pro',
    endpoint: '/v1/images/generations',
    operation: 'text-to-image',
    prompt: 'three foxes',
    n,
    responseFormat: 'url',
    async: false,
    size: { width: 256, height: 256 },
    seed: 7,
  });
  async function settle(n: number): Promise<PollResult> {
    const ref = JSON.parse(JSON.stringify(await bflProvider.submit!(request(n), direct(), 'ldsub_test')));
    for (let i = 0; i < 20; i++) {
      const result = await bflProvider.poll!(ref, direct());
      if (result.status === 'completed' || result.status === 'failed') return result;
    }
    throw new Error('never settled');
  }

  it('submits n tasks (seed, seed+1, ...) and completes with every Ready image', async () => {
    const result = await settle(3);
    expect(emulator.requests.filter((r) => r.method === 'POST').map((r) => r.json.seed)).toEqual([7, 8, 9]);
    expect(result.status).toBe('completed');
    if (result.status === 'completed') expect(result.result.images).toHaveLength(3);
  });

  it('delivers the Ready ones when some fail', async () => {
    emulator.inject({ kind: 'behaviour', name: 'moderate' }, 1, SUBMIT);
    const result = await settle(3);
    expect(result.status).toBe('completed');
    if (result.status === 'completed') expect(result.result.images).toHaveLength(2);
  });

  it('fails when all fail, as moderated if any was', async () => {
    // Bound to the submit path: a late request of an earlier test must not take these.
    emulator.inject({ kind: 'behaviour', name: 'error' }, 1, SUBMIT).inject({ kind: 'behaviour', name: 'moderate' }, 1, SUBMIT);
    const result = await settle(2);
    expect(result.status).toBe('failed');
    if (result.status === 'failed') expect(result.error.kind).toBe('moderated');
  });
});

describe('bfl: protocol details', () => {
  it('every catalogue model on BFL says which body its endpoint takes, and only those that take aspect_ratio have it', () => {
    const onBfl = listModels().filter((m) => m.upstream.bfl);
    expect(onBfl.length).toBeGreaterThan(0);
    for (const m of onBfl) {
      const shape = m.wire?.bfl?.shape;
      expect(shape, m.id).toBeDefined();
      const takesRatio = m.operations.some((op) => op.parameters.includes('aspect_ratio'));
      expect(shape === 'aspect-ratio', m.id).toBe(takesRatio);
    }
  });

  it('422 bodies are read as field: message', () => {
    const err = classifyBflError(422, JSON.stringify({ detail: [{ loc: ['body', 'width'], msg: 'Input should be a multiple of 32', type: 'multiple_of' }] }));
    expect(err).toMatchObject({ kind: 'bad_request', message: 'width: Input should be a multiple of 32' });
    expect(classifyBflError(402, '{"detail":"Insufficient credits"}')?.kind).toBe('auth');
  });

  it('the emulator rejects what BFL rejects', async () => {
    const post = (path: string, json: unknown, key = BFL_TEST_KEY) =>
      fetch(`${emulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-key': key }, body: JSON.stringify(json) });
    const bad = await post('/v1/flux-pro-1.1', { prompt: 'x', width: 1000, height: 2000 });
    expect(bad.status).toBe(422);
    expect((await bad.json()).detail.map((d: { loc: string[] }) => d.loc.join('.'))).toEqual(['body.width', 'body.height']);
    expect((await post('/v1/flux-kontext-pro', { aspect_ratio: '1:1' })).status).toBe(422);
    expect((await post('/v1/flux-kontext-pro', { prompt: 'x', aspect_ratio: '4:1' })).status).toBe(422);
    const denied = await post('/v1/flux-pro-1.1', { prompt: 'x' }, 'nope');
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ detail: 'Not authenticated - Invalid Authentication' });
    expect((await post('/v1/flux-pro-9', { prompt: 'x' })).status).toBe(404);
    const unknown = await fetch(`${emulator.url}/v1/get_result?id=nope`, { headers: { 'x-key': BFL_TEST_KEY } });
    expect(await unknown.json()).toMatchObject({ id: 'nope', status: 'Task not found' });
  });
});

describe('bfl: two Easel workers on one PostgreSQL', () => {
  it('never poll one task at once, and every task completes exactly once', async () => {
    emulator.pendingPolls = 6;
    emulator.pollLatencyMs = 40;
    const config = { tasks: { worker_interval_ms: 20, wait_budget_ms: 2_000 }, channels: [channel()] };
    const a = await startTestServer({ dialect: 'postgres', config });
    const b = await startTestServer({ dataDir: a.dataDir, config: { ...config, database_url: a.config.database_url } });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await a.call('/v1/images/generations', { method: 'POST', json: { model: 'flux-pro', prompt: `pair ${i}`, size: '256x256', async: true } });
        ids.push((await res.json()).id);
      }
      const done = await Promise.all(ids.map((id) => pollTask(a, `/v1/tasks/${id}`, { timeoutMs: 30_000 })));
      for (const { body } of done) expect(body.status).toBe('completed');
      // Only this test's tasks: a request an earlier case gave up on (the slow submit) may land late.
      const mine = [...emulator.tasks.values()].filter((t) => t.prompt.startsWith('pair '));
      expect(mine).toHaveLength(8);
      for (const task of mine) expect(emulator.pollCount(task.id)).toBe(emulator.pendingPolls + 1);
      expect(emulator.maxConcurrentPollsPerTask()).toBe(1);
      expect(emulator.delivery.requests.filter((r) => mine.some((t) => r.path.includes(t.id)))).toHaveLength(8);
      await a.assertLedger();
    } finally {
      await b.close();
      await a.close();
    }
  }, 60_000);
});
