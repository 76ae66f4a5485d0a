// Delivery of upstream results: URLs stream into the blob store, failures are told apart (upstream
// 502 vs store 503), and a download cut half-way leaves nothing behind.

import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverImages, type DeliveryContext } from '../../src/pipeline/deliver.ts';
import { base64Image } from '../../src/providers/base64-image.ts';
import { Base64Text } from '../../src/util/base64-text.ts';
import { openUpstreamResult } from '../../src/pipeline/upstream-download.ts';
import { LocalBlobStore } from '../../src/storage/blobs/local.ts';
import { tempDir } from '../helpers/databases.ts';
import { tinyPng } from '../helpers/png.ts';

let png: Buffer;
let markEndlessClosed: () => void = () => {};
const endlessClosed = new Promise<void>((resolve) => (markEndlessClosed = resolve));
let server: Server;
let base = '';

beforeAll(async () => {
  png = await tinyPng(300, 200);
  server = createServer((req, res) => {
    if (req.url === '/chunked.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      // Dribble the image out in small pieces: the store must take them as they come.
      let offset = 0;
      const tick = () => {
        if (offset >= png.length) return res.end();
        res.write(png.subarray(offset, offset + 64));
        offset += 64;
        setImmediate(tick);
      };
      return tick();
    }
    if (req.url === '/cut.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
      res.write(png.subarray(0, 100));
      return setTimeout(() => res.destroy(), 20);
    }
    if (req.url === '/small.png') return res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) }).end(png);
    if (req.url === '/endless.png') {
      // Sends the head and never ends: only a cancel on Easel's side frees this connection.
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(png.subarray(0, 100));
      res.on('close', () => markEndlessClosed());
      return;
    }
    if (req.url === '/text') return res.writeHead(200, { 'content-type': 'image/png' }).end('hello, not an image');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

function context(root = tempDir()) {
  const blobs = new LocalBlobStore(root, () => 'http://easel');
  const calls = { put: 0, putStream: 0 };
  const spied = {
    ...blobs,
    put: (b: Buffer, t: string) => (calls.put++, blobs.put(b, t)),
    putStream: (c: AsyncIterable<Buffer>, t: string) => (calls.putStream++, blobs.putStream(c, t)),
    get: (k: string) => blobs.get(k),
    stat: (k: string) => blobs.stat(k),
    delete: (k: string) => blobs.delete(k),
    ping: () => blobs.ping(),
    sweepOlderThan: (cutoff: number, keep: (key: string) => boolean) => blobs.sweepOlderThan(cutoff, keep),
    urlFor: (k: string) => blobs.urlFor(k),
  };
  const ctx: DeliveryContext = { blobs: spied, open: (url) => openUpstreamResult(url, new AbortController().signal) };
  return { ctx, calls, root, blobs };
}

function files(root: string): string[] {
  try {
    return readdirSync(root, { recursive: true }).map(String).filter((f) => path.extname(f));
  } catch {
    return [];
  }
}

describe('delivering upstream URLs', () => {
  it('streams a URL result of unknown size into the blob store and serves the same bytes', async () => {
    const { ctx, calls, blobs } = context();
    const [item] = await deliverImages([{ url: `${base}/chunked.png` }], 'url', ctx);
    expect(calls).toEqual({ put: 0, putStream: 1 });
    const key = item.key!;
    const blob = await blobs.get(key);
    const chunks: Buffer[] = [];
    for await (const c of blob!.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(png)).toBe(true);
  });

  it('writes a small image of known size in one piece', async () => {
    const { ctx, calls } = context();
    await deliverImages([{ url: `${base}/small.png` }], 'url', ctx);
    expect(calls).toEqual({ put: 1, putStream: 0 });
  });

  it('reads the whole image only when base64 is asked', async () => {
    const { ctx, calls } = context();
    const [item] = await deliverImages([{ url: `${base}/chunked.png` }], 'b64_json', ctx);
    expect(item.b64_json!.decode().equals(png)).toBe(true);
    expect(calls).toEqual({ put: 0, putStream: 0 });
  });

  it('answers 502 for a download cut half-way, and leaves no file behind', async () => {
    const { ctx, root } = context();
    await expect(deliverImages([{ url: `${base}/cut.png` }], 'url', ctx)).rejects.toMatchObject({ status: 502, code: 'upstream_error' });
    expect(files(root)).toEqual([]);
  });

  it('answers 502 for something that is not an image and for a missing result', async () => {
    const { ctx } = context();
    await expect(deliverImages([{ url: `${base}/text` }], 'url', ctx)).rejects.toMatchObject({ status: 502 });
    await expect(deliverImages([{ url: `${base}/missing.png` }], 'url', ctx)).rejects.toMatchObject({ status: 502 });
  });

  it('answers 503 storage_unavailable when the store fails, never falling back to base64', async () => {
    const { ctx } = context();
    const broken: DeliveryContext = { ...ctx, blobs: { ...ctx.blobs, put: async () => Promise.reject(new Error('disk full')), putStream: async () => Promise.reject(new Error('disk full')) } };
    await expect(deliverImages([{ bytes: png }], 'url', broken)).rejects.toMatchObject({ status: 503, code: 'storage_unavailable' });
    await expect(deliverImages([{ url: `${base}/chunked.png` }], 'url', broken)).rejects.toMatchObject({ status: 503, code: 'storage_unavailable' });
  });

  it('drops the rest of a download whose store failed, freeing the upstream connection', async () => {
    const { ctx } = context();
    const broken: DeliveryContext = { ...ctx, blobs: { ...ctx.blobs, putStream: async () => Promise.reject(new Error('disk full')) } };
    await expect(deliverImages([{ url: `${base}/endless.png` }], 'url', broken)).rejects.toMatchObject({ status: 503 });
    await endlessClosed;
  });
});

describe('delivering images the upstream sent as base64', () => {
  async function stored(blobs: LocalBlobStore, key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of (await blobs.get(key))!.stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  it('hands the base64 text to a b64_json answer as it came, never decoded', async () => {
    const { ctx, calls } = context();
    const base64 = Base64Text.encode(png);
    // Any decode of the whole text fails the test.
    base64.decode = () => {
      throw new Error('decoded');
    };
    base64.decodedPieces = () => {
      throw new Error('decoded');
    };
    const [item] = await deliverImages([base64Image(base64, { revisedPrompt: 'p' })], 'b64_json', ctx);
    expect(item.b64_json).toBe(base64);
    expect(item.revised_prompt).toBe('p');
    expect(calls).toEqual({ put: 0, putStream: 0 });
  });

  it('stores a small image in one piece and a large one decoded piece by piece', async () => {
    const { ctx, calls, blobs } = context();
    const [small] = await deliverImages([base64Image(Base64Text.encode(png))], 'url', ctx);
    expect(calls).toEqual({ put: 1, putStream: 0 });
    expect((await stored(blobs, small.key!)).equals(png)).toBe(true);
    // Over 1 MiB: the PNG's head and 2 MiB of noise after it (the store does not read past the type).
    const large = Buffer.concat([png, randomBytes(2 * 1024 * 1024)]);
    const [big] = await deliverImages([base64Image(Base64Text.encode(large))], 'url', ctx);
    expect(calls).toEqual({ put: 1, putStream: 1 });
    expect((await stored(blobs, big.key!)).equals(large)).toBe(true);
  });

  it('answers 502 for base64 that is not an image', async () => {
    const { ctx } = context();
    await expect(deliverImages([base64Image(Base64Text.encode(Buffer.from('hello, not an image')))], 'url', ctx)).rejects.toMatchObject({ status: 502 });
  });
});
