// A receiver that never answers holds up nothing but its own deliveries: creates answer and tasks
// finish as usual while deliveries hang, at most webhooks.concurrency deliveries are open at once, and
// each is given up at webhooks.timeout_ms and recorded as a timeout, to be retried.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { pollTask, waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { create, customer, deliveriesOf, webhookConfig } from './fixtures.ts';
import { Receiver } from './receiver.ts';

const TIMEOUT_MS = 1_500;
const CONCURRENCY = 2;
const CREATES = 12;

let server: TestServer;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await new Receiver().start();
  receiver.answer = 'hang';
  server = await startTestServer({ config: webhookConfig({ timeout_ms: TIMEOUT_MS, concurrency: CONCURRENCY, first_retry_ms: 5_000, max_retry_ms: 5_000 }) });
});
afterAll(async () => {
  await server.close();
  await receiver.stop();
});

it('creates and tasks go on while deliveries hang; deliveries stay within their bound and time out', async () => {
  const c = await customer(server);
  const answers = await Promise.all(Array.from({ length: CREATES }, (_, i) => create(server, c.key, { prompt: `hanging ${i}`, callback_url: receiver.url() })));
  expect(answers.map((r) => r.status)).toEqual(Array(CREATES).fill(200));
  for (const body of await Promise.all(answers.map((r) => r.json()))) expect(body.data).toHaveLength(1);
  // The creates are all answered, yet the deliveries (CREATES / CONCURRENCY × TIMEOUT_MS at the least) are not all made.
  expect(receiver.received.length).toBeLessThan(CREATES);

  // Task work of every kind goes on beside them.
  const task = await (await create(server, c.key, { prompt: 'meanwhile', async: true })).json();
  expect((await pollTask(server, task.poll_url, { key: c.key })).body.status).toBe('completed');
  expect(receiver.received.length).toBeLessThan(CREATES);

  await waitUntil(() => receiver.received.length >= CREATES, 30_000, 'every delivery attempted');
  expect(receiver.maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
  await waitUntil(async () => (await deliveriesOf(server, c.key)).filter((d) => d.attempts.length > 0).length >= CREATES - CONCURRENCY, 30_000, 'timeouts recorded');
  for (const d of (await deliveriesOf(server, c.key)).filter((x) => x.attempts.length > 0)) {
    expect(d.status).toBe('pending');
    expect(d.attempts[0]).toMatchObject({ status_code: null, error: 'timeout', response_excerpt: null });
    expect(d.attempts[0].latency_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  }
});
