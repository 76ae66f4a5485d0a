// A delivery belongs to the account whose task it reports: to any other account it does not exist —
// its task's deliveries list empty, its id as a cursor or a replay answers exactly as an unknown id
// does — on SQLite and PostgreSQL. A create naming a callback before the account has a secret is
// refused before anything is held.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBase62 } from '../../src/util/ids.ts';
import { DIALECTS } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { create, customer, deliveriesOf, webhookConfig } from './fixtures.ts';
import { Receiver } from './receiver.ts';

describe.each(DIALECTS)('webhook ownership (%s)', (dialect) => {
  let server: TestServer;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await new Receiver().start();
    server = await startTestServer({ dialect, config: webhookConfig() });
  });
  afterAll(async () => {
    await server.close();
    await receiver.stop();
  });

  /** Status and body, the id echoed in a message replaced, so two answers can be compared whole. */
  async function seen(res: Response, id: string) {
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.text()).replaceAll(id, '<id>') };
  }

  it("shows another account's deliveries as none", async () => {
    const owner = await customer(server);
    const other = await customer(server);
    // Answered inline, so the task id comes with the delivery.
    expect((await create(server, owner.key, { callback_url: receiver.url() })).status).toBe(200);
    await waitUntil(() => receiver.received.length > 0, 20_000, 'the delivery');
    const id = String(receiver.received[0].headers['webhook-id']);
    const ownTask = JSON.parse(receiver.received[0].body).data.id;
    expect(await deliveriesOf(server, owner.key, ownTask)).toHaveLength(1);

    expect(await deliveriesOf(server, other.key, ownTask)).toEqual([]);
    expect(await deliveriesOf(server, other.key)).toEqual([]);
    const unknown = `msg_${randomBase62(24)}`;
    for (const [path, method] of [
      [(d: string) => `/v1/webhooks/deliveries/${d}/replay`, 'POST'],
      [(d: string) => `/v1/webhooks/deliveries?after=${d}`, 'GET'],
    ] as const) {
      const theirs = await seen(await server.call(path(id), { method, key: other.key }), id);
      const none = await seen(await server.call(path(unknown), { method, key: other.key }), unknown);
      expect(theirs).toEqual(none);
      expect(theirs.status).toBe(method === 'POST' ? 404 : 400);
    }
    // Nothing the other account did reached the owner's delivery.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.filter((r) => r.headers['webhook-id'] === id)).toHaveLength(1);
    expect((await deliveriesOf(server, owner.key, ownTask))[0].attempts).toHaveLength(1);
  });

  it('needs the account to have a secret before a create may name a callback', async () => {
    const account = await server.newAccount('1');
    const before = await server.balance(account.id);
    const res = await create(server, account.key, { callback_url: receiver.url(), async: true });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'webhook_secret_required', param: 'callback_url' });
    expect(await server.balance(account.id)).toBe(before);
    expect(await server.db.kysely.selectFrom('tasks').select('id').where('account_id', '=', account.id).execute()).toEqual([]);
  });

  it('refuses list queries it cannot read, naming the parameter', async () => {
    const c = await customer(server);
    for (const [query, param] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=x', 'limit'], ['after=', 'after'], [`task_id=${'x'.repeat(201)}`, 'task_id']]) {
      const res = await server.call(`/v1/webhooks/deliveries?${query}`, { key: c.key });
      expect([query, res.status, (await res.json()).error.param]).toEqual([query, 400, param]);
    }
    const page = await (await server.call('/v1/webhooks/deliveries?limit=100', { key: c.key })).json();
    expect(page).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });
});
