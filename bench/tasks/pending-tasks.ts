// Issue 15, target 4: many pending tasks. The BFL emulator (test/emulators/bfl.ts, in this process)
// holds every task Pending (pendingPolls far past any run) and accepts any number of active tasks;
// `easel serve` (its own process, default task settings, a BFL channel to the emulator) gets N
// `async: true` flux-pro creates. Once they are all submitted, measured windows starting `--at`
// seconds after the last create (a young backlog, and one minutes old): Easel's CPU (/proc) as a share
// of one core, and the polls the emulator saw, against the rate Easel's own schedule asks for tasks of
// that age (src/tasks/poll-schedule.ts of the tree measured: BFL's 0.5 s backed off ×1.3 a poll to
// 15 s, the cap growing past a minute to a quarter of the task's age, up to 60 s; a tree without that
// file is the older fixed 15 s cap). Each task's gaps between polls are sampled (every 250 ms) and
// set against the nominal wait the schedule gave it: their spread shows the polls are paced as asked,
// neither early nor starved. Then a few tasks are made Ready at the emulator and timed until Easel
// shows them completed: within the poll interval they are on (+ 20 % jitter) is the goal.
// Sizes run in turn, each on a fresh emulator and Easel.
//
//   node --import tsx bench/tasks/pending-tasks.ts [--sizes 1000,10000] [--at 20,180] [--seconds 30] [--easel-root .] [--cpu-prof DIR] [--count-sql FILE]
//
// --count-sql FILE preloads bench/profile/sql-counter.mjs into Easel and writes, for the last window of
// each size, every SQLite statement Easel ran with its count and native time (FILE gets the size
// appended: FILE.10000.json).

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { BFL_TEST_KEY, BflEmulator } from '../../test/emulators/bfl.ts';
import { cpuMs, fmt, machineLine, rssMiB, startEasel } from '../peers/kit.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    at: { type: 'string', default: '20,180' },
    seconds: { type: 'string', default: '30' },
    probes: { type: 'string', default: '5' },
    'easel-root': { type: 'string', default: '.' },
    /** A folder for a V8 CPU profile of Easel (node --cpu-prof), written when it stops. */
    'cpu-prof': { type: 'string' },
    'count-sql': { type: 'string' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const WINDOWS_AT_S = values.at.split(',').map(Number);
const WINDOW_S = Number(values.seconds);
const PROBES = Number(values.probes);
const countSql = values['count-sql'];
/** BFL's adapter pace (src/providers/bfl/adapter.ts). */
const BFL_BASE_MS = 500;
/** How often each task's poll count is sampled to find its gaps between polls. */
const SAMPLE_MS = 250;
const READY_GIVE_UP_MS = 120_000;
const CREATE_CONCURRENCY = 50;
const NEVER = 1e12;

const http = new Agent({ connections: CREATE_CONCURRENCY + 10 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The nominal wait after a task's `polls`-th poll at `ageMs`, as the tree measured schedules it. */
type Schedule = (polls: number, ageMs: number) => number;

async function scheduleOf(root: string): Promise<{ schedule: Schedule; name: string }> {
  const file = path.resolve(root, 'src/tasks/poll-schedule.ts');
  if (existsSync(file)) {
    const mod = (await import(file)) as typeof import('../../src/tasks/poll-schedule.ts');
    return { schedule: (polls, ageMs) => mod.nominalPollDelayMs({ baseMs: BFL_BASE_MS }, polls, ageMs), name: 'age-grown cap (src/tasks/poll-schedule.ts)' };
  }
  return { schedule: (polls) => Math.min(15_000, BFL_BASE_MS * 1.3 ** Math.min(polls, 20)), name: 'fixed 15 s cap' };
}

interface Window {
  atS: number;
  cpuPercent: number;
  pollsPerS: number;
  askedPollsPerS: number;
  /** Each observed gap between two polls of a task ÷ the nominal wait the schedule gave it. */
  gapRatios: number[];
  medianNominalS: number;
}

interface Result {
  tasks: number;
  createS: number;
  createFailures: number;
  windows: Window[];
  readyMs: number[];
  readyNominalS: number[];
  rssMiB: number;
}

function totalPolls(bfl: BflEmulator): number {
  let n = 0;
  for (const task of bfl.tasks.values()) n += task.polls;
  return n;
}

async function json(url: string, init: { method?: 'GET' | 'POST'; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: any }> {
  const res = await request(url, { ...init, dispatcher: http });
  return { status: res.statusCode, body: await res.body.json() };
}

/** Polls seen and each task's gaps over one window, the emulator's counts sampled every SAMPLE_MS. */
async function measureWindow(bfl: BflEmulator, pid: number, seconds: number, schedule: Schedule, atS: number): Promise<Window> {
  const lastChange = new Map<string, { polls: number; at: number }>();
  const gapRatios: number[] = [];
  let asked = 0;
  const nominals: number[] = [];
  const now0 = Date.now();
  for (const t of bfl.tasks.values()) {
    lastChange.set(t.id, { polls: t.polls, at: NaN });
    const nominal = schedule(t.polls, now0 - t.startedAt * 1000);
    asked += 1000 / nominal;
    nominals.push(nominal);
  }
  nominals.sort((a, b) => a - b);
  const cpu0 = cpuMs(pid);
  const polls0 = totalPolls(bfl);
  const w0 = performance.now();
  while (performance.now() - w0 < seconds * 1000) {
    await sleep(SAMPLE_MS);
    const now = Date.now();
    for (const t of bfl.tasks.values()) {
      const last = lastChange.get(t.id)!;
      if (t.polls === last.polls) continue;
      // A gap is known only between two polls both seen in the window, one poll apart.
      if (!Number.isNaN(last.at) && t.polls === last.polls + 1) gapRatios.push((now - last.at) / schedule(last.polls, last.at - t.startedAt * 1000));
      lastChange.set(t.id, { polls: t.polls, at: now });
    }
  }
  const windowS = (performance.now() - w0) / 1000;
  return {
    atS,
    cpuPercent: ((cpuMs(pid) - cpu0) / (windowS * 1000)) * 100,
    pollsPerS: (totalPolls(bfl) - polls0) / windowS,
    askedPollsPerS: asked,
    gapRatios: gapRatios.sort((a, b) => a - b),
    medianNominalS: (nominals[Math.floor(nominals.length / 2)] ?? NaN) / 1000,
  };
}

async function run(tasks: number, root: string, schedule: Schedule): Promise<Result> {
  const bfl = new BflEmulator({ pendingPolls: NEVER, maxActiveTasks: NEVER, pollLatencyMs: 10 });
  await bfl.start();
  const easel = await startEasel({
    root,
    upstream: bfl.url,
    nodeArgs: [...(values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : []), ...(countSql ? ['--import', path.resolve('bench/profile/sql-counter.mjs')] : [])],
    env: countSql ? { SQL_COUNT_FILE: path.resolve(`${countSql}.${tasks}.json`), SQL_COUNT_AFTER_SIGNAL: '1' } : undefined,
    channels: [{ id: 'bfl', provider: 'bfl', base_url: bfl.url, api_key: BFL_TEST_KEY, models: ['flux-pro'], options: { poll_hosts: [new URL(bfl.pollHost.url).host] } }],
  });
  try {
    const auth = { authorization: `Bearer ${easel.key}`, 'content-type': 'application/json' };
    const created: Array<{ id: string; prompt: string }> = [];
    let failures = 0;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CREATE_CONCURRENCY }, async () => {
        while (next < tasks) {
          const i = next++;
          const prompt = `pending ${i}`;
          const res = await json(`${easel.url}/v1/images/generations`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'flux-pro', prompt, size: '256x256', async: true }) }).catch(() => undefined);
          if (res?.body?.id) created.push({ id: res.body.id, prompt });
          else failures++;
        }
      }),
    );
    const createS = (performance.now() - t0) / 1000;
    // Every create answered; wait until the emulator has every task, then let the backoff settle.
    while (bfl.tasks.size < created.length) await sleep(200);
    const createdAt = performance.now();
    process.stderr.write(`${tasks}: created in ${createS.toFixed(1)} s (${failures} failures); windows at ${WINDOWS_AT_S.join(', ')} s\n`);
    const windows: Window[] = [];
    for (const atS of WINDOWS_AT_S) {
      await sleep(Math.max(0, atS * 1000 - (performance.now() - createdAt)));
      if (countSql && atS === WINDOWS_AT_S.at(-1)) process.kill(easel.pid, 'SIGUSR2');
      windows.push(await measureWindow(bfl, easel.pid, WINDOW_S, schedule, atS));
      process.stderr.write(`${tasks}: window at ${atS} s: ${fmt(windows.at(-1)!.cpuPercent, 1)} % CPU, ${fmt(windows.at(-1)!.pollsPerS, 1)} polls/s\n`);
    }
    const rss = rssMiB(easel.pid);

    // Make a few tasks Ready at their next poll and time how long Easel takes to show them completed.
    const readyNominalS: number[] = [];
    const readyMs = await Promise.all(
      created.slice(0, PROBES).map(async ({ id, prompt }, i) => {
        const record = [...bfl.tasks.values()].find((t) => t.prompt === prompt);
        if (!record) return NaN;
        // The emulator's startedAt is in seconds (BFL's start_time).
        readyNominalS[i] = schedule(record.polls, Date.now() - record.startedAt * 1000) / 1000;
        record.polls = NEVER; // the next poll answers Ready
        const start = performance.now();
        while (performance.now() - start < READY_GIVE_UP_MS) {
          const now = await json(`${easel.url}/v1/tasks/${id}`, { headers: auth });
          if (now.body.status === 'completed') return performance.now() - start;
          if (now.body.status === 'failed') return NaN;
          await sleep(200);
        }
        return Infinity;
      }),
    );
    return { tasks, createS, createFailures: failures, windows, readyMs, readyNominalS, rssMiB: rss };
  } finally {
    await easel.stop();
    await bfl.close();
  }
}

const root = values['easel-root'];
const startLine = machineLine(root);
const { schedule, name } = await scheduleOf(root);
const results: Result[] = [];
for (const size of SIZES) results.push(await run(size, root, schedule));
await http.close();

const q = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN);
console.log(`\n### ${new Date().toISOString().slice(0, 10)}, ${startLine}\n`);
console.log(`Easel's default task settings (worker_interval_ms 1000, concurrency 16); schedule: ${name}; windows of ${WINDOW_S} s starting ${WINDOWS_AT_S.join(' and ')} s after the last create; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| pending tasks | create s (failures) | window at s | Easel CPU % of one core | polls/s seen | polls/s the schedule asks | seen / asked | median nominal wait s | gap ÷ nominal p1 / p50 / p99 (gaps) | CPU ms per poll |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  for (const w of r.windows) {
    const perPoll = w.pollsPerS > 0 ? (w.cpuPercent * 10) / w.pollsPerS : NaN;
    console.log(`| ${r.tasks} | ${fmt(r.createS, 1)} (${r.createFailures}) | ${w.atS} | ${fmt(w.cpuPercent, 1)} | ${fmt(w.pollsPerS, 1)} | ${fmt(w.askedPollsPerS, 1)} | ${fmt(w.pollsPerS / w.askedPollsPerS, 2)} | ${fmt(w.medianNominalS, 1)} | ${fmt(q(w.gapRatios, 0.01), 2)} / ${fmt(q(w.gapRatios, 0.5), 2)} / ${fmt(q(w.gapRatios, 0.99), 2)} (${w.gapRatios.length}) | ${fmt(perPoll, 3)} |`);
  }
}
console.log('\n| pending tasks | ready → completed s (each probe) | nominal wait they were on, s | RSS MiB |');
console.log('|---|---|---|---|');
for (const r of results) {
  const ready = r.readyMs.map((ms) => (Number.isFinite(ms) ? fmt(ms / 1000, 1) : ms === Infinity ? `> ${READY_GIVE_UP_MS / 1000}` : 'failed')).join(' / ');
  console.log(`| ${r.tasks} | ${ready} | ${r.readyNominalS.map((s) => fmt(s, 1)).join(' / ')} | ${fmt(r.rssMiB, 0)} |`);
}
