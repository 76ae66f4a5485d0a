// Issue 15, target 4: many pending tasks. The BFL emulator (test/emulators/bfl.ts, in this process)
// holds every task Pending (pendingPolls far past any run) and accepts any number of active tasks;
// `easel serve` (its own process, default task settings, a BFL channel to the emulator) gets N
// `async: true` flux-pro creates. Once they are all submitted and a settling wait has passed, one
// measured window: Easel's CPU (/proc) as a share of one core, and the polls the emulator saw, against
// the rate Easel's own schedule asks (BFL's adapter: 0.5 s backed off ×1.3 per poll to a 15 s cap, so
// N / 15 s once settled). Then a few tasks are made Ready at the emulator and timed until Easel
// shows them completed: within one poll interval (≤ 15 s + 20 % jitter) is the goal.
// Sizes run in turn, each on a fresh emulator and Easel.
//
//   node --import tsx bench/tasks/pending-tasks.ts [--sizes 1000,10000] [--settle 20] [--seconds 30] [--easel-root .]

import os from 'node:os';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { BFL_TEST_KEY, BflEmulator } from '../../test/emulators/bfl.ts';
import { cpuMs, fmt, machineLine, rssMiB, startEasel } from '../peers/kit.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    settle: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '30' },
    probes: { type: 'string', default: '5' },
    'easel-root': { type: 'string', default: '.' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const SETTLE_S = Number(values.settle);
const WINDOW_S = Number(values.seconds);
const PROBES = Number(values.probes);
/** BFL's adapter caps its backoff here (src/pipeline/executor.ts MAX_POLL_MS); ±20 % jitter on top. */
const POLL_CAP_MS = 15_000;
const READY_GIVE_UP_MS = 120_000;
const CREATE_CONCURRENCY = 50;
const NEVER = 1e12;

const http = new Agent({ connections: CREATE_CONCURRENCY + 10 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Result {
  tasks: number;
  createS: number;
  createFailures: number;
  cpuPercent: number;
  pollsPerS: number;
  askedPollsPerS: number;
  readyMs: number[];
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

async function run(tasks: number, root: string): Promise<Result> {
  const bfl = new BflEmulator({ pendingPolls: NEVER, maxActiveTasks: NEVER, pollLatencyMs: 10 });
  await bfl.start();
  const easel = await startEasel({
    root,
    upstream: bfl.url,
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
    process.stderr.write(`${tasks}: created in ${createS.toFixed(1)} s (${failures} failures); settling ${SETTLE_S} s\n`);
    await sleep(SETTLE_S * 1000);

    const cpu0 = cpuMs(easel.pid);
    const polls0 = totalPolls(bfl);
    const w0 = performance.now();
    await sleep(WINDOW_S * 1000);
    const windowS = (performance.now() - w0) / 1000;
    const cpuPercent = ((cpuMs(easel.pid) - cpu0) / (windowS * 1000)) * 100;
    const pollsPerS = (totalPolls(bfl) - polls0) / windowS;
    const rss = rssMiB(easel.pid);

    // Make a few tasks Ready at their next poll and time how long Easel takes to show them completed.
    const readyMs = await Promise.all(
      created.slice(0, PROBES).map(async ({ id, prompt }) => {
        const record = [...bfl.tasks.values()].find((t) => t.prompt === prompt);
        if (!record) return NaN;
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
    return { tasks, createS, createFailures: failures, cpuPercent, pollsPerS, askedPollsPerS: created.length / (POLL_CAP_MS / 1000), readyMs, rssMiB: rss };
  } finally {
    await easel.stop();
    await bfl.close();
  }
}

const root = values['easel-root'];
const startLine = machineLine(root);
const results: Result[] = [];
for (const size of SIZES) results.push(await run(size, root));
await http.close();

console.log(`\n### ${new Date().toISOString().slice(0, 10)}, ${startLine}\n`);
console.log(`Easel's default task settings (worker_interval_ms 1000, concurrency 16); settle ${SETTLE_S} s, measured ${WINDOW_S} s; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| pending tasks | create s (failures) | Easel CPU % of one core | polls/s seen | polls/s Easel\'s schedule asks (N / 15 s) | seen / asked | CPU ms per poll | ready → completed s (each probe) | RSS MiB |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const perPoll = r.pollsPerS > 0 ? (r.cpuPercent * 10) / r.pollsPerS : NaN;
  console.log(`| ${r.tasks} | ${fmt(r.createS, 1)} (${r.createFailures}) | ${fmt(r.cpuPercent, 1)} | ${fmt(r.pollsPerS, 1)} | ${fmt(r.askedPollsPerS, 1)} | ${fmt(r.pollsPerS / r.askedPollsPerS, 2)} | ${fmt(perPoll, 2)} | ${r.readyMs.map((ms) => (Number.isFinite(ms) ? fmt(ms / 1000, 1) : ms === Infinity ? `> ${READY_GIVE_UP_MS / 1000}` : 'failed')).join(' / ')} | ${fmt(r.rssMiB, 0)} |`);
}
