// URL delivery of a 4K PNG (3840×2160, ≈10 MB) at a fixed concurrency, images on local disk vs in an
// S3 bucket (s3rver), and what it costs Easel in memory.
//
//   node --import tsx bench/storage/url-delivery.ts [--concurrency 50] [--requests 200]
//
// For each store, a fresh `easel serve` (its own process, so its RSS is its own) with one OpenAI
// channel pointing at an upstream in this process. That upstream answers every generation with a
// URL to the same PNG, which it serves with its Content-Length, so Easel takes its streaming path
// (download → BlobStore.putStream: a file on disk, or a multipart upload). Two phases, each with
// `concurrency` clients in a closed loop for `requests` requests:
//   create: POST /v1/images/generations (gpt-image-2, 3840x2160, response_format url): the image
//           travels upstream → Easel → store;
//   fetch:  GET of each returned URL (serve mode: Easel's /media, read from the store).
// Bytes/s is image bytes moved per second of the phase. Each phase runs in a fresh Easel process
// (warmed by 3 requests); its RSS is sampled from /proc every 20 ms, and its growth is the peak minus
// the RSS before the phase, set against the bytes in flight
// (concurrency × image size: what the phase would hold if every request held its image whole).
// The goal is growth ≤ 2 × bytes in flight.

import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { tempDir } from '../../test/helpers/databases.ts';
import { type EaselProcess, spawnEasel } from '../../test/helpers/process.ts';
import { startS3Server } from '../../test/helpers/s3.ts';

const { values } = parseArgs({ options: { concurrency: { type: 'string', default: '50' }, requests: { type: 'string', default: '200' } } });
const CONCURRENCY = Number(values.concurrency);
const REQUESTS = Number(values.requests);
const WIDTH = 3840;
const HEIGHT = 2160;
const MiB = 1024 * 1024;

/** Noise with 3 significant bits per channel: a PNG that does not compress below ≈10 MB. */
async function fourKPng(): Promise<Buffer> {
  const raw = randomBytes(WIDTH * HEIGHT * 3);
  for (let i = 0; i < raw.length; i++) raw[i] &= 0xe0;
  return sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png().toBuffer();
}

/** OpenAI's generations answer with one URL; the URL serves the PNG. No auth: it is a bench. */
async function startUpstream(png: Buffer): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method === 'POST') {
      req.resume();
      req.on('end', () => {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/img/${randomBytes(8).toString('hex')}.png`;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ created: Math.floor(Date.now() / 1000), data: [{ url }] }));
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

interface Phase {
  seconds: number;
  bytesPerSecond: number;
  rssBefore: number;
  rssPeak: number;
  failures: number;
}

/** `concurrency` workers share `REQUESTS` jobs; RSS sampled throughout. */
async function phase(pid: number, job: (i: number) => Promise<number>): Promise<Phase> {
  const rssBefore = rssBytes(pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid))), 20);
  let next = 0;
  let bytes = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        try {
          // Not `bytes += await ...`: that reads `bytes` before the await and loses the other workers' additions.
          const moved = await job(i);
          bytes += moved;
        } catch (err) {
          failures++;
          if (failures <= 3) console.error(`request ${i} failed: ${(err as Error).message}`);
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, rssBytes(pid));
  return { seconds, bytesPerSecond: bytes / seconds, rssBefore, rssPeak, failures };
}

/** Reads a body to its end without keeping it; returns its length. */
async function drain(res: Response): Promise<number> {
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) n += chunk.length;
  return n;
}

/** A fresh `easel serve` on the data folder: each phase measures a process of its own. */
async function startEasel(dataDir: string, storage: Record<string, unknown> | undefined, upstream: string): Promise<EaselProcess> {
  return spawnEasel(dataDir, {
    log_level: 'info',
    bootstrap: { starter_credit_usd: '1000000' },
    limits: { requests_per_minute: 0 },
    ...(storage ? { storage } : {}),
    channels: [{ id: 'upstream', provider: 'openai', base_url: `${upstream}/v1`, api_key: 'sk-bench', models: ['gpt-image-2'] }],
  });
}

async function runStore(name: string, storage: Record<string, unknown> | undefined, upstream: string, imageBytes: number) {
  const dataDir = tempDir('easel-bench-storage-');
  let easel = await startEasel(dataDir, storage, upstream);
  const key = /API key:\s+(sk-\S+)/.exec(easel.output())?.[1];
  if (!key) throw new Error(`no starter key in:\n${easel.output().slice(-2000)}`);
  const paths: string[] = [];
  const create = async (i: number) => {
    const res = await fetch(`${easel.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-2', prompt: 'a 4K lighthouse', size: `${WIDTH}x${HEIGHT}`, quality: 'low', response_format: 'url' }),
    });
    const body = (await res.json()) as { data?: Array<{ url: string }>; error?: { code: string } };
    if (res.status !== 200 || !body.data?.[0]) throw new Error(`create ${res.status} ${JSON.stringify(body.error)}`);
    paths[i] = new URL(body.data[0].url).pathname;
    return imageBytes;
  };
  const fetchOne = async (i: number) => {
    const res = await fetch(`${easel.url}${paths[i]}`);
    if (res.status !== 200) throw new Error(`fetch ${res.status}`);
    const n = await drain(res);
    if (n !== imageBytes) throw new Error(`fetched ${n} bytes, not ${imageBytes}`);
    return n;
  };
  try {
    // Warm-up: connections, JIT, the first multipart upload.
    for (let i = 0; i < 3; i++) await create(i);
    await new Promise((r) => setTimeout(r, 500));
    const created = await phase(easel.child.pid!, create);
    // The fetch phase in a process of its own: the create phase's heap would hide its growth.
    await easel.kill('SIGTERM');
    easel = await startEasel(dataDir, storage, upstream);
    for (let i = 0; i < 3; i++) await fetchOne(i);
    await new Promise((r) => setTimeout(r, 500));
    const fetched = await phase(easel.child.pid!, fetchOne);
    return { name, created, fetched };
  } finally {
    await easel.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const png = await fourKPng();
const upstream = await startUpstream(png);
const s3 = await startS3Server({ bucket: 'easel-bench' });
const inFlight = CONCURRENCY * png.length;
const results = [];
try {
  results.push(await runStore('local disk', undefined, upstream.url, png.length));
  results.push(await runStore('s3rver (S3 API, multipart)', s3.storageConfig({ prefix: 'bench/' }), upstream.url, png.length));
} finally {
  upstream.server.close();
  await s3.close();
}

const mb = (n: number) => (n / MiB).toFixed(0);
console.log(`\n${CONCURRENCY} concurrent, ${REQUESTS} requests per phase, image ${WIDTH}x${HEIGHT} PNG of ${(png.length / MiB).toFixed(1)} MiB; bytes in flight ${mb(inFlight)} MiB; ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);
console.log('| store | phase | MiB/s | images/s | s | failures | Easel RSS before MiB | peak MiB | growth MiB | growth / in flight |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  for (const [label, p] of [['create (upstream → store)', r.created], ['fetch (/media from store)', r.fetched]] as const) {
    const growth = p.rssPeak - p.rssBefore;
    console.log(
      `| ${r.name} | ${label} | ${(p.bytesPerSecond / MiB).toFixed(0)} | ${(p.bytesPerSecond / png.length).toFixed(1)} | ${p.seconds.toFixed(1)} | ${p.failures} | ${mb(p.rssBefore)} | ${mb(p.rssPeak)} | ${mb(growth)} | ${(growth / inFlight).toFixed(2)} |`,
    );
  }
}
