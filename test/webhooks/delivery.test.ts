// Signed deliveries end to end, on SQLite and PostgreSQL: a closed task (completed or failed) is POSTed
// to its callback_url with the task exactly as a poll shows it, signed so the test's own verifier
// accepts it; a receiver that was away gets it exactly once when it is back; retries stop at the
// window's end (dead) and a replay sends the same webhook-id again; redirects are not followed; a 410
// is final; a rotated secret signs beside the new one through the overlap, then no more.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { create, customer, deliveriesOf, webhookConfig } from './fixtures.ts';
import { Receiver } from './receiver.ts';
import { verificationProblem } from './verify.ts';

describe.each(DIALECTS)('webhook deliveries (%s)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, config: webhookConfig({ retry_window_ms: 1_500, secret_overlap_ms: 1_500 }) });
  });
  afterAll(async () => {
    await server.assertLedger();
    await server.close();
  });

  it('POSTs a completed and a failed task once each, signed, with the task as a poll shows it', async () => {
    const receiver = await new Receiver().start();
    try {
      const c = await customer(server);
      const done = await create(server, c.key, { callback_url: receiver.url('/done'), async: true });
      expect(done.status).toBe(200);
      const doneId = (await done.json()).id;
      const failed = await create(server, c.key, { model: 'dall-e-3', callback_url: receiver.url('/failed') });
      expect(failed.status).toBeGreaterThanOrEqual(500);
      const failedCode = (await failed.json()).error.code;

      await waitUntil(() => receiver.received.length >= 2, 20_000, 'both deliveries');
      const byPath = Object.fromEntries(receiver.received.map((r) => [JSON.parse(r.body).type, r]));
      const completed = byPath['image.task.completed'];
      const failure = byPath['image.task.failed'];
      for (const r of [completed, failure]) {
        expect(verificationProblem(c.secret, r.headers, r.body)).toBeUndefined();
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.headers['webhook-id']).toMatch(/^msg_[0-9A-Za-z]{24}$/);
      }
      const completedBody = JSON.parse(completed.body);
      expect(completedBody.data.id).toBe(doneId);
      expect(completedBody.data).toEqual(await (await server.call(`/v1/tasks/${doneId}`, { key: c.key })).json());
      expect(completedBody.data.status).toBe('completed');
      expect(completedBody.data.data[0].url).toMatch(/\/media\//);
      // The event's time (the close), ISO 8601 as the spec's payloads have it.
      expect(Math.floor(Date.parse(completedBody.timestamp) / 1000)).toBe(completedBody.data.updated);

      const failureBody = JSON.parse(failure.body);
      expect(failureBody.data).toMatchObject({ status: 'failed', error: { code: failedCode } });
      expect(failureBody.data).toEqual(await (await server.call(`/v1/tasks/${failureBody.data.id}`, { key: c.key })).json());

      const [log] = await deliveriesOf(server, c.key, doneId);
      expect(log).toMatchObject({ id: completed.headers['webhook-id'], object: 'webhook.delivery', task_id: doneId, event_type: 'image.task.completed', url: receiver.url('/done'), status: 'delivered', next_attempt_at: null });
      expect(log.attempts).toEqual([{ attempt: 1, at: expect.any(Number), status_code: 200, latency_ms: expect.any(Number), error: null, response_excerpt: 'ok' }]);
      // Nothing more comes: one close, one delivery.
      await new Promise((r) => setTimeout(r, 400));
      expect(receiver.received).toHaveLength(2);
    } finally {
      await receiver.stop();
    }
  });

  it('a receiver that is away gets the delivery exactly once when it is back', async () => {
    const receiver = await new Receiver().start();
    await receiver.stop();
    try {
      const c = await customer(server);
      const res = await create(server, c.key, { callback_url: receiver.url(), async: true });
      const taskId = (await res.json()).id;
      await waitUntil(async () => ((await deliveriesOf(server, c.key, taskId))[0]?.attempts.length ?? 0) >= 3, 20_000, 'three refused attempts');
      await receiver.start();
      await waitUntil(() => receiver.received.length > 0, 10_000, 'the delivery');
      await waitUntil(async () => (await deliveriesOf(server, c.key, taskId))[0].status === 'delivered', 5_000, 'delivered in the log');
      // Several retry periods later it is still the one request.
      await new Promise((r) => setTimeout(r, 800));
      expect(receiver.received).toHaveLength(1);
      expect(verificationProblem(c.secret, receiver.received[0].headers, receiver.received[0].body)).toBeUndefined();
      const [log] = await deliveriesOf(server, c.key, taskId);
      const failedAttempts = log.attempts.slice(0, -1);
      expect(failedAttempts.length).toBeGreaterThanOrEqual(3);
      for (const a of failedAttempts) expect(a).toMatchObject({ status_code: null, error: 'network', response_excerpt: null });
      expect(log.attempts.at(-1)).toMatchObject({ status_code: 200, error: null });
      expect(log.attempts.map((a: { attempt: number }) => a.attempt)).toEqual(log.attempts.map((_: unknown, i: number) => i + 1));
    } finally {
      await receiver.stop();
    }
  });

  it('is dead after the retry window; a replay sends the same webhook-id again', async () => {
    const receiver = await new Receiver().start();
    receiver.answer = { status: 500, body: `<html>${'x'.repeat(5_000)}</html>` };
    try {
      const c = await customer(server);
      const taskId = (await (await create(server, c.key, { callback_url: receiver.url(), async: true })).json()).id;
      await waitUntil(async () => (await deliveriesOf(server, c.key, taskId))[0]?.status === 'dead', 20_000, 'dead');
      const [dead] = await deliveriesOf(server, c.key, taskId);
      expect(dead.attempts.length).toBeGreaterThanOrEqual(2);
      for (const a of dead.attempts) {
        expect(a).toMatchObject({ status_code: 500, error: 'http_status' });
        expect(a.response_excerpt.length).toBeLessThanOrEqual(200);
        expect(a.response_excerpt.startsWith('<html>xxx')).toBe(true);
      }
      const before = receiver.received.length;
      await new Promise((r) => setTimeout(r, 400));
      expect(receiver.received.length).toBe(before);

      receiver.answer = { status: 204 };
      const replay = await server.call(`/v1/webhooks/deliveries/${dead.id}/replay`, { method: 'POST', key: c.key });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ id: dead.id, status: 'pending' });
      await waitUntil(async () => (await deliveriesOf(server, c.key, taskId))[0].status === 'delivered', 10_000, 'delivered after the replay');
      expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([dead.id]));
      const last = receiver.received.at(-1)!;
      expect(verificationProblem(c.secret, last.headers, last.body)).toBeUndefined();
      const [delivered] = await deliveriesOf(server, c.key, taskId);
      expect(delivered.attempts).toHaveLength(dead.attempts.length + 1);
      expect(delivered.attempts.at(-1)).toMatchObject({ status_code: 204, error: null, response_excerpt: null });
    } finally {
      await receiver.stop();
    }
  });

  it('does not follow a redirect, and stops at a 410', async () => {
    const elsewhere = await new Receiver().start();
    const redirecting = await new Receiver().start();
    const gone = await new Receiver().start();
    redirecting.answer = { status: 307, headers: { location: elsewhere.url() } };
    gone.answer = { status: 410, body: 'unsubscribed' };
    try {
      const c = await customer(server);
      const moved = (await (await create(server, c.key, { callback_url: redirecting.url(), async: true })).json()).id;
      const unwanted = (await (await create(server, c.key, { callback_url: gone.url(), async: true })).json()).id;
      await waitUntil(async () => ((await deliveriesOf(server, c.key, moved))[0]?.attempts.length ?? 0) >= 2, 20_000, 'two redirected attempts');
      await waitUntil(async () => (await deliveriesOf(server, c.key, unwanted))[0]?.status === 'dead', 20_000, 'dead on 410');
      expect((await deliveriesOf(server, c.key, moved))[0].attempts[0]).toMatchObject({ status_code: 307, error: 'redirect' });
      expect(elsewhere.connections).toBe(0);
      const [gave] = await deliveriesOf(server, c.key, unwanted);
      expect(gave.attempts).toEqual([expect.objectContaining({ status_code: 410, error: 'gone', response_excerpt: 'unsubscribed' })]);
      expect(gone.received).toHaveLength(1);
    } finally {
      await Promise.all([elsewhere.stop(), redirecting.stop(), gone.stop()]);
    }
  });

  it('a rotated secret signs beside the new one through the overlap, then no more', async () => {
    const receiver = await new Receiver().start();
    try {
      const c = await customer(server);
      const deliver = async () => {
        const n = receiver.received.length;
        await create(server, c.key, { callback_url: receiver.url() });
        await waitUntil(() => receiver.received.length > n, 20_000, 'a delivery');
        return receiver.received.at(-1)!;
      };
      const first = await deliver();
      expect(String(first.headers['webhook-signature']).split(' ')).toHaveLength(1);

      const rotated = await server.call('/v1/webhooks/secret', { method: 'POST', key: c.key });
      const body = await rotated.json();
      expect(body).toMatchObject({ object: 'webhook.secret', secret: expect.stringMatching(/^whsec_/), previous_secret_expires_at: expect.any(Number) });
      expect(body.secret).not.toBe(c.secret);
      const during = await deliver();
      expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expect(verificationProblem(c.secret, during.headers, during.body)).toBeUndefined();
      expect(verificationProblem(body.secret, during.headers, during.body)).toBeUndefined();

      await waitUntil(() => Date.now() > (body.previous_secret_expires_at + 1) * 1000, 5_000, 'the overlap to end');
      const after = await deliver();
      expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect(verificationProblem(body.secret, after.headers, after.body)).toBeUndefined();
      expect(verificationProblem(c.secret, after.headers, after.body)).toBe('no signature matches');
    } finally {
      await receiver.stop();
    }
  });
});
