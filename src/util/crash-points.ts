// Named points in a task's life where the crash tests (test/tasks/crash-points.test.ts) kill the
// process outright: EASEL_CRASH_AT=<point> makes the process SIGKILL itself the first time it gets
// there. Unset (always, outside those tests) it costs one string comparison.

export type CrashPoint =
  /** The task row and its reservation are committed; nothing went upstream yet. */
  | 'after_reserve'
  /** The upstream accepted a task submit; its reference is not recorded yet. */
  | 'after_submit'
  /** The first result image is stored; the others, if any, not yet. */
  | 'during_delivery'
  /** Every image is stored; the task is not closed and its money not settled yet. */
  | 'after_store';

const armed = process.env.EASEL_CRASH_AT;

export function crashPoint(point: CrashPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}
