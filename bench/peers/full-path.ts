// Issue 15, target 1: the tiny-image full path against its peers, side by side in one run. Every peer
// runs in its own process, started here, on one purpose-built upstream answering a 1×1 PNG
// (bench/peers/upstream.ts); autocannon drives each at the same concurrency:
//   (a) the upstream alone                      (b) a bare Fastify + undici pass-through
//   (c) Portkey's gateway 1.15.2 (OpenAI provider, custom host)
//   (d) Easel's whole path: gpt-image-2 b64_json, and dall-e-3 with the upstream's URL stored
//   (e) Easel's dry run (X-Easel-Dry-Run: auth, contract, quote)
//   (f) Easel's whole path on PostgreSQL (a throwaway cluster, test/helpers/postgres-cluster.ts)
//   (g) with --baseline-root: row (d) again from another built tree (an earlier commit), so a change
//       is measured against what it changes in the same run
// CPU per request is each process's utime+stime over the measured window (/proc), divided by the
// requests made in it. Rounds alternate their order so a change of load spreads over every row.
//
//   node --import tsx bench/peers/full-path.ts [--seconds 5] [--warmup 2] [--connections 50] [--rounds 2] [--easel-root .] [--baseline-root DIR] [--no-postgres]

import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort, startPgCluster } from '../../test/helpers/postgres-cluster.ts';
import { type Started, UPSTREAM_KEY, cpuMs, cpuMsOf, fmt, machineLine, portkeyHeaders, postgresPids, startBare, startEasel, startPortkey, startUpstream } from './kit.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
    'easel-root': { type: 'string', default: '.' },
    'baseline-root': { type: 'string' },
    'no-postgres': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);

const GPT = { model: 'gpt-image-2', prompt: 'a lighthouse at dawn', size: '1024x1024', quality: 'low', response_format: 'b64_json' };
const DALLE = { model: 'dall-e-3', prompt: 'a lighthouse at dawn', size: '1024x1024', response_format: 'url' };
/** What the upstream and the pass-throughs are sent: the body a client sends an OpenAI-shaped API. */
const UPSTREAM_BODY = { model: 'gpt-image-2', prompt: GPT.prompt, size: GPT.size, quality: GPT.quality };

interface Target {
  name: string;
  url: string;
  body: unknown;
  headers: Record<string, string>;
  /** The process whose CPU is the row's (the gateway); the upstream's is read beside it. */
  pid?: number;
  /** The database server's processes, for the PostgreSQL row. */
  dbPids?: () => number[];
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpuMsPerReq?: number;
  upstreamCpuMsPerReq: number;
  dbCpuMsPerReq?: number;
}

async function drive(t: Target, seconds: number) {
  return autocannon({
    url: `${t.url}/v1/images/generations`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...t.headers },
    body: JSON.stringify(t.body),
  });
}

async function measure(t: Target, upstreamPid: number): Promise<Measured> {
  await drive(t, WARMUP);
  const cpu0 = t.pid ? cpuMs(t.pid) : 0;
  const up0 = cpuMs(upstreamPid);
  const dbPids = t.dbPids?.() ?? [];
  const db0 = cpuMsOf(dbPids);
  const r = await drive(t, SECONDS);
  const requests = r.requests.total || 1;
  return {
    rps: r.requests.total / SECONDS,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    cpuMsPerReq: t.pid ? (cpuMs(t.pid) - cpu0) / requests : undefined,
    upstreamCpuMsPerReq: (cpuMs(upstreamPid) - up0) / requests,
    dbCpuMsPerReq: t.dbPids ? (cpuMsOf(dbPids) - db0) / requests : undefined,
  };
}

const root = values['easel-root'];
const startLine = machineLine(root);
const started: Started[] = [];
const pg = values['no-postgres'] ? undefined : await startPgCluster();
try {
  const upstream = await startUpstream();
  started.push(upstream);
  const bare = await startBare(upstream.url);
  const portkey = await startPortkey(await freePort());
  const easel = await startEasel({ root, upstream: upstream.url });
  started.push(bare, portkey, easel);
  const easelPg = pg ? await startEasel({ root, upstream: upstream.url, databaseUrl: pg.url }) : undefined;
  if (easelPg) started.push(easelPg);
  const baselineRoot = values['baseline-root'];
  const baseline = baselineRoot ? await startEasel({ root: baselineRoot, upstream: upstream.url }) : undefined;
  if (baseline) started.push(baseline);

  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  const targets: Target[] = [
    { name: '(a) upstream alone', url: upstream.url, body: UPSTREAM_BODY, headers: auth(UPSTREAM_KEY) },
    { name: '(b) bare Fastify + undici pass-through', url: bare.url, body: UPSTREAM_BODY, headers: auth(UPSTREAM_KEY), pid: bare.pid },
    { name: '(c) Portkey 1.15.2', url: portkey.url, body: UPSTREAM_BODY, headers: portkeyHeaders(upstream.url), pid: portkey.pid },
    { name: '(d) Easel full path, gpt-image-2 b64_json (SQLite)', url: easel.url, body: GPT, headers: auth(easel.key), pid: easel.pid },
    { name: '(d) Easel full path, dall-e-3 url stored (SQLite)', url: easel.url, body: DALLE, headers: auth(easel.key), pid: easel.pid },
    { name: '(e) Easel dry run (auth + contract + quote)', url: easel.url, body: GPT, headers: { ...auth(easel.key), 'x-easel-dry-run': '1' }, pid: easel.pid },
  ];
  const pgPort = pg ? Number(new URL(pg.url).port) : 0;
  if (easelPg) targets.push({ name: '(f) Easel full path, gpt-image-2 b64_json (PostgreSQL)', url: easelPg.url, body: GPT, headers: auth(easelPg.key), pid: easelPg.pid, dbPids: () => postgresPids(pgPort) });
  if (baseline) targets.push({ name: `(g) baseline: row (d) b64_json from ${baselineRoot} (at ${machineLine(baselineRoot!).match(/Easel at (\S+)/)?.[1] ?? 'an unknown commit'})`, url: baseline.url, body: GPT, headers: auth(baseline.key), pid: baseline.pid });

  // One unmeasured pass over every target first: Easel's JIT needs more than one short warm-up.
  for (const t of targets) await drive(t, WARMUP);
  const results = new Map<string, Measured[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      results.get(t.name)!.push(await measure(t, upstream.pid));
      process.stderr.write(`round ${round + 1}: ${t.name} done\n`);
    }
  }

  console.log(`\n### ${new Date().toISOString().slice(0, 10)}, ${startLine}\n`);
  console.log(`${CONNECTIONS} connections, ${WARMUP} s warm-up + ${SECONDS} s measured per row, ${ROUNDS} rounds (alternating order); load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log('| path | req/s (each round) | p50 ms | p99 ms | errors | non-2xx | gateway CPU ms/req | upstream CPU ms/req | database server CPU ms/req |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const each = (ms: Measured[], f: (m: Measured) => number | undefined, d: number) => ms.map((m) => fmt(f(m), d)).join(' / ');
  for (const t of targets) {
    const ms = results.get(t.name)!;
    console.log(`| ${t.name} | ${each(ms, (m) => m.rps, 0)} | ${each(ms, (m) => m.p50, 0)} | ${each(ms, (m) => m.p99, 0)} | ${ms.reduce((s, m) => s + m.errors, 0)} | ${ms.reduce((s, m) => s + m.non2xx, 0)} | ${each(ms, (m) => m.cpuMsPerReq, 3)} | ${each(ms, (m) => m.upstreamCpuMsPerReq, 3)} | ${t.dbPids ? each(ms, (m) => m.dbCpuMsPerReq, 3) : '—'} |`);
  }
  const rps = (name: string) => results.get(name)!.map((m) => m.rps);
  const ratio = (num: string, den: string) => rps(num).map((v, i) => `${(v / rps(den)[i]!).toFixed(2)}×`).join(' / ');
  const [a, b, c, dB64, dUrl, e] = targets.map((t) => t.name) as [string, string, string, string, string, string];
  console.log('\n| ratio of req/s (each round) | measured | target |');
  console.log('|---|---|---|');
  console.log(`| Easel full path (gpt-image-2 b64) / Portkey | ${ratio(dB64, c)} | ≥ 3× |`);
  console.log(`| Easel full path (gpt-image-2 b64) / bare pass-through | ${ratio(dB64, b)} | ≥ 0.50× |`);
  console.log(`| Easel full path (dall-e-3 url) / bare pass-through | ${ratio(dUrl, b)} | |`);
  console.log(`| Easel dry run / bare pass-through | ${ratio(e, b)} | ≥ 0.80× |`);
  if (easelPg) console.log(`| Easel full path on PostgreSQL / Portkey | ${ratio(targets[6]!.name, c)} | ≥ 3× |`);
  console.log(`| Portkey / upstream alone | ${ratio(c, a)} | |`);
  const cpu = (name: string) => results.get(name)!.map((m) => m.cpuMsPerReq ?? NaN);
  const cheaper = (num: string, den: string) => cpu(den).map((v, i) => `${(v / cpu(num)[i]!).toFixed(2)}×`).join(' / ');
  console.log(`| CPU per request, Portkey ÷ Easel full path (b64): how many Easel requests one Portkey request's CPU buys | ${cheaper(dB64, c)} | |`);
  console.log(`| CPU per request, bare ÷ Easel full path (b64) | ${cheaper(dB64, b)} | |`);
  console.log(`| CPU per request, bare ÷ Easel dry run | ${cheaper(e, b)} | |`);
  if (baseline) console.log(`| CPU per request, baseline ÷ Easel full path (b64): the change's saving | ${cheaper(dB64, targets[targets.length - 1]!.name)} | |`);
  console.log(`| p99: Easel full path (b64) vs Portkey, ms | ${results.get(dB64)!.map((m, i) => `${fmt(m.p99, 0)} vs ${fmt(results.get(c)![i]!.p99, 0)}`).join(' / ')} | no worse |`);
} finally {
  await Promise.all(started.map((s) => s.stop()));
  pg?.remove();
}
