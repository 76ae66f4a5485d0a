// Easel's overhead over an upstream: autocannon at a fixed concurrency on 127.0.0.1, bounded in time.
//   (a) the OpenAI emulator directly
//   (b) through Easel: dall-e-3 with the upstream answering a URL (Easel downloads and stores it),
//       and gpt-image-2 with b64_json (upstream b64 passed through)
//   (c) through Easel with X-Easel-Dry-Run: auth, contract and quote only — Easel's fixed cost
// Easel and the emulator run as separate processes; Easel's CPU per request is read from /proc.
//
//   npm run bench -- [--seconds 10] [--connections 16]

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { stringify } from 'yaml';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '16' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const OPENAI_KEY = 'sk-test-openai-emulator-4f1c2a';

function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ child, match: m, output: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}:\n${out}`)));
    setTimeout(() => reject(new Error(`timeout starting ${args.join(' ')}:\n${out}`)), 60_000).unref();
  });
}

/** utime + stime of a process in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // Fields 14 and 15 of /proc/PID/stat (0-based 11 and 12 after the command name) are in clock ticks (100/s).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpuMsPerReq?: number;
}

async function load(name: string, url: string, body: unknown, headers: Record<string, string>, pid?: number): Promise<Row> {
  // Warm up briefly so connection pools and JIT are in their steady state.
  await autocannon({ url, method: 'POST', connections: CONNECTIONS, duration: 2, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const cpuBefore = pid ? cpuSeconds(pid) : 0;
  const r = await autocannon({ url, method: 'POST', connections: CONNECTIONS, duration: SECONDS, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const cpu = pid ? cpuSeconds(pid) - cpuBefore : 0;
  const requests = r.requests.total;
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    cpuMsPerReq: pid && requests ? (cpu * 1000) / requests : undefined,
  };
}

const emulator = await start(['--import', 'tsx', 'test/emulators/run.ts', 'openai', '--port', '0'], {}, /listening on (http:\/\/\S+)/);
const upstream = emulator.match[1];
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'easel-bench-'));
const config = path.join(dataDir, 'easel.yaml');
writeFileSync(
  config,
  stringify({
    host: '127.0.0.1',
    port: 0,
    data_dir: dataDir,
    log_level: 'warn',
    bootstrap: { starter_credit_usd: '1000000' },
    // The load comes from one key: the per-key request limit would turn it into 429s.
    limits: { requests_per_minute: 0 },
    channels: [{ id: 'openai', provider: 'openai', base_url: `${upstream}/v1`, api_key: OPENAI_KEY, models: ['dall-e-3', 'gpt-image-2'], options: { upstream_response_format: 'url' } }],
  }),
);
const easel = await start(['bin/easel.mjs', 'serve'], { EASEL_CONFIG: config, EASEL_LOG_LEVEL: 'warn' }, /API key:\s+(sk-[A-Za-z0-9]+)[\s\S]*?curl -s (http:\/\/\S+)\/v1/);
const [, key, easelUrl] = easel.match;
const auth = { authorization: `Bearer ${key}` };
const pid = easel.child.pid!;

const dalle = { model: 'dall-e-3', prompt: 'a lighthouse at dawn', size: '1024x1024' };
const gpt = { model: 'gpt-image-2', prompt: 'a lighthouse at dawn', size: '1024x1024', quality: 'low', response_format: 'b64_json' };
const rows: Row[] = [];
try {
  rows.push(await load('(a) emulator direct, dall-e-3 url', `${upstream}/v1/images/generations`, { ...dalle, response_format: 'url' }, { authorization: `Bearer ${OPENAI_KEY}` }));
  rows.push(await load('(a) emulator direct, gpt-image-2 b64', `${upstream}/v1/images/generations`, { model: 'gpt-image-2', prompt: gpt.prompt, size: gpt.size, quality: 'low' }, { authorization: `Bearer ${OPENAI_KEY}` }));
  rows.push(await load('(b) Easel, dall-e-3, url from upstream', `${easelUrl}/v1/images/generations`, dalle, auth, pid));
  rows.push(await load('(b) Easel, gpt-image-2, b64_json', `${easelUrl}/v1/images/generations`, gpt, auth, pid));
  rows.push(await load('(c) Easel, dry run (auth + contract + quote)', `${easelUrl}/v1/images/generations`, dalle, { ...auth, 'x-easel-dry-run': '1' }, pid));
} finally {
  easel.child.kill('SIGTERM');
  emulator.child.kill('SIGTERM');
}

const fmt = (n: number | undefined, d = 1) => (n === undefined ? '—' : n.toFixed(d));
console.log(`\n${CONNECTIONS} connections, ${SECONDS} s each, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);
console.log('| path | req/s | p50 ms | p99 ms | errors | non-2xx | Easel CPU ms/req |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${fmt(r.rps, 0)} | ${fmt(r.p50, 0)} | ${fmt(r.p99, 0)} | ${r.errors} | ${r.non2xx} | ${fmt(r.cpuMsPerReq, 2)} |`);
