// Cold start: how long from spawning `easel serve` on an empty data folder (migrations, the starter
// account, the admin token: a first start) to the first 200 from /readyz, and how long `easel --help`
// takes from spawn to exit; each beside `node -e 0`, the floor of any Node process on this machine.
// Rows for the compiled build (bin/easel.mjs running dist/; build it first: a run that finds it ran
// the sources instead stops) and for the sources through tsx the way bin/easel.mjs ran them before
// dist/ existed; for `serve` also the process's CPU time until ready, which a busy machine inflates
// less than the wall time (tsx keeps its compiled files in a cache of its own, so after the first
// round that row is tsx's loader, not a compile). The modes take turns within each round so a change
// of load on a shared machine spreads over all of them.
// A restart with `--stored-tasks N` (default 10,000) finished tasks in its database (issue 15, target
// 5): a template data folder is filled once through the API (one OpenAI channel to the 1×1 PNG
// upstream of bench/peers/upstream.ts, N gpt-image-2 creates), then each round copies it and times
// the dist/ `serve` on the copy. `--easel-root DIR` runs bin/easel.mjs (and the sources) from DIR, a
// built copy of a commit, while src/ here is being edited.
//
//   npm run build && npm run bench:startup -- [--runs 10] [--stored-tasks 10000] [--easel-root .]

import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { UPSTREAM_KEY, startEasel, startUpstream } from '../peers/kit.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, 'stored-tasks': { type: 'string', default: '10000' }, 'easel-root': { type: 'string', default: '.' } } });
const RUNS = Number(values.runs);
const STORED_TASKS = Number(values['stored-tasks']);
const ROOT = path.resolve(values['easel-root']);
const READY_TIMEOUT_MS = 30_000;

/** The old bin/easel.mjs: tsx's loader registered, the TypeScript entry imported. */
const THROUGH_TSX = [
  '--input-type=module',
  '-e',
  "const { register } = await import('tsx/esm/api'); register(); const { main } = await import('./src/cli/main.ts'); process.exit(await main(process.argv.slice(1)));",
  '--', // what follows is Easel's, not Node's (`--help`)
];

interface Mode {
  name: string;
  /** Node's arguments before Easel's own (`serve`, `--help`). */
  node: string[];
}

const MODES: Mode[] = [
  { name: 'dist (bin/easel.mjs)', node: ['bin/easel.mjs'] },
  { name: 'sources through tsx', node: THROUGH_TSX },
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Its stderr so far; a dist/ row that ran the sources instead (src/ edited since the build) is an error. */
function stderrOf(child: ChildProcess): () => string {
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return () => {
    if (stderr.includes('through tsx')) throw new Error(`bin/easel.mjs ran the sources, not dist/: ${stderr.trim()}\nrun \`npm run build\` (and leave src/ alone while it runs)`);
    return stderr;
  };
}

/** Spawn to exit, in ms; a failed run is an error, not a fast one. */
async function timeExit(args: string[]): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = stderrOf(child);
  const code = await exited(child);
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}: ${stderr()}`);
  stderr();
  return ms;
}

/** utime + stime of a running process in ms (Linux /proc; clock ticks are 1/100 s there). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function ready(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * A data folder holding `tasks` finished tasks, made once through the API: `easel serve` from ROOT
 * with one OpenAI channel to the 1×1 PNG upstream, `tasks` gpt-image-2 creates (each a task row).
 */
async function storedTasksTemplate(tasks: number): Promise<string> {
  const upstream = await startUpstream();
  const easel = await startEasel({ root: ROOT, upstream: upstream.url, keepData: true });
  try {
    const r = await autocannon({
      url: `${easel.url}/v1/images/generations`,
      method: 'POST',
      connections: 16,
      amount: tasks,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${easel.key}` },
      body: JSON.stringify({ model: 'gpt-image-2', prompt: 'a lighthouse at dawn', size: '1024x1024', quality: 'low', response_format: 'b64_json' }),
    });
    if (r.non2xx || r.errors || r['2xx'] !== tasks) throw new Error(`filling the template: ${r['2xx']} of ${tasks} answered 2xx (${r.non2xx} non-2xx, ${r.errors} errors)`);
  } finally {
    await easel.stop();
    await upstream.stop();
  }
  process.stderr.write(`template with ${tasks} stored tasks in ${easel.dataDir} (upstream key ${UPSTREAM_KEY.slice(0, 8)}…)\n`);
  return easel.dataDir;
}

/** Spawn of `serve` on a fresh data folder (or a copy of `template`) to the first 200 from /readyz: wall and CPU ms. */
async function timeReady(mode: Mode, template?: string): Promise<{ wall: number; cpu: number }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'easel-cold-'));
  if (template) cpSync(template, dataDir, { recursive: true });
  const port = await freePort();
  const config = path.join(dataDir, 'easel.yaml');
  writeFileSync(config, stringify({ host: '127.0.0.1', port, data_dir: dataDir, log_level: 'warn' }));
  const start = performance.now();
  const child = spawn(process.execPath, [...mode.node, 'serve'], { cwd: ROOT, env: { ...process.env, EASEL_CONFIG: config }, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = stderrOf(child);
  const stopped = exited(child);
  let gone = false;
  void stopped.then(() => (gone = true));
  try {
    for (;;) {
      if (await ready(`http://127.0.0.1:${port}/readyz`)) {
        const wall = performance.now() - start;
        stderr();
        return { wall, cpu: cpuMs(child.pid!) };
      }
      if (gone) throw new Error(`${mode.name}: serve exited before /readyz answered:\n${stderr()}`);
      if (performance.now() - start > READY_TIMEOUT_MS) throw new Error(`${mode.name}: /readyz not 200 within ${READY_TIMEOUT_MS} ms:\n${stderr()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await stopped;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return `${Math.round(median)} | ${Math.round(sorted[0])} | ${Math.round(sorted[sorted.length - 1])}`;
}

async function main(): Promise<void> {
  const rows = new Map<string, number[]>();
  const add = (row: string, ms: number) => rows.set(row, [...(rows.get(row) ?? []), ms]);
  const template = STORED_TASKS > 0 ? await storedTasksTemplate(STORED_TASKS) : undefined;
  for (let round = 0; round < RUNS; round++) {
    add('`node -e 0`', await timeExit(['-e', '0']));
    for (const mode of MODES) {
      add(`${mode.name}: \`easel --help\` (spawn → exit)`, await timeExit([...mode.node, '--help']));
      const serve = await timeReady(mode);
      add(`${mode.name}: \`easel serve\` (spawn → /readyz 200)`, serve.wall);
      add(`${mode.name}: \`easel serve\`, its CPU time until ready`, serve.cpu);
    }
    if (template) {
      const stored = await timeReady(MODES[0]!, template);
      add(`${MODES[0]!.name}: \`easel serve\` with ${STORED_TASKS} stored tasks (spawn → /readyz 200)`, stored.wall);
      add(`${MODES[0]!.name}: \`easel serve\` with ${STORED_TASKS} stored tasks, its CPU time until ready`, stored.cpu);
    }
    process.stderr.write(`round ${round + 1}/${RUNS}\n`);
  }
  const cpus = os.cpus();
  console.log(`${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.release()}, Node ${process.version}, load ${os.loadavg()[0].toFixed(2)} at the end; ${RUNS} runs each, ms:\n`);
  if (template) rmSync(template, { recursive: true, force: true });
  console.log('| what | median | min | max |');
  console.log('|---|---|---|---|');
  for (const [row, ms] of rows) console.log(`| ${row} | ${summary(ms)} |`);
}

await main();
