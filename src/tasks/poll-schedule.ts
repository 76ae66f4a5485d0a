// How long a task waits between two polls of its upstream. A young task is polled at the adapter's
// pace (BFL's own examples: every 0.5 s), backed off ×1.3 a poll or to a quarter of its age, whichever
// is longer. The wait is capped at 15 s, and past a minute the cap grows with the time the task has
// already waited — a quarter of it, up to 60 s. A task pending for minutes is queued upstream, not
// seconds from done: polling it every 15 s is what made 10,000 pending tasks cost a third of a core
// (bench/tasks/pending-tasks.ts). A task that becomes ready is still found within the interval it is
// on, at most a quarter of its wait so far (60 s: far inside BFL's ~10-minute result URLs and the
// 10/15-minute task timeouts).

/** The cap on the wait of a task younger than YOUNG_CAP_MS / AGE_SHARE. */
export const YOUNG_CAP_MS = 15_000;
/** The cap on any wait, however old the task. */
export const OLD_CAP_MS = 60_000;
/** Past YOUNG_CAP_MS, a wait is at most this share of the time the task has waited. */
export const AGE_SHARE = 0.25;
/** Each poll waits this much longer than the last, up to the cap. */
const BACKOFF = 1.3;
/** Each wait is the nominal one ±20 %, so tasks created together do not poll together. */
const JITTER = 0.2;

export interface PollPace {
  /** The first wait (the adapter's pace). */
  baseMs: number;
  /** A channel's fixed `poll_interval_ms` (when positive): used as it is, without backoff or jitter. */
  fixedMs?: number;
}

/** The cap on the wait of a task that has existed for `ageMs`. */
export function pollCapMs(baseMs: number, ageMs: number): number {
  return Math.max(baseMs, Math.min(OLD_CAP_MS, Math.max(YOUNG_CAP_MS, ageMs * AGE_SHARE)));
}

/**
 * The wait before poll number `polls + 1` of a task `ageMs` old, without jitter: backed off by the
 * polls made or by the task's age, whichever is further along. By polls alone, tasks that waited
 * behind a backlog (fewer polls than their age allows) would keep short waits and keep the backlog.
 */
export function nominalPollDelayMs(pace: PollPace, polls: number, ageMs: number): number {
  if (pace.fixedMs) return pace.fixedMs;
  const backedOff = Math.max(pace.baseMs * BACKOFF ** Math.min(polls, 60), ageMs * AGE_SHARE);
  return Math.min(pollCapMs(pace.baseMs, ageMs), backedOff);
}

/** The wait before the next poll, with jitter (none on a fixed pace). */
export function pollDelayMs(pace: PollPace, polls: number, ageMs: number, random = Math.random()): number {
  if (pace.fixedMs) return pace.fixedMs;
  return Math.round(nominalPollDelayMs(pace, polls, ageMs) * (1 - JITTER + random * 2 * JITTER));
}
