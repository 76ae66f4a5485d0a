// Waiting for a task to close, wherever it closes. A close in this process is told at once; on
// PostgreSQL a close on any replica arrives through LISTEN/NOTIFY (storage/db/task-notifications.ts).
// Chosen over Redis pub/sub because the notification commits with the close itself (never early,
// never for a rolled-back close) and the fleet already has PostgreSQL, while Redis is optional.

import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { listenForClosedTasks, type TaskClosedListener } from '../storage/db/task-notifications.ts';

export class TaskWakeups {
  private readonly emitter = new EventEmitter();
  private readonly listener: TaskClosedListener | undefined;

  /** `postgresUrl`: listen for closes on other replicas too; unset (SQLite): this process only. */
  constructor(postgresUrl: string | undefined, log: Logger) {
    this.emitter.setMaxListeners(0);
    let lastError = 0;
    this.listener = postgresUrl
      ? listenForClosedTasks(
          postgresUrl,
          (taskId) => this.closed(taskId),
          (err) => {
            // One line per outage, not one per reconnect attempt.
            if (Date.now() - lastError > 60_000) log.warn({ err: { message: err.message } }, 'Task close notifications lost their connection; reconnecting');
            lastError = Date.now();
          },
        )
      : undefined;
  }

  /** The task closed (here, after its commit; or elsewhere, as PostgreSQL tells). */
  closed(taskId: string): void {
    this.emitter.emit(taskId);
  }

  /**
   * Resolves true as soon as the task closes, false after `ms` or on abort. A close that happened
   * before the call is not seen: read the row first, then wait, then read it again.
   */
  waitFor(taskId: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (closed: boolean) => {
        clearTimeout(timer);
        this.emitter.off(taskId, onClosed);
        signal?.removeEventListener('abort', onAbort);
        resolve(closed);
      };
      const onClosed = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.emitter.once(taskId, onClosed);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    await this.listener?.close();
  }
}
