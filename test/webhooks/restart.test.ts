// The outbox survives the process: Easel SIGKILLed while a delivery is being retried delivers it once
// it is started again on the same data, with the same webhook-id, signed with the same secret.

import { afterEach, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/poll.ts';
import { type EaselProcess, spawnEasel, waitFor } from '../helpers/process.ts';
import { CHANNELS, FAST_WEBHOOKS } from './fixtures.ts';
import { Receiver } from './receiver.ts';
import { verificationProblem } from './verify.ts';

const running: EaselProcess[] = [];
let receiver: Receiver | undefined;
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill('SIGKILL')));
  await receiver?.stop();
});

it('a delivery being retried when Easel is killed is delivered after the restart', async () => {
  receiver = await new Receiver().start();
  receiver.answer = { status: 503, body: 'busy' };
  const dataDir = tempDir();
  const config = { fetch: { allow_private_addresses: true }, limits: { requests_per_minute: 0 }, webhooks: { ...FAST_WEBHOOKS, first_retry_ms: 150, max_retry_ms: 300 }, channels: CHANNELS };
  const first = await spawnEasel(dataDir, config);
  running.push(first);
  const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(first.output())?.[1]);
  const call = (base: string, path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });
  const { secret } = await (await call(first.url, '/v1/webhooks/secret', { method: 'POST', body: '{}' })).json();
  const created = await call(first.url, '/v1/images/generations', { method: 'POST', body: JSON.stringify({ model: 'gpt-image-2', prompt: 'a survivor', async: true, callback_url: receiver.url() }) });
  const taskId = (await created.json()).id;

  await waitUntil(() => receiver!.received.length >= 3, 30_000, 'retries under way');
  await first.kill('SIGKILL');
  running.splice(running.indexOf(first), 1);
  const refused = receiver.received.length;
  receiver.answer = { status: 200, body: 'thanks' };

  const second = await spawnEasel(dataDir, config);
  running.push(second);
  await waitUntil(() => receiver!.received.length > refused, 30_000, 'the delivery after the restart');
  let delivery: any;
  await waitUntil(async () => {
    [delivery] = (await (await call(second.url, `/v1/webhooks/deliveries?task_id=${taskId}`)).json()).data;
    return delivery?.status === 'delivered';
  }, 30_000, 'delivered in the log');
  await new Promise((r) => setTimeout(r, 700));
  expect(receiver.received).toHaveLength(refused + 1);
  expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.id]));
  const last = receiver.received.at(-1)!;
  expect(verificationProblem(secret, last.headers, last.body)).toBeUndefined();
  expect(JSON.parse(last.body).data).toMatchObject({ id: taskId, status: 'completed' });
  expect(delivery.attempts.at(-1)).toMatchObject({ status_code: 200, error: null, response_excerpt: 'thanks' });
  expect(delivery.attempts.slice(0, -1).every((a: { status_code: number; error: string }) => a.status_code === 503 && a.error === 'http_status')).toBe(true);
}, 120_000);
