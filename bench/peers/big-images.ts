// Issue 15, target 2: memory per in-flight big image. The upstream (bench/peers/upstream.ts, its own
// process) answers every gpt-image-2 generation with one 3840×2160 noise PNG of ≈13 MB as b64_json —
// an ≈18 MB JSON body, as OpenAI sends a 4K result. `CONCURRENCY` clients in a closed loop make
// `REQUESTS` calls per phase; each phase gets a fresh gateway process, whose RSS is sampled from
// /proc every 50 ms. Phases: Easel with `response_format: b64_json` (the base64 handed through) and
// `url` (decoded into the blob store, the answer a URL), Portkey 1.15.2 and the bare Fastify + undici
// pass-through (both hand the upstream's body through).
// "In flight" is CONCURRENCY × the upstream's answer: what a gateway holding every answer whole holds.
//
//   node --import tsx bench/peers/big-images.ts [--concurrency 50] [--requests 100] [--easel-root .]

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { freePort } from '../../test/helpers/postgres-cluster.ts';
import { type Started, UPSTREAM_KEY, fmt, machineLine, portkeyHeaders, sampleRss, startBare, startEasel, startPortkey, startUpstream } from './kit.ts';

const { values } = parseArgs({ options: { concurrency: { type: 'string', default: '50' }, requests: { type: 'string', default: '100' }, 'easel-root': { type: 'string', default: '.' } } });
const CONCURRENCY = Number(values.concurrency);
const REQUESTS = Number(values.requests);
const MiB = 1024 * 1024;
const IMAGE = '.tmp/bench-out/noise-3840x2160.png';

/** Noise with 4 significant bits per channel: a PNG that does not compress below ≈13 MB. Made once. */
async function bigPng(): Promise<Buffer> {
  if (existsSync(IMAGE)) return readFileSync(IMAGE);
  const raw = randomBytes(3840 * 2160 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] &= 0xf0;
  const png = await sharp(raw, { raw: { width: 3840, height: 2160, channels: 3 } }).png().toBuffer();
  mkdirSync('.tmp/bench-out', { recursive: true });
  writeFileSync(IMAGE, png);
  return png;
}

interface Phase {
  name: string;
  seconds: number;
  failures: number;
  startMiB: number;
  peakMiB: number;
  answerMiB: number;
}

const client = new Agent({ connections: CONCURRENCY * 2, bodyTimeout: 300_000, headersTimeout: 300_000 });

/** One call, its body read to the end; the answer's size in bytes, or -1 for a failure. */
async function call(url: string, headers: Record<string, string>, body: unknown): Promise<number> {
  try {
    const res = await request(`${url}/v1/images/generations`, { method: 'POST', dispatcher: client, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    return res.statusCode === 200 ? bytes : -1;
  } catch {
    return -1;
  }
}

async function phase(name: string, gateway: Started & { url: string }, headers: Record<string, string>, body: unknown): Promise<Phase> {
  // Warm: one call, so the first call's one-off costs (JIT, pools) are in the baseline.
  await call(gateway.url, headers, body);
  const rss = sampleRss(gateway.pid, 50);
  const start = performance.now();
  let next = 0;
  let failures = 0;
  let answerBytes = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++;
        const bytes = await call(gateway.url, headers, body);
        if (bytes < 0) failures++;
        else answerBytes = bytes;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const { startMiB, peakMiB } = rss.stop();
  await gateway.stop();
  return { name, seconds, failures, startMiB, peakMiB, answerMiB: answerBytes / MiB };
}

const root = values['easel-root'];
const startLine = machineLine(root);
const png = await bigPng();
const upstream = await startUpstream({ image: IMAGE });
const upstreamAnswerMiB = (await (await fetch(`${upstream.url}/v1/images/generations`, { method: 'POST', body: '{}' })).arrayBuffer()).byteLength / MiB;
const gpt = (format: string) => ({ model: 'gpt-image-2', prompt: 'a lighthouse at dawn', size: '3840x2160', quality: 'high', response_format: format });
const upstreamBody = { model: 'gpt-image-2', prompt: 'a lighthouse at dawn', size: '3840x2160', quality: 'high' };
const phases: Phase[] = [];
try {
  const easelB64 = await startEasel({ root, upstream: upstream.url });
  phases.push(await phase('Easel, b64_json', easelB64, { authorization: `Bearer ${easelB64.key}` }, gpt('b64_json')));
  const easelUrl = await startEasel({ root, upstream: upstream.url });
  phases.push(await phase('Easel, url (stored to local disk)', easelUrl, { authorization: `Bearer ${easelUrl.key}` }, gpt('url')));
  const portkey = await startPortkey(await freePort());
  phases.push(await phase('Portkey 1.15.2 (b64 handed through)', portkey, portkeyHeaders(upstream.url), upstreamBody));
  const bare = await startBare(upstream.url);
  phases.push(await phase('bare Fastify + undici (b64 handed through)', bare, { authorization: `Bearer ${UPSTREAM_KEY}` }, upstreamBody));
} finally {
  await upstream.stop();
  await client.close();
}

const inFlightMiB = CONCURRENCY * upstreamAnswerMiB;
console.log(`\n### ${new Date().toISOString().slice(0, 10)}, ${startLine}\n`);
console.log(`PNG ${fmt(png.length / MiB, 1)} MiB (3840×2160 noise), upstream answer ${fmt(upstreamAnswerMiB, 1)} MiB of JSON; ${CONCURRENCY} concurrent, ${REQUESTS} requests per phase; in flight = ${CONCURRENCY} × answer = ${fmt(inFlightMiB, 0)} MiB; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| gateway | s | images/s | failures | answer MiB | RSS before MiB | peak MiB | growth MiB | growth / in flight |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const p of phases) {
  const growth = p.peakMiB - p.startMiB;
  console.log(`| ${p.name} | ${fmt(p.seconds, 1)} | ${fmt((REQUESTS - p.failures) / p.seconds, 1)} | ${p.failures} | ${fmt(p.answerMiB, 2)} | ${fmt(p.startMiB, 0)} | ${fmt(p.peakMiB, 0)} | ${fmt(growth, 0)} | ${fmt(growth / inFlightMiB, 2)} |`);
}
