// What the peer benchmarks share: starting each peer in its own process (the purpose-built upstream,
// the bare Fastify + undici pass-through, Portkey's gateway, Easel), reading a process's CPU time and
// RSS from /proc, and the machine line every recorded result starts with.
//
// Easel runs from `--easel-root` (default: this checkout): a folder with bin/easel.mjs and a built
// dist/. Benchmarking a commit while someone edits src/ means a clean copy of it, built:
//   git archive HEAD | tar -x -C .tmp/bench-tree && ln -s "$PWD/node_modules" .tmp/bench-tree/ && (cd .tmp/bench-tree && node scripts/build.mjs)

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

export const UPSTREAM_KEY = 'sk-bench-upstream-0123456789';
export const PORTKEY_VERSION = '1.15.2';
const PEERS_DIR = path.resolve('.tmp/peers');
const START_TIMEOUT_MS = 90_000;

export interface Started {
  child: ChildProcess;
  pid: number;
  match: RegExpExecArray[];
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Spawns `node ...args` and resolves once every `ready` pattern has matched its stdout+stderr. A
 * process that exits first, or takes longer than START_TIMEOUT_MS, is an error carrying its output.
 */
export function startNode(args: string[], ready: RegExp[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<Started> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(forced);
  };
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      // Keep only the start of the output: a long run's logs must not pile up here.
      if (out.length > 64 * 1024) out = out.slice(0, 64 * 1024);
      const matches = ready.map((r) => r.exec(out));
      if (matches.every((m) => m)) resolve({ child, pid: child.pid!, match: matches as RegExpExecArray[], output: () => out, stop });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`node ${args.join(' ')} exited ${code}:\n${out}`)));
    setTimeout(() => reject(new Error(`timeout starting node ${args.join(' ')}:\n${out}`)), START_TIMEOUT_MS).unref();
  });
}

/** utime + stime of a process in ms (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The PostgreSQL server listening on `port` and its backends: pids whose CPU belongs to a database row. */
export function postgresPids(port: number): number[] {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const postmaster = pids.find((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return cmd[0]?.endsWith('postgres') && cmd.join(' ').includes(`-p ${port}`);
    } catch {
      return false;
    }
  });
  if (postmaster === undefined) return [];
  return [postmaster, ...pids.filter((pid) => {
    try {
      return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === postmaster;
    } catch {
      return false;
    }
  })];
}

/** Summed utime + stime of processes that may have exited meanwhile (counted as 0 then). */
export function cpuMsOf(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuMs(pid);
    } catch {
      // Gone: a backend that closed; its CPU is lost to the sum, which then reads low.
    }
  }
  return total;
}

/** Resident set size of a process in MiB (/proc/PID/status VmRSS). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Samples RSS every `everyMs`; `stop()` gives the RSS at the start and the peak. */
export function sampleRss(pid: number, everyMs = 50): { stop: () => { startMiB: number; peakMiB: number } } {
  const startMiB = rssMiB(pid);
  let peakMiB = startMiB;
  const timer = setInterval(() => {
    try {
      peakMiB = Math.max(peakMiB, rssMiB(pid));
    } catch {
      // The process is gone; its peak so far stands.
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      try {
        peakMiB = Math.max(peakMiB, rssMiB(pid));
      } catch {
        // As above.
      }
      return { startMiB, peakMiB };
    },
  };
}

/** The purpose-built upstream (bench/peers/upstream.ts) in its own process. */
export async function startUpstream(opts: { image?: string; delayMs?: number } = {}): Promise<Started & { url: string }> {
  const args = ['--import', 'tsx', 'bench/peers/upstream.ts'];
  if (opts.image) args.push('--image', opts.image);
  if (opts.delayMs) args.push('--delay-ms', String(opts.delayMs));
  const started = await startNode(args, [/upstream listening on (http:\/\/\S+)/]);
  return { ...started, url: started.match[0]![1]! };
}

/** The bare Fastify + undici pass-through (bench/peers/bare-passthrough.ts). */
export async function startBare(upstream: string, connections = 128): Promise<Started & { url: string }> {
  const started = await startNode(['--import', 'tsx', 'bench/peers/bare-passthrough.ts', '--upstream', upstream, '--connections', String(connections)], [/listening on (http:\/\/\S+)/]);
  return { ...started, url: started.match[0]![1]! };
}

/** Installs Portkey's gateway into .tmp/peers once (the npm registry, its ordinary client). */
function portkeyEntry(): string {
  const entry = path.join(PEERS_DIR, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  if (!existsSync(entry)) execFileSync('npm', ['install', '--prefix', PEERS_DIR, `@portkey-ai/gateway@${PORTKEY_VERSION}`, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  return entry;
}

/**
 * Portkey's gateway as its README starts it (`npx @portkey-ai/gateway`: build/start-server.js), on a
 * port of ours, headless. It refuses custom hosts on loopback unless TRUSTED_CUSTOM_HOSTS names them.
 * Requests name the upstream per call: x-portkey-provider: openai, x-portkey-custom-host: <upstream>/v1.
 */
export async function startPortkey(port: number): Promise<Started & { url: string }> {
  const started = await startNode([portkeyEntry(), `--port=${port}`, '--headless'], [/Ready for connections/], { env: { TRUSTED_CUSTOM_HOSTS: '127.0.0.1,localhost', NODE_ENV: 'production' } });
  return { ...started, url: `http://127.0.0.1:${port}` };
}

/** The headers a request through Portkey carries to reach `upstream` with the OpenAI provider. */
export function portkeyHeaders(upstream: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream}/v1`, authorization: `Bearer ${UPSTREAM_KEY}` };
}

export interface EaselOptions {
  root: string;
  upstream: string;
  /** postgres://... ; unset: SQLite in a fresh data folder. */
  databaseUrl?: string;
  /** Node flags before bin/easel.mjs (--cpu-prof ...). */
  nodeArgs?: string[];
  /** Merged over the defaults below (tasks, limits, extra channels). */
  config?: Record<string, unknown>;
  /** Channels replacing the one OpenAI channel to `upstream`. */
  channels?: unknown[];
  /** More environment for the process. */
  env?: Record<string, string>;
  /** Leave the data folder when stopped (default: deleted with the process). */
  keepData?: boolean;
}

/**
 * `easel serve` from `root` on a fresh data folder with one OpenAI channel to `upstream` (dall-e-3
 * asked for URLs, gpt-image-2 answering b64), the per-key limit off (the load comes from one key),
 * logs at warn. Resolves with its URL and the starter key printed at the first start.
 */
export async function startEasel(opts: EaselOptions): Promise<Started & { url: string; key: string; dataDir: string }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'easel-peers-'));
  const config = path.join(dataDir, 'easel.yaml');
  const base: Record<string, unknown> = {
    host: '127.0.0.1',
    port: 0,
    data_dir: dataDir,
    log_level: 'warn',
    bootstrap: { starter_credit_usd: '100000000' },
    limits: { requests_per_minute: 0 },
    channels: opts.channels ?? [{ id: 'openai', provider: 'openai', base_url: `${opts.upstream}/v1`, api_key: UPSTREAM_KEY, models: ['dall-e-3', 'gpt-image-2'], options: { upstream_response_format: 'url' } }],
  };
  if (opts.databaseUrl) base.database_url = opts.databaseUrl;
  const merged = { ...base, ...opts.config, limits: { ...(base.limits as object), ...((opts.config?.limits as object) ?? {}) } };
  writeFileSync(config, stringify(merged));
  const started = await startNode([...(opts.nodeArgs ?? []), path.join(opts.root, 'bin/easel.mjs'), 'serve'], [/API key:\s+(sk-\S+)/, /curl -s (http:\/\/\S+)\/v1/], {
    env: { EASEL_CONFIG: config, EASEL_LOG_LEVEL: 'warn', ...opts.env },
  });
  if (/through tsx/.test(started.output())) process.stderr.write(`note: ${opts.root}/bin/easel.mjs runs the sources through tsx (dist/ not current)\n`);
  const stop = async () => {
    await started.stop();
    if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  return { ...started, stop, key: started.match[0]![1]!, url: started.match[1]![1]!, dataDir };
}

/** The machine, the load and the commit: the line every recorded result starts with. */
export function machineLine(root: string): string {
  const cpus = os.cpus();
  let commit = 'unknown';
  const stamp = path.join(root, 'COMMIT');
  if (existsSync(stamp)) commit = readFileSync(stamp, 'utf8').trim();
  else {
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      // Not a checkout.
    }
  }
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.version}, Easel at ${commit} (${root}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const fmt = (n: number | undefined, digits = 1): string => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits));
