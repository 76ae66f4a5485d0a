// SIGKILL between an upstream submit and its record: the upstream made the task, its answer never
// reached Easel. After a restart, on SQLite and on PostgreSQL:
//   - midjourney-proxy (finds its own submission by the `state` Easel sent): no second submit;
//   - BFL (cannot be asked) with on_uncertain_submit: fail → no second submit, the customer refunded;
//   - BFL with resubmit (the default) → one more submit per task, each counted and shown to the admin.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BFL_TEST_KEY, createBflEmulator } from '../emulators/bfl.ts';
import type { Emulator } from '../emulators/kit.ts';
import { createMidjourneyEmulator, MJ_TEST_SECRET } from '../emulators/midjourney.ts';
import { DIALECTS, freshDatabaseUrl, tempDir, type TestDialect } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/poll.ts';
import { type EaselProcess, spawnEasel, waitFor } from '../helpers/process.ts';

const TASKS = 4;
const ADMIN_TOKEN = 'uncertain-submit-admin-token';
/** Long past the kill: the answer is lost, not late. */
const HOLD_MS = 15_000;

const midjourney = createMidjourneyEmulator();
const bfl = createBflEmulator();
let running: EaselProcess | undefined;

beforeAll(async () => {
  await Promise.all([midjourney.start(), bfl.start()]);
});
afterAll(async () => {
  await Promise.all([midjourney.close(), bfl.close()]);
});
afterEach(async () => {
  await running?.kill('SIGKILL');
  running = undefined;
  midjourney.reset();
  bfl.reset();
});

const channels = {
  midjourney: () => ({ id: 'mj', provider: 'midjourney', base_url: `${midjourney.url}/mj`, api_key: MJ_TEST_SECRET, models: ['midjourney'], options: { poll_interval_ms: 100 } }),
  bfl: (onUncertain: 'fail' | 'resubmit') => ({
    id: 'bfl', provider: 'bfl', base_url: bfl.url, api_key: BFL_TEST_KEY, models: ['flux-pro'], on_uncertain_submit: onUncertain,
    options: { poll_interval_ms: 100, poll_hosts: [new URL(bfl.pollHost.url).host] },
  }),
};

interface CrashRun {
  ids: string[];
  tasks: Array<{ status: string; error?: { code: string } }>;
  submits: number;
  admin: (path: string) => Promise<any>;
  balance: () => Promise<string>;
  metrics: () => Promise<string>;
}

/** Creates TASKS async tasks whose submits the upstream takes but never answers, kills Easel, restarts it, and waits for every task to end. */
async function crashMidSubmit(dialect: TestDialect, emulator: Emulator, model: string, channel: Record<string, unknown>): Promise<CrashRun> {
  const dataDir = tempDir();
  const databaseUrl = await freshDatabaseUrl(dialect);
  const config = {
    admin_token: ADMIN_TOKEN,
    limits: { requests_per_minute: 0 },
    fetch: { allow_private_addresses: true },
    // A submit slower than the wait budget: the client gets its task id while the submit is under way.
    tasks: { lease_ms: 1_000, worker_interval_ms: 100, wait_budget_ms: 500 },
    channels: [channel],
    ...(databaseUrl ? { database_url: databaseUrl } : {}),
  };
  const isSubmit = (r: { method: string; path: string }) => r.method === 'POST' && !r.path.startsWith('/__emulator');
  const submits = () => emulator.requests.filter(isSubmit).length;

  running = await spawnEasel(dataDir, config);
  const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(running!.output())?.[1]);
  const account = await waitFor(() => /Account:\s+(acct_\S+)/.exec(running!.output())?.[1]);
  emulator.inject({ kind: 'hold_answer', ms: HOLD_MS }, TASKS);
  const ids: string[] = [];
  for (let i = 0; i < TASKS; i++) {
    const res = await fetch(`${running.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, prompt: `submitted once ${i}` }),
    });
    expect(res.status).toBe(200);
    const created = await res.json();
    expect(created.status).toBe('pending');
    ids.push(created.id);
  }
  // Every submit reached the upstream (which made its task); no answer came back.
  await waitUntil(() => submits() === TASKS, 10_000, 'the submits to arrive');
  await new Promise((r) => setTimeout(r, 200));
  expect(await running.kill('SIGKILL')).toBe(null);
  emulator.clearFaults();

  running = await spawnEasel(dataDir, config);
  const url = running.url;
  const get = async (path: string, token: string) => (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
  const tasks: CrashRun['tasks'] = [];
  await waitUntil(async () => {
    tasks.length = 0;
    for (const id of ids) tasks.push(await get(`/v1/tasks/${id}`, key));
    return tasks.every((t) => t.status === 'completed' || t.status === 'failed');
  }, 30_000, 'every task to end');
  return {
    ids,
    tasks,
    submits: submits(),
    admin: (path) => get(path, ADMIN_TOKEN),
    balance: async () => (await get(`/admin/v1/accounts/${account}`, ADMIN_TOKEN)).balance_usd,
    metrics: async () => (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text(),
  };
}

describe.each(DIALECTS)('a crash between submit and record, on %s', (dialect) => {
  it('midjourney-proxy: recovery finds the task by its state field, so nothing is submitted twice', async () => {
    const run = await crashMidSubmit(dialect, midjourney, 'midjourney', channels.midjourney());
    expect(run.submits).toBe(TASKS);
    expect(run.tasks.map((t) => t.status)).toEqual(Array(TASKS).fill('completed'));
    expect(midjourney.tasks.size).toBe(TASKS);
    expect(await run.metrics()).toMatch(new RegExp(`easel_recovered_submits_total\\{channel="mj",outcome="found"\\} ${TASKS}`));
    for (const id of run.ids) expect((await run.admin(`/admin/v1/tasks/${id}`)).uncertain_submits).toBe(0);
  }, 90_000);

  it('BFL with on_uncertain_submit: fail → nothing submitted twice, every task failed and refunded', async () => {
    const run = await crashMidSubmit(dialect, bfl, 'flux-pro', channels.bfl('fail'));
    expect(run.submits).toBe(TASKS);
    for (const task of run.tasks) {
      expect(task.status).toBe('failed');
      expect(task.error?.code).toBe('uncertain_submit');
    }
    expect(await run.balance()).toBe('5.00');
    expect(await run.metrics()).toMatch(new RegExp(`easel_uncertain_submits_total\\{channel="bfl",decision="fail"\\} ${TASKS}`));
  }, 90_000);

  it('BFL with resubmit → every task completes, and each duplicate submit is counted and shown', async () => {
    const run = await crashMidSubmit(dialect, bfl, 'flux-pro', channels.bfl('resubmit'));
    expect(run.submits).toBe(2 * TASKS);
    expect(run.tasks.map((t) => t.status)).toEqual(Array(TASKS).fill('completed'));
    expect(await run.metrics()).toMatch(new RegExp(`easel_uncertain_submits_total\\{channel="bfl",decision="resubmit"\\} ${TASKS}`));
    for (const id of run.ids) {
      const view = await run.admin(`/admin/v1/tasks/${id}`);
      expect(view.uncertain_submits).toBe(1);
      expect(view.channel_id).toBe('bfl');
      expect(view.submit_in_progress).toBe(false);
    }
  }, 90_000);
});
