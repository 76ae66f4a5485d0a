// Two replicas on one PostgreSQL racing one Idempotency-Key create one task: the key row commits with
// the task, so of two transactions inserting it one waits for the other's commit and fails on the
// primary key, rolling its reservation back with it, and its request answers from the winner's row
// (waiting for the task to close, heard from the other replica through LISTEN/NOTIFY).

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/idempotency/store.ts';
import { createTask, failTask, newTaskId } from '../../src/tasks/store.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const GENERATIONS = /^\/v1\/images\/generations$/;
const openai = createOpenaiEmulator();
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  await openai.start();
  const config = { channels: [{ id: 'openai', provider: 'openai', base_url: `${openai.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['gpt-image-2'] }], tasks: { worker_interval_ms: 100 } };
  a = await startTestServer({ dialect: 'postgres', config });
  b = await startTestServer({ config: { ...config, database_url: a.config.database_url } });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await openai.close();
});
beforeEach(() => openai.reset());

const upstreamCreates = () => openai.requests.filter((r) => GENERATIONS.test(r.path));

it('requests racing one key across two replicas create one task, call the upstream once and all get its images', async () => {
  const account = await a.newAccount('5');
  // Slow enough that every request arrives while the first is still at the upstream.
  openai.inject({ kind: 'delay', ms: 1_000 }, 1, GENERATIONS);
  const request = JSON.stringify({ model: 'gpt-image-2', prompt: 'one lighthouse, many asks', size: '1024x1024' });
  const send = (server: TestServer) =>
    fetch(`${server.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${account.key}`, 'content-type': 'application/json', 'idempotency-key': 'raced-key' },
      body: request,
    });
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => send(i % 2 ? b : a)));
  expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
  expect(answers.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
  const bodies = await Promise.all(answers.map((r) => r.json()));
  const imageKeys = bodies.map((body) => body.data.map((d: { url: string }) => d.url.split('/media/')[1]).join());
  expect(new Set(imageKeys).size).toBe(1);
  expect(new Set(bodies.map((body) => body.billing_transaction_id)).size).toBe(1);

  expect(upstreamCreates()).toHaveLength(1);
  const tasks = await a.db.kysely.selectFrom('tasks').select('id').where('account_id', '=', account.id).execute();
  expect(tasks).toHaveLength(1);
  const reservations = await a.db.kysely.selectFrom('reservations').select('status').where('account_id', '=', account.id).execute();
  expect(reservations).toEqual([{ status: 'settled' }]);
  await a.assertLedger();
}, 30_000);

describe('createTask with a key, in two transactions at once', () => {
  it('lets exactly one commit; the other fails on the key and holds no money', async () => {
    const account = await a.newAccount('5');
    const key = { account_id: account.id, key: 'store-race', endpoint: '/v1/images/generations', fingerprint: 'f'.repeat(64), created_at: Date.now(), expires_at: Date.now() + 60_000 };
    const task = (id: string) => ({
      id,
      accountId: account.id,
      keyId: account.keyId,
      requestId: `req_${id}`,
      model: 'gpt-image-2',
      request: { model: 'gpt-image-2', async: true },
      quote: { micros: 40_000, priceVersion: 'test', basis: {} },
      public: false,
      deadlineAt: Date.now() + 3_600_000,
      expiresAt: Date.now() + 3_600_000,
      // Held by no worker for an hour: nothing picks these rows up while the test looks at them.
      leaseOwner: 'test',
      leaseMs: 3_600_000,
    });
    const ids = [newTaskId(), newTaskId()];
    // One pool per replica: two connections, two real transactions.
    const results = await Promise.allSettled([createTask(a.db.kysely, task(ids[0]), key), createTask(b.db.kysely, task(ids[1]), key)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isUniqueViolation(lost[0].reason)).toBe(true);

    const winnerRow = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof createTask>>>).value;
    const winner = winnerRow.id;
    expect(await a.db.kysely.selectFrom('tasks').select('id').where('id', 'in', ids).execute()).toEqual([{ id: winner }]);
    expect(await a.db.kysely.selectFrom('idempotency_keys').select('task_id').where('account_id', '=', account.id).execute()).toEqual([{ task_id: winner }]);
    expect(await a.db.kysely.selectFrom('reservations').select('task_id').where('account_id', '=', account.id).execute()).toEqual([{ task_id: winner }]);
    // Close the winner as a failure would, so its money goes back and the books balance.
    expect(await failTask(a.db, winnerRow, { code: 'test', message: 'closed by the test' })).toBe(true);
    await a.assertLedger();
  });
});
