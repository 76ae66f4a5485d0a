// The attempt log: one line per upstream attempt — routed calls, polls of a task on its channel —
// naming the channel, provider, model, upstream status, failure kind, latency and whether it failed
// over, read from what a real Easel logs against the emulators; and nothing secret in the whole log.

import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BFL_TEST_KEY, createBflEmulator } from '../emulators/bfl.ts';
import type { Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { scenario } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** A key the emulator refuses with 401, as a channel configured with a stale key would be. */
const WRONG_KEY = 'sk-proj-staleKey0123456789abcdefWRONG';
const PROMPT = 'a violet heron standing in shallow water at dusk';
const TASK_ID = /^ldtask_[0-9a-f]{32}$/;
const LEVEL = { debug: 20, info: 30, warn: 40 };

/** A pino logger writing into memory, and what it wrote. */
function captureLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, any>);
  return { log: pino({ level: 'debug' }, stream), text: () => lines.join('\n'), attempts: () => entries().filter((e) => e.msg === 'upstream attempt') };
}

let servers: TestServer[] = [];
let emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(emulators.map((e) => e.close()));
  servers = [];
  emulators = [];
});

async function openai(): Promise<Emulator> {
  const emulator = createOpenaiEmulator();
  await emulator.start();
  emulators.push(emulator);
  return emulator;
}

async function easel(log: pino.Logger, config: Record<string, unknown>): Promise<TestServer> {
  const server = await startTestServer({ log, config });
  servers.push(server);
  return server;
}

const openaiChannel = (id: string, emulator: Emulator, apiKey: string, priority: number) => ({ id, provider: 'openai', base_url: `${emulator.url}/v1`, api_key: apiKey, models: ['dall-e-2'], priority });
const generate = (s: TestServer) => s.call('/v1/images/generations', { method: 'POST', json: { model: 'dall-e-2', prompt: PROMPT, size: '256x256', response_format: 'b64_json' } });

/** What no line of the log may hold: keys, the prompt, image bytes. */
function expectNothingSecret(text: string, server: TestServer, ...secrets: string[]) {
  for (const secret of [...secrets, server.apiKey, server.adminToken, PROMPT, 'violet heron']) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/[A-Za-z0-9+/]{200,}/);
}

describe('one log line per upstream attempt', () => {
  it('a wrong key: 401 auth on its channel, failed over to the next, which answers', async () => {
    const capture = captureLog();
    const emulator = await openai();
    const s = await easel(capture.log, { channels: [openaiChannel('stale', emulator, WRONG_KEY, 10), openaiChannel('good', emulator, OPENAI_TEST_KEY, 0)] });
    const res = await generate(s);
    expect(res.status).toBe(200);
    const reqId = res.headers.get('x-request-id');

    const attempts = capture.attempts();
    expect(attempts).toHaveLength(2);
    const [refused, answered] = attempts;
    expect(refused).toMatchObject({
      level: LEVEL.warn,
      channel: 'stale',
      provider: 'openai',
      model: 'dall-e-2',
      upstream_model: 'dall-e-2',
      phase: 'call',
      attempt: 1,
      outcome: 'auth',
      upstream_status: 401,
      failed_over: true,
      reqId,
    });
    expect(refused.task).toMatch(TASK_ID);
    expect(refused.latency_ms).toBeGreaterThanOrEqual(0);
    // The upstream's own words, scrubbed (providers/http.ts scrub): the masked key and the URL are gone.
    expect(refused.reason).toMatch(/^Incorrect API .*\[redacted\].*\[url\]$/);
    expect(answered).toMatchObject({ level: LEVEL.info, channel: 'good', provider: 'openai', phase: 'call', attempt: 2, outcome: 'ok', failed_over: false, task: refused.task, reqId });
    expect(answered).not.toHaveProperty('upstream_status');
    expect(answered).not.toHaveProperty('reason');

    await s.close();
    expectNothingSecret(capture.text(), s, WRONG_KEY, WRONG_KEY.slice(-12), OPENAI_TEST_KEY);
  });

  it('a wrong key alone: the client gets 502 and the log says why; a refused request is logged without the upstream\'s words', async () => {
    const capture = captureLog();
    const emulator = await openai();
    const s = await easel(capture.log, { channels: [openaiChannel('stale', emulator, WRONG_KEY, 0)] });
    const res = await generate(s);
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe('upstream_error');
    expect(capture.attempts()).toEqual([expect.objectContaining({ level: LEVEL.warn, channel: 'stale', outcome: 'auth', upstream_status: 401, failed_over: false, attempt: 1 })]);

    const good = await easel(capture.log, { channels: [openaiChannel('good', emulator, OPENAI_TEST_KEY, 0)] });
    // An upstream that quotes the prompt back in its refusal: the log keeps the kind and status, not the words.
    emulator.inject({ kind: 'status', status: 400, message: `Invalid prompt: "${PROMPT}" is not allowed` });
    expect((await generate(good)).status).toBe(400);
    const refusal = capture.attempts()[1];
    expect(refusal).toMatchObject({ level: LEVEL.warn, channel: 'good', outcome: 'bad_request', upstream_status: 400, failed_over: false });
    expect(refusal).not.toHaveProperty('reason');

    await Promise.all([s.close(), good.close()]);
    expectNothingSecret(capture.text(), s, WRONG_KEY, WRONG_KEY.slice(-12), OPENAI_TEST_KEY);
    expectNothingSecret(capture.text(), good);
  });

  it('polls of a task on its channel are attempts too: phase poll, numbered, debug when fine, warn when the task failed upstream', async () => {
    const capture = captureLog();
    const bfl = createBflEmulator();
    await bfl.start();
    emulators.push(bfl);
    const s = await easel(capture.log, {
      tasks: { worker_interval_ms: 50, wait_budget_ms: 2_000 },
      channels: [{ id: 'bfl-main', provider: 'bfl', base_url: bfl.url, api_key: BFL_TEST_KEY, models: ['flux-pro'], options: { poll_interval_ms: 50, poll_hosts: [new URL(bfl.pollHost.url).host] } }],
    });
    const done = await scenario(s, { model: 'flux-pro', prompt: PROMPT, size: '1024x768' });
    expect(done.done.status).toBe('completed');
    const mine = capture.attempts().filter((a) => a.task === done.created.id);
    expect(mine[0]).toMatchObject({ level: LEVEL.info, channel: 'bfl-main', provider: 'bfl', model: 'flux-pro', phase: 'call', attempt: 1, outcome: 'ok' });
    const polls = mine.slice(1);
    // The emulator answers Pending twice, then Ready.
    expect(polls.map((p) => [p.phase, p.attempt, p.outcome, p.level])).toEqual([
      ['poll', 1, 'ok', LEVEL.debug],
      ['poll', 2, 'ok', LEVEL.debug],
      ['poll', 3, 'ok', LEVEL.debug],
    ]);
    for (const p of polls) expect(p).toMatchObject({ channel: 'bfl-main', provider: 'bfl', failed_over: false, reqId: mine[0].reqId });

    bfl.inject({ kind: 'behaviour', name: 'error' });
    const failed = await scenario(s, { model: 'flux-pro', prompt: PROMPT, size: '1024x768' });
    expect(failed.done.status).toBe('failed');
    const failedPolls = capture.attempts().filter((a) => a.task === failed.created.id && a.phase === 'poll');
    expect(failedPolls.at(-1)).toMatchObject({ level: LEVEL.warn, outcome: 'upstream_fault', failed_over: false, reason: 'BFL reported that the task failed' });

    await s.close();
    expectNothingSecret(capture.text(), s, BFL_TEST_KEY);
    // Signed result URLs and the upstream's hosts stay out of the log.
    expect(capture.text()).not.toContain(new URL(bfl.url).host);
    expect(capture.text()).not.toContain(new URL(bfl.pollHost.url).host);
  });
});
