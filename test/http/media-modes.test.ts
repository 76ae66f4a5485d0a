// Image URLs in each mode with images in an S3 bucket (s3rver), end to end through Easel: serve
// (Easel's /media/{key}), public (base + key) and presigned (signed at every read, its lifetime
// published as expires_at); /media's caching and range answers on local disk and on S3; and the
// bucket going away: 503 storage_unavailable for whatever needs it, nothing charged, the books
// balanced, /readyz not ready, and full service once it is back, without a restart.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyPng } from '../helpers/png.ts';
import { pollTask } from '../helpers/poll.ts';
import { type S3Server, startS3Server } from '../helpers/s3.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TTL_S = 900;

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(() => s3?.close());

function generate(server: TestServer, extra: Record<string, unknown> = {}, key?: string) {
  return server.call('/v1/images/generations', { method: 'POST', key, json: { model: 'gpt-image-2', prompt: 'a lighthouse in a bucket', size: '1024x1024', ...extra } });
}

async function bytesAt(url: string, init?: RequestInit): Promise<Buffer> {
  const res = await fetch(url, init);
  expect(res.status, url).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

const keyOf = (url: string) => new URL(url).pathname.split('/').at(-1)!;

describe.each([
  { mode: 'serve', media: { mode: 'serve' } },
  { mode: 'public', media: { mode: 'public', base_url: '' } },
  { mode: 'presigned', media: { mode: 'presigned', presign_ttl_s: TTL_S } },
] as const)('storage s3, media mode $mode', ({ mode, media }) => {
  let server: TestServer;
  const prefix = `${mode}/`;
  const publicBase = () => `${s3.endpoint}/${s3.bucket}/${mode}`;
  beforeAll(async () => {
    const resolved = mode === 'public' ? { ...media, base_url: publicBase() } : media;
    server = await startTestServer({ config: { storage: s3.storageConfig({ prefix, media: resolved }) } });
  });
  afterAll(() => server?.close());

  it('answers an inline generation with a URL of this mode that fetches the stored PNG', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await generate(server);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const image = body.data[0];
    const key = keyOf(image.url);
    if (mode === 'serve') expect(image.url).toBe(`${server.publicUrl}/media/${key}`);
    if (mode === 'public') expect(image.url).toBe(`${publicBase()}/${key}`);
    if (mode === 'presigned') {
      const url = new URL(image.url);
      expect(`${url.origin}${url.pathname}`).toBe(`${s3.endpoint}/${s3.bucket}/${prefix}${key}`);
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(image.expires_at).toBeGreaterThanOrEqual(before + TTL_S);
      expect(image.expires_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + TTL_S);
    } else {
      expect(image).not.toHaveProperty('expires_at');
    }
    const bytes = await bytesAt(image.url);
    expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // Easel's own /media serves the same object in every mode: URLs handed out in serve mode keep working.
    expect((await bytesAt(`${server.url}/media/${key}`)).equals(bytes)).toBe(true);
  });

  it('makes the URL when a task is polled, never storing it: a presigned one is signed afresh at each poll', async () => {
    const created = await (await generate(server, { async: true })).json();
    expect(created.status).toBe('pending');
    const first = (await pollTask(server, created.poll_url)).body;
    expect(first.status).toBe('completed');
    const row = await server.db.kysely.selectFrom('tasks').select('result').where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.result).not.toContain('http');
    // Signatures carry the time to the second.
    await new Promise((r) => setTimeout(r, 1_100));
    const second = (await (await server.call(created.poll_url)).json()) as typeof first;
    const [a, b] = [first.data[0], second.data[0]];
    expect(keyOf(b.url)).toBe(keyOf(a.url));
    if (mode === 'presigned') {
      expect(b.url).not.toBe(a.url);
      expect(new URL(b.url).searchParams.get('X-Amz-Date')).not.toBe(new URL(a.url).searchParams.get('X-Amz-Date'));
      expect(b.expires_at).toBeGreaterThan(a.expires_at);
    } else {
      expect(b.url).toBe(a.url);
    }
    expect((await bytesAt(b.url)).equals(await bytesAt(a.url))).toBe(true);
  });
});

describe.each(['local', 's3'] as const)('/media/{key} on %s storage', (kind) => {
  let server: TestServer;
  let key: string;
  let image: Buffer;
  beforeAll(async () => {
    server = await startTestServer(kind === 's3' ? { config: { storage: s3.storageConfig({ prefix: 'media/' }) } } : {});
    const body = await (await generate(server)).json();
    key = keyOf(body.data[0].url);
    image = await bytesAt(body.data[0].url);
  });
  afterAll(() => server?.close());

  const media = (headers: Record<string, string> = {}, method = 'GET', k = key) => fetch(`${server.url}/media/${k}`, { method, headers });

  it('serves the image with its key as strong ETag, immutable caching and byte ranges advertised', async () => {
    const res = await media();
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${key}"`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-length')).toBe(String(image.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(image)).toBe(true);
    const head = await media({}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(`"${key}"`);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 304 to a matching If-None-Match, and the image to any other', async () => {
    for (const tag of [`"${key}"`, `W/"${key}"`, `"other", "${key}"`, '*']) {
      const res = await media({ 'if-none-match': tag });
      expect(res.status, tag).toBe(304);
      expect(res.headers.get('etag')).toBe(`"${key}"`);
      expect(res.headers.get('cache-control')).toContain('immutable');
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
    const other = await media({ 'if-none-match': '"something-else"' });
    expect(other.status).toBe(200);
    expect(Buffer.from(await other.arrayBuffer()).equals(image)).toBe(true);
  });

  it('answers one byte range with 206 and Content-Range; ignores what it does not serve', async () => {
    const size = image.length;
    const cases: Array<[string, number, number]> = [
      ['bytes=0-9', 0, 9],
      ['bytes=10-', 10, size - 1],
      ['bytes=-7', size - 7, size - 1],
      [`bytes=5-${size + 1000}`, 5, size - 1],
      [`bytes=-${size + 50}`, 0, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await media({ range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(res.headers.get('etag')).toBe(`"${key}"`);
      expect(Buffer.from(await res.arrayBuffer()).equals(image.subarray(start, end + 1)), range).toBe(true);
    }
    // Several ranges, other units, nonsense, or an If-Range naming another version: the whole image.
    const ignored: Array<Record<string, string>> = [{ range: 'bytes=0-1,4-5' }, { range: 'items=0-1' }, { range: 'bytes=9-3' }, { range: 'bytes=-' }, { range: 'bytes=0-3', 'if-range': '"old"' }];
    for (const headers of ignored) {
      const res = await media(headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(image)).toBe(true);
    }
    const matching = await media({ range: 'bytes=0-3', 'if-range': `"${key}"` });
    expect(matching.status).toBe(206);
    await matching.arrayBuffer();
  });

  it('answers a range past the end with 416 in the error envelope, naming the size', async () => {
    for (const range of [`bytes=${image.length}-`, `bytes=${image.length + 10}-${image.length + 20}`, 'bytes=-0']) {
      const res = await media({ range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${image.length}`);
      expect(res.headers.get('cache-control') ?? '').not.toContain('immutable');
      expect((await res.json()).error).toMatchObject({ code: 'range_not_satisfiable', type: 'invalid_request_error' });
    }
  });

  it('answers 404 media_not_found for a key it does not hold, conditional or ranged alike', async () => {
    const missing = `${'Z'.repeat(32)}.png`;
    const asks: Array<Record<string, string>> = [{}, { range: 'bytes=0-1' }, { 'if-none-match': '*' }];
    for (const headers of asks) {
      const res = await media(headers, 'GET', missing);
      expect(res.status).toBe(404);
      expect(res.headers.get('cache-control') ?? '').not.toContain('immutable');
      expect((await res.json()).error.code).toBe('media_not_found');
    }
    expect((await media({}, 'GET', 'not-a-key')).status).toBe(404);
  });
});

describe('the bucket goes away and comes back', () => {
  let bucket: S3Server;
  let server: TestServer;
  beforeAll(async () => {
    // A bucket of its own: stopping it must not disturb the other tests' server.
    bucket = await startS3Server({ bucket: 'easel-outage' });
    server = await startTestServer({ config: { storage: bucket.storageConfig({ prefix: 'outage/' }) } });
  });
  afterAll(async () => {
    await server?.close();
    await bucket?.close();
  });

  it('answers 503 storage_unavailable (retryable) with nothing charged, /readyz not ready, and recovers without a restart', async () => {
    const account = await server.newAccount('1');
    const stored = await (await generate(server, {}, account.key)).json();
    const storedKey = keyOf(stored.data[0].url);
    expect((await server.call('/readyz')).status).toBe(200);
    const balanceBefore = await server.balance(account.id);

    await bucket.stop();
    try {
      for (let i = 0; i < 5; i++) {
        const res = await generate(server, {}, account.key);
        const body = await res.json();
        expect(res.status, JSON.stringify(body)).toBe(503);
        expect(body.error).toMatchObject({ code: 'storage_unavailable', type: 'server_error', retryable: true });
      }
      // A task: created, then failed by the store, refunded.
      const created = await (await generate(server, { async: true }, account.key)).json();
      const failed = (await pollTask(server, created.poll_url, { key: account.key })).body;
      expect(failed.status).toBe('failed');
      expect(failed.error.code).toBe('storage_unavailable');
      // An upload cannot be kept, a stored image cannot be read.
      const upload = await server.call('/v1/files', { method: 'POST', key: account.key, body: await uploadForm() });
      expect(upload.status).toBe(503);
      expect((await upload.json()).error.code).toBe('storage_unavailable');
      const read = await fetch(`${server.url}/media/${storedKey}`);
      expect(read.status).toBe(503);
      expect((await read.json()).error.code).toBe('storage_unavailable');

      const ready = await server.call('/readyz');
      expect(ready.status).toBe(503);
      expect((await ready.json()).checks).toMatchObject({ database: 'ok', blob_store: 'failing' });
      // Inline base64 needs no store: still served (and charged, as it should be).
      expect((await generate(server, { response_format: 'b64_json' })).status).toBe(200);

      expect(await server.balance(account.id)).toBe(balanceBefore);
      const open = await server.db.kysely.selectFrom('reservations').select('status').where('account_id', '=', account.id).where('status', '=', 'open').execute();
      expect(open).toEqual([]);
      await server.assertLedger();
    } finally {
      await bucket.start();
    }

    const again = await generate(server, {}, account.key);
    expect(again.status).toBe(200);
    const image = await bytesAt((await again.json()).data[0].url);
    expect(image.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect((await server.call('/readyz')).status).toBe(200);
    expect((await server.call('/v1/files', { method: 'POST', key: account.key, body: await uploadForm() })).status).toBe(200);
    await server.assertLedger();
  }, 60_000);
});

/** A /v1/files upload of a small real PNG. */
async function uploadForm(): Promise<FormData> {
  const form = new FormData();
  form.set('purpose', 'user_data');
  form.set('file', new Blob([new Uint8Array(await tinyPng(4, 4))], { type: 'image/png' }), 'input.png');
  return form;
}
