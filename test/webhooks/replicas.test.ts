// Two replicas on one PostgreSQL database share the outbox: every delivery is leased by one of them at
// a time (FOR UPDATE SKIP LOCKED), so each reaches the receiver exactly once, whichever replica closed
// its task and whichever picked the delivery up.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { create, customer, deliveriesOf, webhookConfig } from './fixtures.ts';
import { Receiver } from './receiver.ts';

const TASKS = 24;
let a: TestServer;
let b: TestServer;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await new Receiver().start();
  const database_url = await freshDatabaseUrl('postgres');
  // Both poll the outbox often, so they race for every row.
  const config = webhookConfig({ worker_interval_ms: 10, concurrency: 4 }, { database_url });
  a = await startTestServer({ config });
  b = await startTestServer({ config });
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await receiver.stop();
});

it('delivers each closed task once across two replicas', async () => {
  const c = await customer(a, '20');
  // Half the receiver's answers are 500s at first, so retries are leased again by either replica.
  let n = 0;
  receiver.answer = { status: 500 };
  const flip = setInterval(() => (receiver.answer = n++ % 2 ? { status: 500 } : { status: 200 }), 30);
  try {
    const answers = await Promise.all(Array.from({ length: TASKS }, (_, i) => create(i % 2 ? a : b, c.key, { prompt: `shared ${i}`, callback_url: receiver.url(), async: true })));
    expect(answers.map((r) => r.status)).toEqual(Array(TASKS).fill(200));
    await waitUntil(async () => (await deliveriesOf(a, c.key)).filter((d) => d.status === 'delivered').length === TASKS, 60_000, 'every delivery');
  } finally {
    clearInterval(flip);
  }
  const deliveries = await deliveriesOf(b, c.key);
  expect(deliveries).toHaveLength(TASKS);
  expect(new Set(deliveries.map((d) => d.task_id)).size).toBe(TASKS);
  // Every request the receiver saw is one attempt in the log: no attempt was made twice at once.
  const attempts = deliveries.reduce((sum, d) => sum + d.attempts.length, 0);
  expect(receiver.received.length).toBe(attempts);
  for (const d of deliveries) {
    const successes = d.attempts.filter((x: { error: string | null }) => x.error === null);
    expect(successes).toHaveLength(1);
    expect(d.attempts.at(-1).error).toBeNull();
  }
}, 90_000);
