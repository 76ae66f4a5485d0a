// Issue 15, target 3: thousands of clients waiting at once. The upstream (bench/peers/upstream.ts, its
// own process) answers every generation after `--delay-ms` (20 s: a slow model) and holds as many
// connections as it is given. `--clients` requests are sent at the same moment through one gateway,
// each on its own connection; while they wait, the gateway's health route is probed every 50 ms from a
// process of its own (health-prober.mjs), and its RSS sampled every 50 ms. Each gateway gets a fresh process, in
// turn: Easel (gpt-image-2, b64_json), Portkey 1.15.2, the bare Fastify + undici pass-through.
// An Easel answer is "served" when it carries an image; one that outlived Easel's wait budget comes
// back as a pending task instead, counted apart.
//
//   node --import tsx bench/peers/waiting-clients.ts [--clients 2000] [--delay-ms 20000] [--easel-root .]

import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { freePort } from '../../test/helpers/postgres-cluster.ts';
import { type Started, UPSTREAM_KEY, fmt, machineLine, percentile, portkeyHeaders, sampleRss, startBare, startEasel, startPortkey, startUpstream } from './kit.ts';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '2000' }, 'delay-ms': { type: 'string', default: '20000' }, 'easel-root': { type: 'string', default: '.' } } });
const CLIENTS = Number(values.clients);
const DELAY_MS = Number(values['delay-ms']);
const CLIENT_TIMEOUT_MS = 180_000;
const PROBE_EVERY_MS = 50;

interface Phase {
  name: string;
  served: number;
  pending: number;
  errors: number;
  statuses: Record<string, number>;
  firstMs: number;
  lastMs: number;
  probes: number;
  probeFailures: number;
  probeP50: number;
  probeP99: number;
  probeMax: number;
  /** The worst probe's moment, seconds after the clients were sent. */
  probeMaxAtS: number;
  /** Probes over 50 ms by when they were sent: while requests arrived (first 5 s), waiting, as answers came. */
  slowByWindow: { arriving: number; waiting: number; answering: number };
  startMiB: number;
  peakMiB: number;
}

/** One client's call: "served" (an image), "pending" (a task id), or the status / error name. */
async function call(agent: Agent, url: string, headers: Record<string, string>, body: unknown): Promise<string> {
  try {
    const res = await request(`${url}/v1/images/generations`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await res.body.text();
    if (res.statusCode === 200 && text.includes('"b64_json"')) return 'served';
    if (text.includes('"pending"') || text.includes('task_id')) return 'pending';
    return `HTTP ${res.statusCode}`;
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name;
  }
}

async function phase(name: string, gateway: Started & { url: string }, healthPath: string, headers: Record<string, string>, body: unknown): Promise<Phase> {
  const clients = new Agent({ connections: CLIENTS + 10, pipelining: 1, headersTimeout: CLIENT_TIMEOUT_MS, bodyTimeout: CLIENT_TIMEOUT_MS, connectTimeout: 60_000 });
  const prober = spawn(process.execPath, [path.join(import.meta.dirname, 'health-prober.mjs'), `${gateway.url}${healthPath}`, String(PROBE_EVERY_MS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let proberOut = '';
  prober.stdout.on('data', (chunk: Buffer) => (proberOut += chunk));
  const proberDone = new Promise<void>((resolve) => prober.on('close', () => resolve()));
  // The prober's own start (a few tens of ms) comes before the clients.
  await new Promise((r) => setTimeout(r, 500));
  const rss = sampleRss(gateway.pid, 50);
  const start = performance.now();
  const outcomes = new Map<string, number>();
  const doneAt: number[] = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const outcome = await call(clients, gateway.url, headers, body);
      doneAt.push(performance.now() - start);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }),
  );
  prober.stdin.end();
  await proberDone;
  const { startMiB, peakMiB } = rss.stop();
  await Promise.all([clients.close(), gateway.stop()]);
  // The prober's clock started ~500 ms before the clients were sent; its samples are put on theirs.
  const samples = (JSON.parse(proberOut) as Array<[number, number, boolean]>).map(([at, ms, ok]) => ({ atMs: at - 500, ms, ok }));
  const probeLatencies = samples.map((p) => p.ms);
  const probeFailures = samples.filter((p) => !p.ok).length;
  const firstAnswer = Math.min(...doneAt);
  const slow = samples.filter((p) => p.ms > 50);
  const worst = samples.reduce((a, b) => (b.ms > a.ms ? b : a));
  const served = outcomes.get('served') ?? 0;
  const pending = outcomes.get('pending') ?? 0;
  return {
    name,
    served,
    pending,
    errors: CLIENTS - served - pending,
    statuses: Object.fromEntries([...outcomes].filter(([k]) => k !== 'served' && k !== 'pending')),
    firstMs: Math.min(...doneAt),
    lastMs: Math.max(...doneAt),
    probes: probeLatencies.length,
    probeFailures,
    probeP50: percentile(probeLatencies, 50),
    probeP99: percentile(probeLatencies, 99),
    probeMax: worst.ms,
    probeMaxAtS: worst.atMs / 1000,
    slowByWindow: {
      arriving: slow.filter((p) => p.atMs < 5_000).length,
      waiting: slow.filter((p) => p.atMs >= 5_000 && p.atMs < firstAnswer - 1_000).length,
      answering: slow.filter((p) => p.atMs >= firstAnswer - 1_000).length,
    },
    startMiB,
    peakMiB,
  };
}

const root = values['easel-root'];
const startLine = machineLine(root);
const upstream = await startUpstream({ delayMs: DELAY_MS });
const gpt = { model: 'gpt-image-2', prompt: 'a lighthouse at dawn', size: '1024x1024', quality: 'low', response_format: 'b64_json' };
const upstreamBody = { model: 'gpt-image-2', prompt: gpt.prompt, size: gpt.size, quality: gpt.quality };
const phases: Phase[] = [];
try {
  const easel = await startEasel({ root, upstream: upstream.url });
  phases.push(await phase('Easel (gpt-image-2, b64_json)', easel, '/healthz', { authorization: `Bearer ${easel.key}` }, gpt));
  process.stderr.write('easel phase done\n');
  const portkey = await startPortkey(await freePort());
  phases.push(await phase('Portkey 1.15.2', portkey, '/', portkeyHeaders(upstream.url), upstreamBody));
  process.stderr.write('portkey phase done\n');
  const bare = await startBare(upstream.url, CLIENTS + 10);
  phases.push(await phase('bare Fastify + undici', bare, '/healthz', { authorization: `Bearer ${UPSTREAM_KEY}` }, upstreamBody));
} finally {
  await upstream.stop();
}

console.log(`\n### ${new Date().toISOString().slice(0, 10)}, ${startLine}\n`);
console.log(`${CLIENTS} clients at once, upstream answers after ${DELAY_MS} ms; health probed every ${PROBE_EVERY_MS} ms; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| gateway | served (image) | pending task | errors | first / last answer s | health probes | probe failures | probe p50 / p99 / max ms | worst probe at s | probes > 50 ms: arriving / waiting / answering | RSS before MiB | peak MiB | growth MiB |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const p of phases) {
  const errs = p.errors ? `${p.errors} (${Object.entries(p.statuses).map(([k, v]) => `${k}: ${v}`).join(', ')})` : '0';
  console.log(`| ${p.name} | ${p.served} | ${p.pending} | ${errs} | ${fmt(p.firstMs / 1000, 1)} / ${fmt(p.lastMs / 1000, 1)} | ${p.probes} | ${p.probeFailures} | ${fmt(p.probeP50, 1)} / ${fmt(p.probeP99, 1)} / ${fmt(p.probeMax, 0)} | ${fmt(p.probeMaxAtS, 1)} | ${p.slowByWindow.arriving} / ${p.slowByWindow.waiting} / ${p.slowByWindow.answering} | ${fmt(p.startMiB, 0)} | ${fmt(p.peakMiB, 0)} | ${fmt(p.peakMiB - p.startMiB, 0)} |`);
}
