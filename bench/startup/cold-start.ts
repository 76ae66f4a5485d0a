// Cold start: how long from spawning `easel serve` on an empty data folder (migrations, the starter
// account, the admin token: a first start) to the first 200 from /readyz, and how long `easel --help`
// takes from spawn to exit; each beside `node -e 0`, the floor of any Node process on this machine.
// Rows for the compiled build (bin/easel.mjs running dist/; build it first: a run that finds it ran
// the sources instead stops) and for the sources through tsx the way bin/easel.mjs ran them before
// dist/ existed; for `serve` also the process's CPU time until ready, which a busy machine inflates
// less than the wall time (tsx keeps its compiled files in a cache of its own, so after the first
// round that row is tsx's loader, not a compile). The modes take turns within each round so a change
// of load on a shared machine spreads over all of them.
//
//   npm run build && npm run bench:startup -- [--runs 10]

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const RUNS = Number(values.runs);
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
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
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

/** Spawn of `serve` on a fresh data folder to the first 200 from /readyz: wall and CPU ms. */
async function timeReady(mode: Mode): Promise<{ wall: number; cpu: number }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'easel-cold-'));
  const port = await freePort();
  const config = path.join(dataDir, 'easel.yaml');
  writeFileSync(config, stringify({ host: '127.0.0.1', port, data_dir: dataDir, log_level: 'warn' }));
  const start = performance.now();
  const child = spawn(process.execPath, [...mode.node, 'serve'], { env: { ...process.env, EASEL_CONFIG: config }, stdio: ['ignore', 'ignore', 'pipe'] });
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
  for (let round = 0; round < RUNS; round++) {
    add('`node -e 0`', await timeExit(['-e', '0']));
    for (const mode of MODES) {
      add(`${mode.name}: \`easel --help\` (spawn → exit)`, await timeExit([...mode.node, '--help']));
      const serve = await timeReady(mode);
      add(`${mode.name}: \`easel serve\` (spawn → /readyz 200)`, serve.wall);
      add(`${mode.name}: \`easel serve\`, its CPU time until ready`, serve.cpu);
    }
    process.stderr.write(`round ${round + 1}/${RUNS}\n`);
  }
  const cpus = os.cpus();
  console.log(`${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.release()}, Node ${process.version}, load ${os.loadavg()[0].toFixed(2)} at the end; ${RUNS} runs each, ms:\n`);
  console.log('| what | median | min | max |');
  console.log('|---|---|---|---|');
  for (const [row, ms] of rows) console.log(`| ${row} | ${summary(ms)} |`);
}

await main();
