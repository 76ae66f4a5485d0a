// Waiting for an image task on behalf of a tool call: poll GET /v1/tasks/{id} until the task ends or
// the call's own deadline passes, and tell the MCP client how it goes (progress notifications, which
// also keep a client that resets its timeout on progress from giving up on a long render).

import { setTimeout as sleep } from 'node:timers/promises';
import type { EaselClient } from './client.ts';

const FIRST_POLL_MS = 500;
const MAX_POLL_MS = 3_000;
/** While nothing else is heard (the create is held by Easel's wait budget), a progress beat this often. */
const HEARTBEAT_MS = 5_000;

export const TERMINAL_STATUSES = new Set(['completed', 'failed']);

/** Sends MCP progress to the caller, if it asked for progress (a progressToken). */
export type ProgressReporter = (message: string) => void;

/**
 * A reporter whose `progress` is the seconds elapsed since the call began, so it only ever grows
 * (no total: Easel's wait budget may hold the create past the tool's own wait); a heartbeat repeats the last message while nothing new is heard. `stop`
 * ends the heartbeat.
 */
export function progressReporter(send: ((progress: number, message: string) => Promise<void>) | undefined): { report: ProgressReporter; stop: () => void } {
  if (!send) return { report: () => {}, stop: () => {} };
  const started = Date.now();
  let last = 'waiting for Easel';
  const report = (message: string) => {
    last = message;
    send(Math.round((Date.now() - started) / 100) / 10, message).catch(() => {});
  };
  const beat = setInterval(() => report(last), HEARTBEAT_MS);
  beat.unref();
  return { report, stop: () => clearInterval(beat) };
}

/** The task as last seen: terminal, or still running when `deadline` (epoch ms) came first. */
export async function waitForTask(client: EaselClient, taskId: string, opts: { deadline: number; signal?: AbortSignal; report: ProgressReporter }): Promise<Record<string, unknown>> {
  let interval = FIRST_POLL_MS;
  for (;;) {
    const task = await client.get(`/v1/tasks/${encodeURIComponent(taskId)}`, opts.signal);
    const status = String(task.status);
    if (TERMINAL_STATUSES.has(status)) return task;
    opts.report(typeof task.progress === 'number' ? `task ${status}, ${task.progress}%` : `task ${status}`);
    const left = opts.deadline - Date.now();
    if (left <= 0) return task;
    await sleep(Math.min(interval, left), undefined, { signal: opts.signal });
    interval = Math.min(MAX_POLL_MS, Math.round(interval * 1.5));
  }
}
