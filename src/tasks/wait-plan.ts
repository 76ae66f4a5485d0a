// How long a create that did not ask for `async` holds its client before answering with the task.
// Two waits: the whole budget, and the part of it spent once the work sits at a task-based upstream
// (BFL, midjourney-proxy), which may take minutes. A request's `Prefer: wait=N` sets both (capped by
// the budget); otherwise the key's `sync_wait_ms` or the server's `tasks.sync_wait_ms` sets the
// second. `Prefer: respond-async` answers with the task at once, whatever the model.

import type { Config } from '../config/schema.ts';

/** The preferences of RFC 7240 a create honours (parsed by http/prefer.ts). */
export interface WaitPreferences {
  waitSeconds?: number;
  respondAsync: boolean;
}

export interface WaitPlan {
  /** A create still running after this answers with its task; the work goes on. */
  budgetMs: number;
  /** Once submitted to a task-based upstream, the create waits this long at most (≤ budgetMs). */
  taskUpstreamWaitMs: number;
  /** The `Preference-Applied` value when a preference shaped this plan. */
  applied?: string;
}

export function waitPlan(tasks: Pick<Config['tasks'], 'wait_budget_ms' | 'sync_wait_ms'>, keySyncWaitMs: number | null | undefined, prefer: WaitPreferences = { respondAsync: false }): WaitPlan {
  if (prefer.respondAsync) return { budgetMs: 0, taskUpstreamWaitMs: 0, applied: 'respond-async' };
  if (prefer.waitSeconds !== undefined) {
    const ms = Math.min(prefer.waitSeconds * 1000, tasks.wait_budget_ms);
    // The wait applied, in whole seconds as the header counts them.
    return { budgetMs: ms, taskUpstreamWaitMs: ms, applied: `wait=${Math.floor(ms / 1000)}` };
  }
  const syncWaitMs = keySyncWaitMs ?? tasks.sync_wait_ms;
  return { budgetMs: tasks.wait_budget_ms, taskUpstreamWaitMs: Math.min(syncWaitMs, tasks.wait_budget_ms) };
}
