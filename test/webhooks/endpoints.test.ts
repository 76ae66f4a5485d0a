// callback_url is taken on every create — generations (JSON and multipart), edits, variations
// (multipart) — on every model, checked by the type check like any field, and never sent upstream.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenaiEmulator, OPENAI_TEST_KEY } from '../emulators/openai.ts';
import { tinyPng } from '../helpers/png.ts';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { customer, type Customer, webhookConfig } from './fixtures.ts';
import { Receiver } from './receiver.ts';

let server: TestServer;
let receiver: Receiver;
let c: Customer;
let png: Buffer;
beforeAll(async () => {
  receiver = await new Receiver().start();
  server = await startTestServer({ config: webhookConfig() });
  c = await customer(server);
  png = await tinyPng(64, 64);
});
afterAll(async () => {
  await server.close();
  await receiver.stop();
});

function form(fields: Record<string, string>, image?: Buffer): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  if (image) f.append('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'in.png');
  return f;
}

describe('callback_url on every create', () => {
  it('is notified for a multipart generation, a JSON edit and a multipart variation', async () => {
    const dataUrl = `data:image/png;base64,${png.toString('base64')}`;
    const sent = [
      await server.call('/v1/images/generations', { method: 'POST', key: c.key, body: form({ model: 'gpt-image-2', prompt: 'a kite', callback_url: receiver.url('/generation') }) }),
      await server.call('/v1/images/edits', { method: 'POST', key: c.key, json: { model: 'gpt-image-2', prompt: 'add a hat', image_url: dataUrl, callback_url: receiver.url('/edit') } }),
      await server.call('/v1/images/variations', { method: 'POST', key: c.key, body: form({ model: 'dall-e-2', size: '256x256', callback_url: receiver.url('/variation') }, png) }),
    ];
    expect(await Promise.all(sent.map(async (r) => [r.status, r.status === 200 ? '' : await r.text()]))).toEqual([[200, ''], [200, ''], [200, '']]);
    await waitUntil(() => receiver.received.length === 3, 20_000, 'three deliveries');
    const byPath = Object.fromEntries(receiver.received.map((r) => [r.path, JSON.parse(r.body).data.model]));
    expect(byPath).toEqual({ '/generation': 'gpt-image-2', '/edit': 'gpt-image-2', '/variation': 'dall-e-2' });
    for (const r of receiver.received) expect(JSON.parse(r.body).data.status).toBe('completed');
  });

  it('is type-checked like any field: not a URL, not http(s), too long', async () => {
    for (const [value, why] of [
      ['not a url', 'not a URL'],
      ['ftp://hooks.example/x', 'not http(s)'],
      [`https://hooks.example/${'x'.repeat(2100)}`, 'too long'],
      [42, 'not a string'],
    ] as const) {
      const res = await server.call('/v1/images/generations', { method: 'POST', key: c.key, json: { model: 'gpt-image-2', prompt: 'p', callback_url: value } });
      const error = (await res.json()).error;
      expect([why, res.status, error.param, error.code]).toEqual([why, 400, 'callback_url', 'invalid_value']);
    }
  });

  it('never reaches the upstream: the OpenAI emulator is sent the request without it', async () => {
    const emulator = createOpenaiEmulator();
    await emulator.start();
    const upstreamed = await startTestServer({ config: webhookConfig({}, { channels: [{ id: 'oa', provider: 'openai', base_url: `${emulator.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['gpt-image-2'] }] }) });
    try {
      const owner = await customer(upstreamed);
      const res = await upstreamed.call('/v1/images/generations', { method: 'POST', key: owner.key, json: { model: 'gpt-image-2', prompt: 'a kite', callback_url: receiver.url('/upstream') } });
      expect(res.status).toBe(200);
      expect(emulator.requests).toHaveLength(1);
      expect(emulator.requests[0].json).toMatchObject({ model: 'gpt-image-2', prompt: 'a kite' });
      const sent = JSON.stringify(emulator.requests[0].json);
      expect(sent).not.toContain('callback');
      expect(sent).not.toContain(String(receiver.port));
      await waitUntil(() => receiver.received.some((r) => r.path === '/upstream'), 20_000, 'the delivery');
    } finally {
      await upstreamed.close();
      await emulator.close();
    }
  });
});
