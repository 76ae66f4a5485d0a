// The S3 blob store against a real S3-compatible server (s3rver): keys under the prefix, whole and
// streamed (multipart) writes, ranges, deletes, batched sweeps that leave foreign objects alone, the
// three URL modes, and how it fails: a stopped server, one that never answers, a missing bucket —
// each a prompt 503 storage_unavailable, and the same store instance works again once the server is back.

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/storage/blobs/local.ts';
import { openBlobStore } from '../../src/storage/blobs/open.ts';
import { S3BlobStore, type S3BlobStoreOptions } from '../../src/storage/blobs/s3.ts';
import { tempDir } from '../helpers/databases.ts';
import { readAll } from '../../src/util/bytes.ts';
import { tinyPng } from '../helpers/png.ts';
import { type S3Server, startS3Server } from '../helpers/s3.ts';

let s3: S3Server;
let raw: S3Client;
beforeAll(async () => {
  s3 = await startS3Server();
  raw = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
});
afterAll(async () => {
  raw?.destroy();
  await s3?.close();
});

/** A store on the test bucket; each test its own prefix, so listings see only its objects. */
function store(prefix: string, extra: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  return new S3BlobStore({
    bucket: s3.bucket,
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    prefix,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    media: { mode: 'serve', presign_ttl_s: 3600 },
    publicBase: () => 'http://easel.test',
    // Outage tests wait for these: short, but long enough for a loaded machine's s3rver.
    timeouts: { connectMs: 1_000, responseMs: 3_000, attempts: 2 },
    ...extra,
  });
}

async function listed(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  // StartAfter, not continuation tokens: s3rver's need DES (see test/helpers/s3.ts), and the raw client runs in-process.
  for (;;) {
    const page = await raw.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, StartAfter: after, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).map((o) => o.Key!);
    out.push(...keys);
    if (keys.length < 1000) return out.sort();
    after = keys.at(-1);
  }
}

async function* chunksOf(bytes: Buffer, size = 256 * 1024): AsyncIterable<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('S3BlobStore on s3rver', () => {
  it('puts under the prefix, reads back whole, by range and by stat, and deletes', async () => {
    const blobs = store('put/');
    const png = await tinyPng(8, 8);
    const key = await blobs.put(png, 'image/png');
    expect(key).toMatch(/^[0-9A-Za-z]{32}\.png$/);
    expect(await listed('put/')).toEqual([`put/${key}`]);

    const whole = (await blobs.get(key))!;
    expect(whole).toMatchObject({ size: png.length, contentType: 'image/png' });
    expect((await readAll(whole.stream)).equals(png)).toBe(true);
    expect(await blobs.stat(key)).toEqual({ size: png.length, contentType: 'image/png' });

    const part = (await blobs.get(key, { start: 3, end: 10 }))!;
    expect(part.size).toBe(8);
    expect((await readAll(part.stream)).equals(png.subarray(3, 11))).toBe(true);

    await blobs.delete(key);
    expect(await blobs.get(key)).toBeUndefined();
    expect(await blobs.stat(key)).toBeUndefined();
    await blobs.delete(key); // deleting twice is no error
    // Not a key at all: refused before the store is asked.
    expect(await blobs.get('../../etc/passwd')).toBeUndefined();
  });

  it('streams a large image up in parts and a failing source stores nothing, rejecting with its own error', async () => {
    const blobs = store('stream/');
    const big = randomBytes(12 * 1024 * 1024 + 123);
    const key = await blobs.putStream(chunksOf(big), 'image/png');
    const back = (await blobs.get(key))!;
    expect(back.size).toBe(big.length);
    expect((await readAll(back.stream)).equals(big)).toBe(true);

    const broken = new Error('the upstream download broke');
    async function* failing(): AsyncIterable<Buffer> {
      yield* chunksOf(big.subarray(0, 7 * 1024 * 1024));
      throw broken;
    }
    await expect(blobs.putStream(failing(), 'image/png')).rejects.toBe(broken);
    expect(await listed('stream/')).toEqual([`stream/${key}`]);
  });

  it('sweeps old keys page by page with batch deletes, keeping live, new and foreign objects', async () => {
    const prefix = 'sweep/';
    const blobs = store(prefix, { sweepPageSize: 10 });
    const png = await tinyPng(2, 2);
    const old: string[] = [];
    for (let i = 0; i < 5; i++) old.push(...(await Promise.all(Array.from({ length: 5 }, () => blobs.put(png, 'image/png')))));
    // Not Easel's: another file under the prefix, and another deployment's prefix below it.
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}notes.txt`, Body: 'x' }));
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}staging/${old[0]}`, Body: 'x' }));
    // s3rver's LastModified has whole seconds: the cutoff is a second boundary after the old writes.
    await new Promise((r) => setTimeout(r, 1_100));
    const cutoff = Math.floor(Date.now() / 1000) * 1000;
    const recent = await blobs.put(png, 'image/png');
    const live = new Set(old.slice(0, 3));

    expect(await blobs.sweepOlderThan(cutoff, (key) => live.has(key))).toBe(old.length - live.size);
    const left = await listed(prefix);
    expect(left).toEqual([...[...live, recent].map((k) => `${prefix}${k}`), `${prefix}notes.txt`, `${prefix}staging/${old[0]}`].sort());
    expect(await blobs.sweepOlderThan(cutoff, (key) => live.has(key))).toBe(0);
  });

  it('sweeps more than one full page (1000 keys) at S3’s own batch size', async () => {
    const prefix = 'sweep-many/';
    const blobs = store(prefix);
    const png = await tinyPng(1, 1);
    for (let i = 0; i < 21; i++) await Promise.all(Array.from({ length: 50 }, () => blobs.put(png, 'image/png')));
    expect(await blobs.sweepOlderThan(Date.now() + 60_000, () => false)).toBe(1050);
    expect(await listed(prefix)).toEqual([]);
  }, 120_000);

  it('makes the URL of each mode: serve, public (base + key) and presigned (fetchable, with its expiry)', async () => {
    const png = await tinyPng(3, 3);
    const serve = store('urls/');
    const key = await serve.put(png, 'image/png');
    expect(await serve.urlFor(key)).toEqual({ url: `http://easel.test/media/${key}` });

    // The public base is where the prefix is published: base + key.
    const publicBase = `${s3.endpoint}/${s3.bucket}/urls`;
    const pub = store('urls/', { media: { mode: 'public', base_url: `${publicBase}/`, presign_ttl_s: 3600 } });
    const publicUrl = await pub.urlFor(key);
    expect(publicUrl).toEqual({ url: `${publicBase}/${key}` });
    expect(Buffer.from(await (await fetch(publicUrl.url)).arrayBuffer()).equals(png)).toBe(true);

    const signed = store('urls/', { media: { mode: 'presigned', presign_ttl_s: 600 } });
    const before = Math.floor(Date.now() / 1000);
    const first = await signed.urlFor(key);
    expect(first.expiresAt).toBeGreaterThanOrEqual(before + 600);
    expect(first.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);
    const url = new URL(first.url);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
    expect(url.pathname).toBe(`/${s3.bucket}/urls/${key}`);
    const res = await fetch(first.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
  });

  it('fails fast as storage_unavailable while the server is down, and the same store works again when it is back', async () => {
    const blobs = store('outage/');
    const png = await tinyPng(2, 2);
    const kept = await blobs.put(png, 'image/png');
    await blobs.ping();
    await s3.stop();
    try {
      const started = Date.now();
      const unavailable = { status: 503, code: 'storage_unavailable' };
      await expect(blobs.ping()).rejects.toBeDefined();
      await expect(blobs.put(png, 'image/png')).rejects.toMatchObject(unavailable);
      await expect(blobs.putStream(chunksOf(png), 'image/png')).rejects.toMatchObject(unavailable);
      await expect(blobs.get(kept)).rejects.toMatchObject(unavailable);
      await expect(blobs.stat(kept)).rejects.toMatchObject(unavailable);
      await expect(blobs.sweepOlderThan(Date.now(), () => false)).rejects.toMatchObject(unavailable);
      // Refused connections are retried once, briefly: all of the above in seconds.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await s3.start();
    }
    await blobs.ping();
    expect((await readAll((await blobs.get(kept))!.stream)).equals(png)).toBe(true);
    expect(await blobs.put(png, 'image/png')).toMatch(/\.png$/);
  });

  it('gives up on a server that accepts connections and never answers within its bounded timeouts', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const blobs = store('silent/', { endpoint: `http://127.0.0.1:${port}`, timeouts: { connectMs: 500, responseMs: 1_000, attempts: 2 } });
      const started = Date.now();
      await expect(blobs.put(await tinyPng(2, 2), 'image/png')).rejects.toMatchObject({ status: 503, code: 'storage_unavailable' });
      // Two attempts of 1 s each (plus a short back-off): far below "hangs".
      expect(Date.now() - started).toBeLessThan(15_000);
      await expect(blobs.ping()).rejects.toBeDefined();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('takes credentials from the AWS environment when the config names none', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    try {
      const storage = { kind: 's3' as const, bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint, force_path_style: true, prefix: 'env/', media: { mode: 'presigned' as const, presign_ttl_s: 120 } };
      const blobs = await openBlobStore({ storage, data_dir: tempDir() }, () => 'http://easel.test');
      expect(blobs).toBeInstanceOf(S3BlobStore);
      const key = await blobs.put(await tinyPng(2, 2), 'image/png');
      const signed = new URL((await blobs.urlFor(key)).url);
      expect(signed.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${s3.accessKeyId}/`));
      expect((await fetch(signed)).status).toBe(200);
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('opens local disk by default and refuses half a key pair', async () => {
    const media = { mode: 'serve' as const, presign_ttl_s: 3600 };
    expect(await openBlobStore({ storage: { kind: 'local', media }, data_dir: tempDir() }, () => '')).toBeInstanceOf(LocalBlobStore);
    const half = { kind: 's3' as const, bucket: s3.bucket, region: 'us-east-1', force_path_style: true, prefix: '', access_key_id: 'only-this', media };
    await expect(openBlobStore({ storage: half, data_dir: tempDir() }, () => '')).rejects.toThrow(/both access_key_id and secret_access_key/);
  });

  it('treats a missing bucket as a store fault, not as a missing image', async () => {
    const blobs = store('', { bucket: 'no-such-bucket' });
    await expect(blobs.ping()).rejects.toBeDefined();
    await expect(blobs.get(`${'a'.repeat(32)}.png`)).rejects.toMatchObject({ code: 'storage_unavailable' });
  });
});
