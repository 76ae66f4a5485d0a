// The faults an Idempotency-Key is for. The client's connection is cut during a slow generation and it
// retries with the same key: one upstream call, one charge, and the retry gets the images (with a key a
// hang-up no longer abandons the work). A duplicate while the first still runs waits for it within its
// own wait budget, then answers the task, as any create past its budget does. The key holds across a
// restart.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { tempDir } from '../helpers/databases.ts';
import { pollTask } from '../helpers/poll.ts';
import { startTestServer, type TestServer, withTestServer } from '../helpers/server.ts';

/** The upstream takes this long; the client gives up long before. */
const UPSTREAM_MS = 2_500;
const HANG_UP_AFTER_MS = 500;
const GENERATIONS = /^\/v1\/images\/generations$/;

const openai = createOpenaiEmulator();
const channels = () => [{ id: 'openai', provider: 'openai', base_url: `${openai.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['gpt-image-2'] }];

beforeAll(() => openai.start());
afterAll(() => openai.close());
beforeEach(() => openai.reset());

const upstreamCreates = () => openai.requests.filter((r) => GENERATIONS.test(r.path));

function generate(server: TestServer, key: string, json: unknown, signal?: AbortSignal, apiKey = server.apiKey) {
  return fetch(`${server.url}/v1/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(json),
    signal,
  });
}

async function reservations(server: TestServer) {
  return server.db.kysely.selectFrom('reservations').select(['status', 'charged_micros']).execute();
}

describe('on one server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { channels: channels(), tasks: { worker_interval_ms: 50 } } });
  });
  afterAll(() => server?.close());
  beforeEach(() => server.db.kysely.deleteFrom('idempotency_keys').execute());

  it('a client cut off during a slow generation retries with its key: one upstream call, one charge, the retry gets the images', async () => {
    openai.inject({ kind: 'delay', ms: UPSTREAM_MS }, 1, GENERATIONS);
    const request = { model: 'gpt-image-2', prompt: 'a slow sunrise', size: '1024x1024' };
    const before = await server.balance((await server.db.kysely.selectFrom('accounts').select('id').executeTakeFirstOrThrow()).id);
    const cut = new AbortController();
    setTimeout(() => cut.abort(), HANG_UP_AFTER_MS);
    await expect(generate(server, 'sunrise-1', request, cut.signal)).rejects.toThrow();

    const retry = await generate(server, 'sunrise-1', request);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const body = await retry.json();
    expect(body.data).toHaveLength(1);
    expect((await fetch(body.data[0].url)).status).toBe(200);

    // The work was not abandoned at the hang-up: its upstream call ran to its answer, once.
    expect(upstreamCreates()).toHaveLength(1);
    expect(upstreamCreates()[0].closedUnansweredAt).toBeUndefined();
    const charged = (await reservations(server)).filter((r) => r.status === 'settled');
    expect(charged).toHaveLength(1);
    const account = await server.db.kysely.selectFrom('accounts').select('id').executeTakeFirstOrThrow();
    expect(Number(before) - Number(await server.balance(account.id))).toBeCloseTo(charged[0].charged_micros! / 1e6, 2);
    // A later retry still gets the same images.
    expect(await (await generate(server, 'sunrise-1', request)).json()).toEqual(body);
    expect(upstreamCreates()).toHaveLength(1);
    await server.assertLedger();
  }, 30_000);

  it('a duplicate sent while the first still runs waits for it and gets the same images', async () => {
    openai.inject({ kind: 'delay', ms: 1_500 }, 1, GENERATIONS);
    const request = { model: 'gpt-image-2', prompt: 'two at once', size: '1024x1024' };
    const first = generate(server, 'twice-1', request);
    await new Promise((r) => setTimeout(r, 300));
    const duplicate = await generate(server, 'twice-1', request);
    const original = await first;
    expect([original.status, duplicate.status]).toEqual([200, 200]);
    expect(original.headers.get('idempotent-replayed')).toBeNull();
    expect(duplicate.headers.get('idempotent-replayed')).toBe('true');
    expect(await duplicate.json()).toEqual(await original.json());
    expect(upstreamCreates()).toHaveLength(1);
  }, 30_000);
});

it('a duplicate still waiting at the end of its own wait budget gets the task; once done, a retry gets the images', async () => {
  await withTestServer({ config: { channels: channels(), tasks: { worker_interval_ms: 50, wait_budget_ms: 800 } } }, async (server) => {
    openai.inject({ kind: 'delay', ms: 3_000 }, 1, GENERATIONS);
    const request = { model: 'gpt-image-2', prompt: 'longer than the budget', size: '1024x1024' };
    const first = generate(server, 'budget-1', request);
    await new Promise((r) => setTimeout(r, 200));
    const sentAt = Date.now();
    const duplicate = await generate(server, 'budget-1', request);
    // It waited its own budget (not the upstream's 3 s), then answered as a create past its budget does.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(700);
    const pending = await duplicate.json();
    expect(pending.status).toBe('pending');
    expect(duplicate.headers.get('idempotent-replayed')).toBe('true');
    const original = await (await first).json();
    expect(original.task_id).toBe(pending.task_id);

    const done = await pollTask(server, pending.poll_url, { timeoutMs: 20_000 });
    expect(done.body.status).toBe('completed');
    const later = await generate(server, 'budget-1', request);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    const inline = await later.json();
    expect(inline.data.map((d: { url: string }) => d.url)).toEqual(done.body.data.map((d: { url: string }) => d.url));
    expect(upstreamCreates()).toHaveLength(1);
  });
}, 30_000);

it('holds across a restart: the key is in the database', async () => {
  const dataDir = tempDir();
  const config = { channels: channels() };
  const request = { model: 'gpt-image-2', prompt: 'before the restart', size: '1024x1024' };
  // The starter key is printed at the first start only: the account and key of the first process are used.
  const { first, apiKey } = await withTestServer({ dataDir, config }, async (server) => ({ first: await (await generate(server, 'restart-1', request)).json(), apiKey: server.apiKey }));
  await withTestServer({ dataDir, config }, async (server) => {
    const again = await generate(server, 'restart-1', request, undefined, apiKey);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const body = await again.json();
    // The URLs are made now (this process may listen elsewhere); the images and the charge are the first's.
    expect(body.billing_transaction_id).toBe(first.billing_transaction_id);
    expect(body.data.map((d: { url: string }) => d.url.split('/media/')[1])).toEqual(first.data.map((d: { url: string }) => d.url.split('/media/')[1]));
  });
  expect(upstreamCreates()).toHaveLength(1);
}, 30_000);
