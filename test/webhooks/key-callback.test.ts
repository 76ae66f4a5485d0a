// The per-key default callback (PUT /admin/v1/keys/{id}/callback): the key's creates that name no
// callback_url are notified there, a create's own callback_url wins, null turns it off. Setting one on
// an account without a signing secret creates its first secret and shows it this once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { create, deliveriesOf, webhookConfig } from './fixtures.ts';
import { Receiver } from './receiver.ts';
import { verificationProblem } from './verify.ts';

let server: TestServer;
let byDefault: Receiver;
let own: Receiver;
beforeAll(async () => {
  byDefault = await new Receiver().start();
  own = await new Receiver().start();
  server = await startTestServer({ config: webhookConfig() });
});
afterAll(async () => {
  await server.close();
  await Promise.all([byDefault.stop(), own.stop()]);
});

const put = (keyId: string, json: unknown, key: string | null = server.adminToken) => server.call(`/admin/v1/keys/${keyId}/callback`, { method: 'PUT', key, json });

describe('a key default callback', () => {
  it('notifies the key’s creates, yields to a create’s own callback_url, and stops at null', async () => {
    const account = await server.newAccount('5');
    const first = await put(account.keyId, { callback_url: byDefault.url() });
    expect(first.status).toBe(200);
    const set = await first.json();
    expect(set).toMatchObject({ object: 'api_key.callback', key_id: account.keyId, account_id: account.id, callback_url: byDefault.url(), webhook_secret: expect.stringMatching(/^whsec_/) });
    // Shown once: setting it again does not show a secret.
    expect(await (await put(account.keyId, { callback_url: byDefault.url() })).json()).not.toHaveProperty('webhook_secret');

    await create(server, account.key, {});
    await waitUntil(() => byDefault.received.length === 1, 20_000, 'the default delivery');
    expect(verificationProblem(set.webhook_secret, byDefault.received[0].headers, byDefault.received[0].body)).toBeUndefined();

    await create(server, account.key, { callback_url: own.url() });
    await waitUntil(() => own.received.length === 1, 20_000, 'the own delivery');

    expect((await put(account.keyId, { callback_url: null })).status).toBe(200);
    const taskId = (await (await create(server, account.key, { async: true })).json()).id;
    await waitUntil(async () => (await (await server.call(`/v1/tasks/${taskId}`, { key: account.key })).json()).status === 'completed', 20_000, 'the task');
    await new Promise((r) => setTimeout(r, 300));
    expect(await deliveriesOf(server, account.key, taskId)).toEqual([]);
    expect(byDefault.received).toHaveLength(1);
    expect(own.received).toHaveLength(1);
  });

  it('answers 404 for an unknown key, 401 without the admin token, 400 for a body it cannot take', async () => {
    expect((await put('key_nope', { callback_url: byDefault.url() })).status).toBe(404);
    const account = await server.newAccount('1');
    expect((await put(account.keyId, { callback_url: byDefault.url() }, account.key)).status).toBe(401);
    expect((await put(account.keyId, { callback_url: byDefault.url() }, null)).status).toBe(401);
    for (const body of [{}, { callback_url: 'ftp://x.example/' }, { callback_url: byDefault.url(), extra: 1 }, { callback_url: 5 }]) {
      const res = await put(account.keyId, body);
      expect(res.status).toBe(400);
    }
  });
});
