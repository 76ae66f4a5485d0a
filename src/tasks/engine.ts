// Runs every task to its one terminal state. Every request becomes a task row (with its money held)
// before any work starts; the process that took the request drives it while the client waits, and
// the worker loop picks up whatever is left: tasks handed back between polls, tasks whose driver
// died (lease lapsed), tasks past their deadline.
//
// The engine is a durable state machine: leases, the poll schedule, the submit intent, the
// compare-and-set close together with the money, the retention sweep. What the work is — routing,
// provider calls, delivery, pricing — it does not know: it asks its executor (tasks/executor.ts).
//
//   start ─▶ done ─────────────────────────▶ finish ─▶ completed (settled)
//     └────▶ submitted ─▶ poll … poll ─▶ done ─┘
//   any step ─▶ failure, deadline, client gone ─▶ failed (released)

import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ApiError, apiErrors } from '../api/errors.ts';
import type { Config } from '../config/schema.ts';
import type { Db } from '../storage/db/open.ts';
import { isDatabaseUnavailable } from '../storage/db/unavailable.ts';
import { randomBase62 } from '../util/ids.ts';
import type { Finished, StepContext, Submitted, TaskClosed, TaskExecutor } from './executor.ts';
import type { TaskWakeups } from './wakeups.ts';
import { inSpan } from '../util/spans.ts';
import { LeaseHandBacks } from './lease-batch.ts';
import { completeTask, failTask, leaseDueTasks, renewLease, type TaskCloseHook, type TaskRow, takeExpiredTasks, updateOpenTask } from './store.ts';

/** How often expired tasks are swept. */
const SWEEP_EVERY_MS = 60_000;
/**
 * When the last pass filled every free slot (or found none free), the next one comes once half the
 * slots are free again (this long after the one that makes it half), or LEASE_WAIT_MS after the first
 * slot frees, whichever is sooner: a backlog is worked through as slots free, not `concurrency` tasks
 * per worker_interval_ms, and a lease statement takes several tasks. Leasing on every freed slot made
 * a statement (a search and an UPDATE ... RETURNING of the rows) for one or two polls each, a quarter
 * of the CPU of 10,000 pending tasks (bench/tasks/pending-tasks.ts); a poll's wait is seconds, so
 * a few ms more before it is leased change nothing.
 */
const LEASE_GATHER_MS = 2;
const LEASE_WAIT_MS = 20;
/** Leases handed back within this long of each other go in one statement (tasks/lease-batch.ts). */
const HAND_BACK_GATHER_MS = 2;

export type Outcome<Delivered> =
  | { status: 'completed'; task: TaskRow; data: Delivered }
  | { status: 'failed'; task: TaskRow; error: ApiError }
  /** Handed back to the worker loop (the client has the task id). */
  | { status: 'pending'; task: TaskRow };

/** What the HTTP handler holds while it waits for a task it created. */
export interface TaskHandle<Delivered> {
  task: TaskRow;
  done: Promise<Outcome<Delivered>>;
  /** Resolves when the work was submitted to a task-based upstream. */
  submitted: Promise<void>;
  /**
   * The client stops waiting and gets the task id: the result will be stored for the poller. Returns
   * false when delivery to the waiting client already began (then just keep waiting for `done`).
   */
  promote(): boolean;
  /** The client went away before promotion: abort the work, fail and release. */
  abandon(): void;
}

export interface TaskEngineDeps<Job, Result, Delivered> {
  db: Db;
  executor: TaskExecutor<Job, Result, Delivered>;
  config: Config['tasks'];
  log: Logger;
  /** Told once per task as it closes (metrics now; webhooks and event streams later). */
  onClosed?: (event: TaskClosed) => void;
  /** Told of every close this engine commits, so waiters in this process hear of it at once. */
  wakeups?: Pick<TaskWakeups, 'closed'>;
  /** Runs inside every close transaction (the webhook outbox row commits with the close). */
  closeHook?: TaskCloseHook;
}

interface DriveState<Job> {
  task: TaskRow;
  job: Job;
  /** The client is waiting for inline data in its own format. */
  inline: boolean;
  delivering: boolean;
  /** The waiting client hung up before delivery began: the work was aborted and nothing is charged. */
  clientGone: boolean;
  controller: AbortController;
  onSubmitted: () => void;
}

type StepResult<Delivered> = { kind: 'done'; outcome: Outcome<Delivered> } | { kind: 'wait'; ms: number };

export class TaskEngine<Job, Result, Delivered> {
  readonly owner = `${hostname()}:${process.pid}:${randomBase62(6)}`;
  private readonly active = new Map<string, DriveState<Job>>();
  private readonly db: Db;
  private readonly executor: TaskExecutor<Job, Result, Delivered>;
  private readonly cfg: Config['tasks'];
  private readonly log: Logger;
  private readonly onClosed: (event: TaskClosed) => void;
  private readonly wakeups: Pick<TaskWakeups, 'closed'> | undefined;
  private readonly closeHook: TaskCloseHook | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Set while a backlog waits for a slot: the next pass is brought forward when one frees. */
  private onSlotFreed: (() => void) | undefined;
  private readonly handBacks: LeaseHandBacks;
  private stopping = false;
  private lastSweep = 0;
  private tickRunning: Promise<void> | undefined;
  private databaseReachable = true;

  constructor(deps: TaskEngineDeps<Job, Result, Delivered>) {
    this.db = deps.db;
    this.executor = deps.executor;
    this.cfg = deps.config;
    this.log = deps.log;
    this.onClosed = deps.onClosed ?? (() => {});
    this.wakeups = deps.wakeups;
    this.closeHook = deps.closeHook;
    this.handBacks = new LeaseHandBacks(deps.db, this.owner, HAND_BACK_GATHER_MS);
  }

  start(): void {
    this.stopping = false;
    let backlog = false;
    const loop = () => {
      this.onSlotFreed = undefined;
      if (this.stopping) return;
      this.tickRunning = this.tick().then(
        (more) => {
          backlog = more;
          this.noteDatabase(true);
        },
        (err) => {
          backlog = false;
          if (isDatabaseUnavailable(err)) this.noteDatabase(false);
          else this.log.error({ err }, 'task worker tick failed');
        },
      );
      void this.tickRunning.finally(() => {
        if (this.stopping) return;
        this.timer = setTimeout(loop, this.cfg.worker_interval_ms);
        if (backlog) {
          const batch = Math.ceil(this.cfg.concurrency / 2);
          let freed = 0;
          this.onSlotFreed = () => {
            freed += 1;
            if (freed >= batch) {
              this.onSlotFreed = undefined;
              clearTimeout(this.timer);
              this.timer = setTimeout(loop, LEASE_GATHER_MS);
            } else if (freed === 1) {
              clearTimeout(this.timer);
              this.timer = setTimeout(loop, LEASE_WAIT_MS);
            }
          };
        }
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Logs an outage once when it begins and once when it ends, not on every tick between. */
  private noteDatabase(reachable: boolean): void {
    if (reachable === this.databaseReachable) return;
    this.databaseReachable = reachable;
    if (reachable) this.log.info('The database is reachable again; the task worker resumes');
    else this.log.warn('The database is unreachable; the task worker waits for it');
  }

  /** Stops leasing; tasks driven here are handed back at their next wait and aborted after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.onSlotFreed = undefined;
    if (this.timer) clearTimeout(this.timer);
    await this.tickRunning;
    const deadline = Date.now() + graceMs;
    while (this.active.size > 0 && Date.now() < deadline) await sleep(50);
    for (const state of this.active.values()) state.controller.abort(new Error('shutting down'));
    while (this.active.size > 0 && Date.now() < deadline + 2_000) await sleep(20);
  }

  /** Starts driving a task created by this process for a waiting client (or an async create). */
  drive(task: TaskRow, job: Job, opts: { inline: boolean }): TaskHandle<Delivered> {
    let onSubmitted!: () => void;
    const submitted = new Promise<void>((resolve) => (onSubmitted = resolve));
    const state: DriveState<Job> = { task, job, inline: opts.inline, delivering: false, clientGone: false, controller: new AbortController(), onSubmitted };
    const done = this.run(state, { handBack: !opts.inline });
    return {
      task,
      done,
      submitted,
      promote: () => {
        if (state.delivering && state.inline) return false;
        state.inline = false;
        return true;
      },
      abandon: () => {
        // Once the upstream has answered the operator has paid: delivery runs to its end and is charged.
        if (!state.inline || state.delivering) return;
        state.clientGone = true;
        state.controller.abort(new Error('client disconnected'));
      },
    };
  }

  /**
   * One pass of the worker loop: sweep, then lease due tasks and advance each by one step. True when
   * more may be due than there was room for: every slot busy, or every free one filled.
   */
  async tick(): Promise<boolean> {
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      await this.sweep();
    }
    const room = this.cfg.concurrency - this.active.size;
    if (this.stopping) return false;
    if (room <= 0) return true;
    const due = await leaseDueTasks(this.db, this.owner, room, this.cfg.lease_ms);
    for (const task of due) {
      if (!task.public) {
        // A synchronous request whose process died: its client is gone, so it must not be charged.
        await this.closeFailed(task, { code: 'interrupted', message: 'The request was interrupted before it finished; nothing was charged.' });
        continue;
      }
      let job: Job;
      try {
        job = await this.executor.load(task);
      } catch {
        await this.closeFailed(task, { code: 'task_invalid', message: 'The task can no longer be processed.' });
        continue;
      }
      void this.run({ task, job, inline: false, delivering: false, clientGone: false, controller: new AbortController(), onSubmitted: () => {} }, { handBack: true });
    }
    return due.length === room;
  }

  /**
   * Drives one task until it reaches an outcome, or — when `handBack` — until its first wait, where
   * the lease goes back to the pool so any worker can take the next poll. Never rejects.
   */
  private async run(state: DriveState<Job>, opts: { handBack: boolean }): Promise<Outcome<Delivered>> {
    this.active.set(state.task.id, state);
    const db = this.db.kysely;
    const renew = setInterval(() => {
      void renewLease(db, state.task.id, this.owner, this.cfg.lease_ms).catch(() => {});
    }, Math.max(100, Math.floor(this.cfg.lease_ms / 3)));
    try {
      for (;;) {
        const step = await this.step(state);
        if (step.kind === 'done') return step.outcome;
        // Waiting: a client that still waits inline keeps this process polling; otherwise hand back.
        if (opts.handBack || !state.inline || this.stopping) {
          await this.handBack(state.task, Date.now() + step.ms);
          return { status: 'pending', task: state.task };
        }
        await sleep(step.ms, state.controller.signal).catch(() => {});
      }
    } catch (err) {
      // Another worker holds the task now (this one stalled past its lease): theirs to finish.
      if (err instanceof LeaseLost) return { status: 'pending', task: state.task };
      if (state.controller.signal.aborted && this.stopping) {
        await this.handBack(state.task, Date.now()).catch(() => {});
        return { status: 'pending', task: state.task };
      }
      // Without the database the task cannot be closed here. It stays open under a lease that lapses:
      // once the database is back a worker resumes it (async) or releases it (a sync client got 503).
      if (isDatabaseUnavailable(err)) return { status: 'failed', task: state.task, error: apiErrors.databaseUnavailable() };
      const apiError = state.clientGone ? apiErrors.clientClosedRequest() : err instanceof ApiError ? err : this.unexpected(err);
      try {
        await this.closeFailed(state.task, { code: apiError.code ?? 'server_error', message: apiError.message });
      } catch (closeErr) {
        if (!isDatabaseUnavailable(closeErr)) this.log.error({ err: closeErr, task: state.task.id }, 'could not close a failed task');
        return { status: 'failed', task: state.task, error: apiErrors.databaseUnavailable() };
      }
      return { status: 'failed', task: state.task, error: apiError };
    } finally {
      clearInterval(renew);
      this.active.delete(state.task.id);
      this.onSlotFreed?.();
    }
  }

  /**
   * Hands the lease back so the next poll can go to any worker. A task is handed back only once its
   * client has been (or is being) given the task id, so it becomes public in the same write: no
   * worker may ever mistake it for an orphaned synchronous request.
   */
  private async handBack(task: TaskRow, nextPollAt: number): Promise<void> {
    await this.handBacks.handBack({ id: task.id, nextPollAt, polls: task.polls });
  }

  private async step(state: DriveState<Job>): Promise<StepResult<Delivered>> {
    const { task, job } = state;
    if (Date.now() > task.deadline_at) {
      return this.fail(state, apiErrors.taskTimeout());
    }
    if (state.clientGone) return this.fail(state, apiErrors.clientClosedRequest());
    const ctx = this.stepContext(state);

    if (task.upstream && task.channel_id) {
      const polled = await this.executor.poll(job, task, ctx);
      task.polls += 1;
      if (polled.kind === 'done') return this.finish(state, polled.result);
      if (polled.kind === 'failed') return this.fail(state, polled.error);
      const progress = polled.progress === undefined ? task.progress : Math.max(0, Math.min(99, Math.round(polled.progress)));
      const status = polled.status ?? task.status;
      if (progress !== task.progress || status !== task.status) {
        task.progress = progress;
        task.status = status;
        await this.update(task, { progress, status, polls: task.polls });
      }
      return { kind: 'wait', ms: polled.ms };
    }

    if (task.submit_id) {
      const recovered = await this.executor.recover(job, task, ctx);
      if (recovered.kind === 'submitted') return this.recordSubmitted(state, recovered);
      if (recovered.kind === 'failed') return this.fail(state, recovered.error);
      if (recovered.kind === 'wait') return { kind: 'wait', ms: recovered.ms };
      const uncertain = recovered.uncertain ? task.uncertain_submits + 1 : task.uncertain_submits;
      await this.update(task, { submit_id: null, uncertain_submits: uncertain });
      task.submit_id = null;
      task.uncertain_submits = uncertain;
    }

    const started = await this.executor.start(job, ctx);
    if (started.kind === 'done') return this.finish(state, started.result, started.channelId);
    return this.recordSubmitted(state, started);
  }

  private stepContext(state: DriveState<Job>): StepContext {
    const { task } = state;
    return {
      signal: state.controller.signal,
      taskId: task.id,
      requestId: task.request_id,
      recordSubmitIntent: async (channelId) => {
        const submitId = `ldsub_${randomBase62(24)}`;
        await this.update(task, { submit_id: submitId, channel_id: channelId });
        task.submit_id = submitId;
        task.channel_id = channelId;
        return submitId;
      },
    };
  }

  /** From here on the task is polled: its upstream reference and deadline are recorded. */
  private async recordSubmitted(state: DriveState<Job>, submitted: Submitted): Promise<StepResult<Delivered>> {
    const { task } = state;
    task.upstream = JSON.stringify(submitted.upstream);
    task.channel_id = submitted.channelId;
    task.submit_id = null;
    task.status = 'processing';
    task.deadline_at = Math.min(task.deadline_at, task.created_at + submitted.timeoutMs);
    await this.update(task, { upstream: task.upstream, channel_id: task.channel_id, submit_id: null, status: 'processing', deadline_at: task.deadline_at });
    state.onSubmitted();
    return { kind: 'wait', ms: submitted.pollInMs };
  }

  /**
   * Stores the result (in the client's format while it waits inline) and closes the task with its
   * charge. `channelId` answered it: the task's own channel unless it was done at once.
   */
  private async finish(state: DriveState<Job>, result: Result, channelId = state.task.channel_id ?? undefined): Promise<StepResult<Delivered>> {
    state.delivering = true;
    const finished: Finished<Delivered> = await this.executor.finish(state.job, result, { inline: state.inline, signal: state.controller.signal });
    const closed = await inSpan('easel.settle', { 'easel.task_id': state.task.id, 'easel.charge_micros': finished.charge.micros }, () =>
      completeTask(this.db, state.task, finished.record, finished.usage, finished.charge, finished.images, this.closeHook),
    );
    if (!closed) {
      // Someone else closed it first (a timeout sweep, another worker): theirs is the outcome.
      return { kind: 'done', outcome: { status: 'failed', task: state.task, error: apiErrors.taskClosed() } };
    }
    this.wakeups?.closed(closed.id);
    this.onClosed({ task: closed, status: 'completed', chargedMicros: finished.charge.micros, channelId });
    return { kind: 'done', outcome: { status: 'completed', task: closed, data: finished.delivered } };
  }

  private async fail(state: DriveState<Job>, error: ApiError): Promise<StepResult<Delivered>> {
    await this.closeFailed(state.task, { code: error.code ?? 'failed', message: error.message });
    state.task.status = 'failed';
    return { kind: 'done', outcome: { status: 'failed', task: state.task, error } };
  }

  /** Fails a task and releases its money, exactly once whoever tries; the one who closes it tells. */
  private async closeFailed(task: TaskRow, error: { code: string; message: string }): Promise<void> {
    const failed = await inSpan('easel.release', { 'easel.task_id': task.id, 'easel.error_code': error.code }, () => failTask(this.db, task, error, this.closeHook));
    if (!failed) return;
    this.wakeups?.closed(task.id);
    this.onClosed({ task, status: 'failed', chargedMicros: 0, error });
  }

  /** A write only this lease holder may make; losing the lease means another worker has the task now. */
  private async update(task: TaskRow, patch: Parameters<typeof updateOpenTask>[3]): Promise<void> {
    if (!(await updateOpenTask(this.db.kysely, task.id, this.owner, patch))) throw new LeaseLost();
  }

  private unexpected(err: unknown): ApiError {
    this.log.error({ err }, 'task failed unexpectedly');
    return apiErrors.serverError('The server had an error while processing the image task.');
  }

  /** Removes tasks past retention, and what they left behind. */
  async sweep(): Promise<number> {
    const expired = await takeExpiredTasks(this.db.kysely);
    for (const task of expired) await this.executor.discard(task).catch(() => {});
    return expired.length;
  }
}

class LeaseLost extends Error {
  override name = 'LeaseLost';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}
