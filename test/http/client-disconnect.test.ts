// A client that hangs up on a synchronous create: the upstream calls it started are cancelled (every
// part of a fan-out, multipart edits too), its reservation is released, and the task records 499
// client_closed_request. Once the upstream has answered, the operator has paid: delivery finishes and
// the request is charged.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiEmulator, GEMINI_API_PREFIX, GEMINI_TEST_KEY } from '../emulators/gemini.ts';
import { IMAGE_ROUTE, OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { tinyPng } from '../helpers/png.ts';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** The upstream takes this long; the clients give up long before. */
const UPSTREAM_MS = 15_000;
const ABORT_AFTER_MS = 800;
/** The upstream must see its connection closed within this long of the client's abort. */
const CANCEL_WITHIN_MS = 500;
const CLIENTS = 20;

const openai = createOpenaiEmulator();
const gemini = createGeminiEmulator();
let server: TestServer;

beforeAll(async () => {
  await Promise.all([openai.start(), gemini.start()]);
  server = await startTestServer({
    config: {
      channels: [
        { id: 'openai', provider: 'openai', base_url: `${openai.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['gpt-image-2', 'dall-e-3'], options: { upstream_response_format: 'url' } },
        { id: 'gemini', provider: 'gemini', base_url: `${gemini.url}${GEMINI_API_PREFIX}`, api_key: GEMINI_TEST_KEY, models: ['nano-banana'] },
      ],
    },
  });
});
afterAll(async () => {
  await server?.close();
  await Promise.all([openai.close(), gemini.close()]);
});
beforeEach(() => {
  openai.reset();
  gemini.reset();
});

async function editForm(): Promise<FormData> {
  const form = new FormData();
  form.append('model', 'gpt-image-2');
  form.append('prompt', 'soften the light');
  form.append('image', new Blob([new Uint8Array(await tinyPng(64, 64))], { type: 'image/png' }), 'source.png');
  return form;
}

/** Sends a request and hangs up after `ms`, or once `when` settles; resolves with the moment of the hang-up. */
async function hangUpAfter(when: number | Promise<unknown>, path: string, key: string, body: { json?: unknown; form?: FormData }): Promise<number> {
  const controller = new AbortController();
  let abortedAt = 0;
  const hangUp = () => {
    abortedAt = Date.now();
    controller.abort();
  };
  const timer = typeof when === 'number' ? setTimeout(hangUp, when) : undefined;
  if (typeof when !== 'number') void when.then(hangUp, hangUp);
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body.json) headers['content-type'] = 'application/json';
  try {
    await fetch(`${server.url}${path}`, { method: 'POST', headers, body: body.form ?? JSON.stringify(body.json), signal: controller.signal });
  } catch {
    // The abort: expected.
  }
  clearTimeout(timer);
  expect(abortedAt).toBeGreaterThan(0);
  return abortedAt;
}

async function tasksOf(accountId: string) {
  return server.db.kysely.selectFrom('tasks').select(['status', 'error', 'reservation_id']).where('account_id', '=', accountId).execute();
}

async function reservationsOf(accountId: string) {
  return server.db.kysely.selectFrom('reservations').select(['status', 'charged_micros']).where('account_id', '=', accountId).execute();
}

describe('a client that hangs up on a sync create', () => {
  it(`cancels every upstream call within ${CANCEL_WITHIN_MS} ms and releases all ${CLIENTS} reservations`, async () => {
    const account = await server.newAccount('10');
    openai.inject({ kind: 'delay', ms: UPSTREAM_MS }, 100);
    gemini.inject({ kind: 'delay', ms: UPSTREAM_MS }, 100);
    const form = await editForm();
    const upstreamCalls = () => [...openai.requests, ...gemini.requests];
    // 7 generations + 7 edits + 6 × 3 fan-out parts.
    const expectedCalls = Math.ceil(CLIENTS / 3) * 2 + Math.floor(CLIENTS / 3) * 3;
    // The clients hang up once every call is upstream, not after a fixed time: on a loaded machine
    // some requests are still on their way in after 800 ms, and would never reach the upstream.
    const allUpstream = waitUntil(() => upstreamCalls().length === expectedCalls, 10_000).then(() => new Promise((r) => setTimeout(r, ABORT_AFTER_MS)));
    const sends = Array.from({ length: CLIENTS }, (_, i) => {
      if (i % 3 === 0) return hangUpAfter(allUpstream, '/v1/images/generations', account.key, { json: { model: 'gpt-image-2', prompt: `hang up ${i}`, size: '1024x1024' } });
      if (i % 3 === 1) return hangUpAfter(allUpstream, '/v1/images/edits', account.key, { form });
      return hangUpAfter(allUpstream, '/v1/images/generations', account.key, { json: { model: 'nano-banana', prompt: `three of them ${i}`, n: 3 } });
    });
    await allUpstream;
    const abortedAt = await Promise.all(sends);
    const lastAbort = Math.max(...abortedAt);
    const firstAbort = Math.min(...abortedAt);

    await waitUntil(() => upstreamCalls().every((r) => r.closedUnansweredAt !== undefined), 3_000);
    for (const call of upstreamCalls()) {
      expect(call.closedUnansweredAt!).toBeGreaterThanOrEqual(firstAbort);
      expect(call.closedUnansweredAt! - lastAbort).toBeLessThan(CANCEL_WITHIN_MS);
    }

    await waitUntil(async () => (await reservationsOf(account.id)).every((r) => r.status === 'released') && (await reservationsOf(account.id)).length === CLIENTS, 5_000);
    expect(await server.balance(account.id)).toBe('10.00');
    const tasks = await tasksOf(account.id);
    expect(tasks).toHaveLength(CLIENTS);
    for (const task of tasks) {
      expect(task.status).toBe('failed');
      expect(JSON.parse(task.error!).code).toBe('client_closed_request');
    }
    await server.assertLedger();
  }, 30_000);

  it('is charged when the upstream had already answered: the operator paid, so delivery finishes and the images are kept', async () => {
    const account = await server.newAccount('10');
    // dall-e-3 answers at once with a URL; downloading the image is what takes time.
    openai.inject({ kind: 'delay', ms: 2_000 }, 1, new RegExp(`^${IMAGE_ROUTE}/`));
    await hangUpAfter(ABORT_AFTER_MS, '/v1/images/generations', account.key, { json: { model: 'dall-e-3', prompt: 'already paid for', response_format: 'url' } });
    await waitUntil(async () => (await reservationsOf(account.id)).some((r) => r.status !== 'open'), 10_000);
    const [reservation] = await reservationsOf(account.id);
    expect(reservation.status).toBe('settled');
    expect(reservation.charged_micros).toBeGreaterThan(0);
    const [task] = await tasksOf(account.id);
    expect(task.status).toBe('completed');
    await server.assertLedger();
  }, 30_000);
});
