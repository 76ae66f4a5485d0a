// What the webhook tests share: a configuration that retries in milliseconds, a customer with a
// signing secret, creates that name a callback, and the delivery log as its owner reads it.

import type { TestServer } from '../helpers/server.ts';

/** Retries within milliseconds, so the whole schedule plays out inside a test. */
export const FAST_WEBHOOKS = { timeout_ms: 2_000, first_retry_ms: 60, max_retry_ms: 300, worker_interval_ms: 40 };

/** gpt-image-2 draws on the demo; dall-e-3 goes to a channel nobody answers, so its tasks fail. */
export const CHANNELS = [
  { id: 'demo', provider: 'demo', models: ['gpt-image-2', 'dall-e-2'] },
  { id: 'nobody', provider: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-nobody', models: ['dall-e-3'] },
];

export function webhookConfig(webhooks: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): Record<string, unknown> {
  return { fetch: { allow_private_addresses: true }, webhooks: { ...FAST_WEBHOOKS, ...webhooks }, channels: CHANNELS, ...rest };
}

export interface Customer {
  id: string;
  key: string;
  keyId: string;
  secret: string;
}

/** A new account with credit and its first signing secret. */
export async function customer(s: TestServer, creditUsd = '5'): Promise<Customer> {
  const account = await s.newAccount(creditUsd);
  const res = await s.call('/v1/webhooks/secret', { method: 'POST', key: account.key });
  if (res.status !== 200) throw new Error(`secret: ${res.status} ${await res.text()}`);
  return { ...account, secret: (await res.json()).secret };
}

export function create(s: TestServer, key: string, json: Record<string, unknown>): Promise<Response> {
  return s.call('/v1/images/generations', { method: 'POST', key, json: { model: 'gpt-image-2', prompt: 'a lighthouse', ...json } });
}

/** The owner's deliveries of one task (its latest 100 without a task id). */
export async function deliveriesOf(s: TestServer, key: string, taskId?: string): Promise<any[]> {
  const res = await s.call(`/v1/webhooks/deliveries?limit=100${taskId ? `&task_id=${taskId}` : ''}`, { key });
  if (res.status !== 200) throw new Error(`deliveries: ${res.status} ${await res.text()}`);
  return (await res.json()).data;
}
