// Callback URLs and the SSRF guard, with the real default (fetch.allow_private_addresses: false):
// every spelling of "this machine" and of other private places is a 400 invalid_value naming
// callback_url at the create (nothing held, no task) and at the admin's per-key callback, and a trap
// listener sees no connection. A URL accepted while private addresses were allowed is checked again
// at delivery: once they are not, the delivery is refused and never reaches the receiver.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { create, customer, deliveriesOf, FAST_WEBHOOKS, webhookConfig } from './fixtures.ts';
import { Receiver } from './receiver.ts';

const FORMS: Array<[string, string]> = [
  ['loopback', 'http://127.0.0.1:{port}/hook'],
  ['https loopback', 'https://127.0.0.1:{port}/hook'],
  ['elsewhere in 127/8', 'http://127.9.9.9:{port}/hook'],
  ['decimal', 'http://2130706433:{port}/hook'],
  ['hex', 'http://0x7f000001:{port}/hook'],
  ['short', 'http://127.1:{port}/hook'],
  ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]:{port}/hook'],
  ['IPv6 loopback', 'http://[::1]:{port}/hook'],
  ['unspecified', 'http://0.0.0.0:{port}/hook'],
  ['localhost', 'http://localhost:{port}/hook'],
  ['a subdomain of localhost', 'http://hooks.localhost:{port}/hook'],
  ['this machine by its own name', `http://${hostname()}:{port}/hook`],
  ['userinfo before the address', 'http://public.example@127.0.0.1:{port}/hook'],
  ['10/8', 'http://10.0.0.1:{port}/hook'],
  ['192.168/16', 'http://192.168.1.1:{port}/hook'],
  ['CGNAT', 'http://100.64.0.1:{port}/hook'],
  ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
  ['IPv6 unique-local', 'http://[fd00::1]:{port}/hook'],
  ['IPv6 link-local', 'http://[fe80::1]:{port}/hook'],
  ['file:', 'file:///etc/passwd'],
  ['gopher:', 'gopher://127.0.0.1:{port}/_x'],
  ['not a URL', 'hooks go here'],
];

let server: TestServer;
let trap: Server;
let trapPort: number;
let trapConnections = 0;

beforeAll(async () => {
  trap = createServer((_req, res) => res.end('ok'));
  trap.on('connection', () => trapConnections++);
  trap.listen(0, '127.0.0.1');
  await once(trap, 'listening');
  trapPort = (trap.address() as AddressInfo).port;
  server = await startTestServer({ config: { webhooks: FAST_WEBHOOKS, channels: webhookConfig().channels } });
});
afterAll(async () => {
  await server?.close();
  trap.closeAllConnections();
  await new Promise((r) => trap.close(r));
});

describe('callback URLs pass the SSRF guard', () => {
  it('refuses every private form at the create: 400 invalid_value naming callback_url, nothing held, no task', async () => {
    expect(server.config.fetch.allow_private_addresses).toBe(false);
    const c = await customer(server);
    const balance = await server.balance(c.id);
    const wrong: string[] = [];
    for (const [name, template] of FORMS) {
      for (const body of [{}, { async: true }]) {
        const res = await create(server, c.key, { callback_url: template.replace('{port}', String(trapPort)), ...body });
        const error = (await res.json()).error;
        if (res.status !== 400 || error?.param !== 'callback_url' || error?.code !== 'invalid_value') wrong.push(`${name}: ${res.status} ${JSON.stringify(error)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await server.balance(c.id)).toBe(balance);
    expect(await server.db.kysely.selectFrom('tasks').select('id').where('account_id', '=', c.id).execute()).toEqual([]);
    expect(trapConnections).toBe(0);
  });

  it('refuses them as a key default too', async () => {
    const c = await customer(server);
    for (const [name, template] of FORMS.slice(0, 12)) {
      const res = await server.call(`/admin/v1/keys/${c.keyId}/callback`, { method: 'PUT', key: server.adminToken, json: { callback_url: template.replace('{port}', String(trapPort)) } });
      expect([name, res.status, (await res.json()).error.param]).toEqual([name, 400, 'callback_url']);
    }
    expect(trapConnections).toBe(0);
  });

  it('a public-looking name that does not resolve is refused at the create as well', async () => {
    const c = await customer(server);
    const res = await create(server, c.key, { callback_url: 'https://nowhere.invalid/hook' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'invalid_value', param: 'callback_url', message: expect.stringContaining('could not be resolved') });
  });

  it('checks again at delivery: a URL accepted while private addresses were allowed is refused once they are not', async () => {
    const dataDir = tempDir();
    const receiver = await new Receiver().start();
    await receiver.stop();
    const open = await startTestServer({ dataDir, config: webhookConfig() });
    let c;
    let taskId: string;
    try {
      c = await customer(open);
      taskId = (await (await create(open, c.key, { callback_url: receiver.url(), async: true })).json()).id;
      await waitUntil(async () => ((await deliveriesOf(open, c!.key, taskId))[0]?.attempts.length ?? 0) >= 1, 20_000, 'a first attempt');
    } finally {
      await open.close();
    }
    await receiver.start();
    const guarded = await startTestServer({ dataDir, config: webhookConfig({}, { fetch: { allow_private_addresses: false } }) });
    try {
      await waitUntil(async () => (await deliveriesOf(guarded, c.key, taskId))[0].attempts.some((a: { error: string }) => a.error === 'refused_address'), 20_000, 'a refused attempt');
      const [log] = await deliveriesOf(guarded, c.key, taskId);
      expect(log.status).toBe('pending');
      expect(log.attempts.at(-1)).toMatchObject({ status_code: null, error: 'refused_address' });
      expect(receiver.connections).toBe(0);
    } finally {
      await guarded.close();
      await receiver.stop();
    }
  });
});
