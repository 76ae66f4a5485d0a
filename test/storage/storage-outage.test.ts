// The blob store cannot be written (its folder replaced by a file stands in for a full or read-only
// disk: running as root, permissions would not stop the writes). Creates that must store an image
// answer 503 storage_unavailable (retryable) with nothing charged and the reservation released;
// /readyz says not ready; once the store is writable again, service resumes without a restart.

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const REQUESTS = 10;

it(`answers ${REQUESTS} creates 503 storage_unavailable while the store is unwritable, charges nothing, and recovers`, async () => {
  const account = await server.newAccount('1');
  const create = (format: 'url' | 'b64_json') =>
    server.call('/v1/images/generations', { method: 'POST', key: account.key, json: { model: 'gpt-image-2', prompt: 'nowhere to put it', size: '1024x1024', response_format: format } });
  expect((await create('url')).status).toBe(200);
  const balanceBefore = await server.balance(account.id);

  const media = path.join(server.dataDir, 'media');
  renameSync(media, `${media}.away`);
  writeFileSync(media, 'not a folder');
  try {
    for (let i = 0; i < REQUESTS; i++) {
      const res = await create('url');
      const body = await res.json();
      expect(res.status).toBe(503);
      expect(body.error).toMatchObject({ code: 'storage_unavailable', type: 'server_error', retryable: true });
    }
    expect((await server.call('/readyz')).status).toBe(503);
    expect(await server.balance(account.id)).toBe(balanceBefore);
    const open = await server.db.kysely.selectFrom('reservations').select('status').where('account_id', '=', account.id).where('status', '=', 'open').execute();
    expect(open).toEqual([]);
    // Inline base64 needs no store: it is still served.
    expect((await create('b64_json')).status).toBe(200);
  } finally {
    rmSync(media);
    renameSync(`${media}.away`, media);
  }
  expect((await create('url')).status).toBe(200);
  expect((await server.call('/readyz')).status).toBe(200);
  await server.assertLedger();
});
