// Issue 15, target 3: thousands of clients waiting at once. The upstream (bench/peers/upstream.ts, its
// own process) answers every generation after `--delay-ms` (20 s: a slow model) and holds as many
// connections as it is given. `--clients` requests are sent at the same moment through one gateway,
// each on its own connection; while they wait, the gateway's health route is probed every 50 ms on a
// separate connection pool, and its RSS sampled every 50 ms. Each gateway gets a fresh process, in
// turn: Easel (gpt-image-2, b64_json), Portkey 1.15.2, the bare Fastify + undici pass-through.
// An Easel answer is "served" when it carries an image; one that outlived Easel's wait budget comes
// back as a pending task instead, counted apart.
//
//   node --import tsx bench/peers/waiting-clients.ts [--clients 2000] [--delay-ms 20000] [--easel-root .]

import os from 'node:os';
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
  const probeAgent = new Agent({ connections: 2 });
  const probeLatencies: number[] = [];
  let probeFailures = 0;
  let running = true;
  const probing = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const res = await request(`${gateway.url}${healthPath}`, { dispatcher: probeAgent, headersTimeout: 30_000 });
        await res.body.dump();
        if (res.statusCode !== 200) probeFailures++;
      } catch {
        probeFailures++;
      }
      const ms = performance.now() - t0;
      probeLatencies.push(ms);
      await new Promise((r) => setTimeout(r, Math.max(0, PROBE_EVERY_MS - ms)));
    }
  })();
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
  running = false;
  await probing;
  const { startMiB, peakMiB } = rss.stop();
  await Promise.all([clients.close(), probeAgent.close(), gateway.stop()]);
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
    probeMax: Math.max(...probeLatencies),
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
console.log('| gateway | served (image) | pending task | errors | first / last answer s | health probes | probe failures | probe p50 / p99 / max ms | RSS before MiB | peak MiB | growth MiB |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const p of phases) {
  const errs = p.errors ? `${p.errors} (${Object.entries(p.statuses).map(([k, v]) => `${k}: ${v}`).join(', ')})` : '0';
  console.log(`| ${p.name} | ${p.served} | ${p.pending} | ${errs} | ${fmt(p.firstMs / 1000, 1)} / ${fmt(p.lastMs / 1000, 1)} | ${p.probes} | ${p.probeFailures} | ${fmt(p.probeP50, 1)} / ${fmt(p.probeP99, 1)} / ${fmt(p.probeMax, 0)} | ${fmt(p.startMiB, 0)} | ${fmt(p.peakMiB, 0)} | ${fmt(p.peakMiB - p.startMiB, 0)} |`);
}
