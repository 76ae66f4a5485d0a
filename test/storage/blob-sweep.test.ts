// Orphaned blobs (a crash between storing an image and recording it) are swept once older than the
// retention; uploads of live /v1/files and anything younger stay.

import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { tinyPng } from '../helpers/png.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { tasks: { retention_hours: 1 } } });
});
afterAll(() => server.close());

it('sweeps old orphans and half-written files, keeping live uploads and recent blobs', async () => {
  const blobs = server.blobs;
  const png = await tinyPng(8, 8);
  const orphan = await blobs.put(png, 'image/png');
  const recent = await blobs.put(png, 'image/png');
  const upload = new FormData();
  upload.append('purpose', 'user_data');
  upload.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'keep.png');
  const file = await (await server.call('/v1/files', { method: 'POST', body: upload })).json();
  const record = await server.db.kysely.selectFrom('files').select('blob_key').where('id', '=', file.id).executeTakeFirstOrThrow();

  const media = path.join(server.dataDir, 'media');
  const tmp = path.join(media, orphan.slice(0, 2), `${orphan}.123.tmp`);
  writeFileSync(tmp, 'half');
  const old = new Date(Date.now() - 3 * 3_600_000);
  for (const key of [orphan, record.blob_key]) utimesSync(path.join(media, key.slice(0, 2), key), old, old);
  utimesSync(tmp, old, old);

  expect(await server.retention.sweepOrphanBlobs()).toBe(2);
  expect(await blobs.get(orphan)).toBeUndefined();
  expect(await blobs.get(recent)).toBeDefined();
  expect(await blobs.get(record.blob_key)).toBeDefined();
  expect((await server.call(`/v1/files/${file.id}/content`)).status).toBe(200);
});

it('keeps blobs as long as the longest retention a live task was given', async () => {
  const blobs = server.blobs;
  const key = await blobs.put(await tinyPng(4, 4), 'image/png');
  const old = new Date(Date.now() - 3 * 3_600_000);
  utimesSync(path.join(server.dataDir, 'media', key.slice(0, 2), key), old, old);
  // A task from when retention was 10 h: its images may be this old and still referenced.
  const { id } = await (await server.call('/v1/images/generations', { method: 'POST', json: { model: 'gpt-image-2', prompt: 'long kept', async: true } })).json();
  await server.db.kysely.updateTable('tasks').set((eb) => ({ expires_at: eb('created_at', '+', 10 * 3_600_000) })).where('id', '=', id).execute();
  expect(await server.retention.sweepOrphanBlobs()).toBe(0);
  expect(await blobs.get(key)).toBeDefined();
});
