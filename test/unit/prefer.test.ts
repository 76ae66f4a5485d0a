// The Prefer header (RFC 7240) as a create reads it, and the wait it makes (tasks/wait-plan.ts).

import { describe, expect, it } from 'vitest';
import { parsePrefer } from '../../src/http/prefer.ts';
import { waitPlan } from '../../src/tasks/wait-plan.ts';

describe('parsePrefer', () => {
  it('reads wait and respond-async, case-insensitively, from one header or several', () => {
    expect(parsePrefer('wait=10')).toEqual({ respondAsync: false, waitSeconds: 10 });
    expect(parsePrefer('Respond-Async, WAIT=3')).toEqual({ respondAsync: true, waitSeconds: 3 });
    expect(parsePrefer(['handling=strict', 'wait=7'])).toEqual({ respondAsync: false, waitSeconds: 7 });
    expect(parsePrefer('wait="12"')).toEqual({ respondAsync: false, waitSeconds: 12 });
    expect(parsePrefer(' wait = 4 ; foo=bar')).toEqual({ respondAsync: false, waitSeconds: 4 });
  });

  it('the first instance of a preference counts', () => {
    expect(parsePrefer('wait=2, wait=30').waitSeconds).toBe(2);
    expect(parsePrefer('wait=x, wait=30').waitSeconds).toBeUndefined();
  });

  it('ignores what is malformed, unknown or absent', () => {
    for (const header of [undefined, '', 'wait', 'wait=', 'wait=-1', 'wait=1.5', 'wait=ten', 'respond-async=yes', 'return=minimal', ',,,', 'x="a,wait=3"']) {
      const prefs = parsePrefer(header);
      expect(prefs.waitSeconds, String(header)).toBeUndefined();
      expect(prefs.respondAsync, String(header)).toBe(false);
    }
  });
});

describe('waitPlan', () => {
  const tasks = { wait_budget_ms: 50_000, sync_wait_ms: 0 };

  it("without a preference: the whole budget, the key's or else the server's wait at a task upstream", () => {
    expect(waitPlan(tasks, null)).toEqual({ budgetMs: 50_000, taskUpstreamWaitMs: 0 });
    expect(waitPlan({ ...tasks, sync_wait_ms: 20_000 }, null)).toEqual({ budgetMs: 50_000, taskUpstreamWaitMs: 20_000 });
    expect(waitPlan({ ...tasks, sync_wait_ms: 20_000 }, 0)).toEqual({ budgetMs: 50_000, taskUpstreamWaitMs: 0 });
    expect(waitPlan(tasks, 90_000)).toEqual({ budgetMs: 50_000, taskUpstreamWaitMs: 50_000 });
  });

  it('Prefer: wait sets both waits, capped by the budget; respond-async none', () => {
    expect(waitPlan(tasks, 5_000, { waitSeconds: 20, respondAsync: false })).toEqual({ budgetMs: 20_000, taskUpstreamWaitMs: 20_000, applied: 'wait=20' });
    expect(waitPlan(tasks, null, { waitSeconds: 3_600, respondAsync: false })).toEqual({ budgetMs: 50_000, taskUpstreamWaitMs: 50_000, applied: 'wait=50' });
    expect(waitPlan(tasks, null, { waitSeconds: 20, respondAsync: true })).toEqual({ budgetMs: 0, taskUpstreamWaitMs: 0, applied: 'respond-async' });
  });
});
