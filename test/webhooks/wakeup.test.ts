// The webhook worker is woken by a close that queued a delivery, and only by such a close: with its
// poll an hour away, a task with a callback is still POSTed at once, and closes without one leave the
// outbox unsearched (most closes have no callback, and each search is a query).

import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { create, customer, webhookConfig } from './fixtures.ts';
import { Receiver } from './receiver.ts';

describe('webhook worker wake-ups', () => {
  let server: TestServer;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await new Receiver().start();
    server = await startTestServer({ config: webhookConfig({ worker_interval_ms: 3_600_000 }) });
  });
  afterAll(async () => {
    await server.close();
    await receiver.stop();
  });

  it('delivers at once after a close that queued a delivery, though the poll is an hour away', async () => {
    const c = await customer(server);
    // The worker's first pass at start-up is behind it; the next poll would be an hour from now.
    await new Promise((r) => setTimeout(r, 200));
    const res = await create(server, c.key, { callback_url: receiver.url('/now') });
    expect(res.status).toBe(200);
    await waitUntil(() => receiver.received.length === 1, 10_000, 'the delivery');
    expect(JSON.parse(receiver.received[0]!.body).type).toBe('image.task.completed');
  });

  it('does not search the outbox for closes that queued nothing', async () => {
    const c = await customer(server);
    // Every SQLite statement this process runs, by its text (the server runs in this process).
    const proto = Object.getPrototypeOf(new BetterSqlite3(':memory:').prepare('select 1'));
    const original = { all: proto.all, get: proto.get, run: proto.run };
    const texts: string[] = [];
    for (const method of ['all', 'get', 'run'] as const) {
      proto[method] = function counted(this: { source: string }, ...args: unknown[]) {
        texts.push(this.source);
        return original[method].apply(this, args);
      };
    }
    try {
      for (let i = 0; i < 5; i++) expect((await create(server, c.key, {})).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      Object.assign(proto, original);
    }
    expect(texts.filter((t) => /^\s*insert into "tasks"/i.test(t))).toHaveLength(5);
    expect(texts.filter((t) => /update "webhook_deliveries"/i.test(t))).toEqual([]);
  });
});
