// Runs image work to its one terminal state. Every request becomes a task row (with its money held)
// before anything goes upstream; the process that took the request drives it while the client
// waits, and the worker loop picks up whatever is left: tasks handed back between polls, tasks whose
// driver died (lease lapsed), tasks past their deadline.
//
// One step at a time: submit or generate, then poll (task-based upstreams) until an outcome; the
// outcome is delivered (images stored) and closed together with the reservation, exactly once.

import { hostname } from 'node:os';
import { sql } from 'kysely';
import { ApiError, errors } from '../api/errors.ts';
import { charge } from '../billing/quote.ts';
import { requireModel } from '../catalog/catalog.ts';
import type { ModelEntry } from '../catalog/model-entry.ts';
import type { NormalizedImageRequest } from '../catalog/types.ts';
import { type DeliveredImage, deliverImages } from '../pipeline/deliver.ts';
import { callWithFanOut } from '../pipeline/fan-out.ts';
import { hydrateRequest, inputBlobKeys } from '../pipeline/inputs.ts';
import { openUpstreamResult } from '../pipeline/upstream-download.ts';
import { PROVIDERS } from '../providers/registry.ts';
import { type Channel, type GenerateResult, type ProviderAdapter, UpstreamError, type UpstreamTaskRef } from '../providers/types.ts';
import { callContext, isRetryable } from '../routing/router.ts';
import { toApiError } from '../routing/upstream-errors.ts';
import type { Services } from '../services.ts';
import { isDatabaseUnavailable } from '../storage/db/unavailable.ts';
import { randomBase62 } from '../util/ids.ts';
import type { StoredImage } from './views.ts';
import { completeTask, failTask, leaseDueTasks, releaseLease, renewLease, type TaskRow, takeExpiredTasks, updateOpenTask } from './store.ts';

/** First poll delay when the adapter names none. */
const DEFAULT_POLL_MS = 2_000;
const MAX_POLL_MS = 15_000;
/** How often expired tasks are swept. */
const SWEEP_EVERY_MS = 60_000;
/** How often the blob store is swept for blobs no live record can reference. */
const BLOB_SWEEP_EVERY_MS = 60 * 60_000;
/** Blobs younger than retention plus this margin are never swept, whatever references them. */
const BLOB_SWEEP_MARGIN_MS = 60 * 60_000;

export type Outcome =
  | { status: 'completed'; task: TaskRow; data: DeliveredImage[] }
  | { status: 'failed'; task: TaskRow; error: ApiError }
  /** Handed back to the worker loop (the client has the task id). */
  | { status: 'pending'; task: TaskRow };

/** What the HTTP handler holds while it waits for a task it created. */
export interface TaskHandle {
  task: TaskRow;
  done: Promise<Outcome>;
  /** Resolves when the work was submitted to a task-based upstream. */
  submitted: Promise<void>;
  /**
   * The client stops waiting and gets the task id: the result will be stored as URLs. Returns false
   * when delivery to the waiting client already began (then just keep waiting for `done`).
   */
  promote(): boolean;
  /** The client went away before promotion: abort the work, fail and release. */
  abandon(): void;
}

interface DriveState {
  task: TaskRow;
  req: NormalizedImageRequest;
  entry: ModelEntry;
  /** The client is waiting for inline data in its own format. */
  inline: boolean;
  delivering: boolean;
  /** The waiting client hung up before delivery began: the work was aborted and nothing is charged. */
  clientGone: boolean;
  controller: AbortController;
  onSubmitted: () => void;
}

type StepResult = { kind: 'done'; outcome: Outcome } | { kind: 'wait'; ms: number };

export class TaskEngine {
  readonly owner = `${hostname()}:${process.pid}:${randomBase62(6)}`;
  private readonly active = new Map<string, DriveState>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private lastSweep = 0;
  private lastBlobSweep = Date.now();
  private tickRunning: Promise<void> | undefined;
  private databaseReachable = true;

  constructor(private readonly services: Services) {}

  private get cfg() {
    return this.services.config.tasks;
  }

  start(): void {
    this.stopping = false;
    const loop = () => {
      if (this.stopping) return;
      this.tickRunning = this.tick().then(
        () => this.noteDatabase(true),
        (err) => (isDatabaseUnavailable(err) ? this.noteDatabase(false) : this.services.log.error({ err }, 'task worker tick failed')),
      );
      void this.tickRunning.finally(() => {
        if (!this.stopping) this.timer = setTimeout(loop, this.cfg.worker_interval_ms);
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Logs an outage once when it begins and once when it ends, not on every tick between. */
  private noteDatabase(reachable: boolean): void {
    if (reachable === this.databaseReachable) return;
    this.databaseReachable = reachable;
    if (reachable) this.services.log.info('The database is reachable again; the task worker resumes');
    else this.services.log.warn('The database is unreachable; the task worker waits for it');
  }

  /** Stops leasing; tasks driven here are handed back at their next wait and aborted after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.tickRunning;
    const deadline = Date.now() + graceMs;
    while (this.active.size > 0 && Date.now() < deadline) await sleep(50);
    for (const state of this.active.values()) state.controller.abort(new Error('shutting down'));
    while (this.active.size > 0 && Date.now() < deadline + 2_000) await sleep(20);
  }

  /** Starts driving a task created by this process for a waiting client (or an async create). */
  drive(task: TaskRow, req: NormalizedImageRequest, opts: { inline: boolean }): TaskHandle {
    let onSubmitted!: () => void;
    const submitted = new Promise<void>((resolve) => (onSubmitted = resolve));
    const state: DriveState = { task, req, entry: requireModel(req.model, 400), inline: opts.inline, delivering: false, clientGone: false, controller: new AbortController(), onSubmitted };
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

  /** One pass of the worker loop: sweep, then lease due tasks and advance each by one step. */
  async tick(): Promise<void> {
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      await this.sweep();
    }
    if (Date.now() - this.lastBlobSweep > BLOB_SWEEP_EVERY_MS) {
      this.lastBlobSweep = Date.now();
      await this.sweepOrphanBlobs();
    }
    const room = this.cfg.concurrency - this.active.size;
    if (room <= 0 || this.stopping) return;
    const due = await leaseDueTasks(this.services.db, this.owner, room, this.cfg.lease_ms);
    for (const task of due) {
      if (!task.public) {
        // A synchronous request whose process died: its client is gone, so it must not be charged.
        await this.failTask(task, { code: 'interrupted', message: 'The request was interrupted before it finished; nothing was charged.' });
        continue;
      }
      let req: NormalizedImageRequest;
      let entry: ModelEntry;
      try {
        req = await hydrateRequest(JSON.parse(task.request), this.services.blobs);
        entry = requireModel(req.model, 400);
      } catch {
        await this.failTask(task, { code: 'task_invalid', message: 'The task can no longer be processed.' });
        continue;
      }
      const state: DriveState = { task, req, entry, inline: false, delivering: false, clientGone: false, controller: new AbortController(), onSubmitted: () => {} };
      void this.run(state, { handBack: true });
    }
  }

  /**
   * Drives one task until it reaches an outcome, or — when `handBack` — until its first wait, where
   * the lease goes back to the pool so any worker can take the next poll.
   */
  private async run(state: DriveState, opts: { handBack: boolean }): Promise<Outcome> {
    this.active.set(state.task.id, state);
    const db = this.services.db.kysely;
    const renew = setInterval(() => {
      void renewLease(db, state.task.id, this.owner, this.cfg.lease_ms).catch(() => {});
    }, Math.max(100, Math.floor(this.cfg.lease_ms / 3)));
    try {
      for (;;) {
        const step = await this.step(state);
        if (step.kind === 'done') return step.outcome;
        // Waiting: a client that still waits inline keeps this process polling; otherwise hand back.
        if (opts.handBack || !state.inline || this.stopping) {
          await releaseLease(db, state.task.id, this.owner, Date.now() + step.ms);
          return { status: 'pending', task: state.task };
        }
        await sleep(step.ms, state.controller.signal).catch(() => {});
      }
    } catch (err) {
      if (state.controller.signal.aborted && this.stopping) {
        await releaseLease(db, state.task.id, this.owner, Date.now()).catch(() => {});
        return { status: 'pending', task: state.task };
      }
      // Without the database the task cannot be closed here. It stays open under a lease that lapses:
      // once the database is back a worker resumes it (async) or releases it (a sync client got 503).
      if (isDatabaseUnavailable(err)) return { status: 'failed', task: state.task, error: errors.databaseUnavailable() };
      const apiError = state.clientGone ? errors.clientClosedRequest() : err instanceof ApiError ? err : unexpected(this.services, err);
      try {
        await this.failTask(state.task, { code: apiError.code ?? 'server_error', message: apiError.message });
      } catch (closeErr) {
        if (!isDatabaseUnavailable(closeErr)) this.services.log.error({ err: closeErr, task: state.task.id }, 'could not close a failed task');
        return { status: 'failed', task: state.task, error: errors.databaseUnavailable() };
      }
      return { status: 'failed', task: state.task, error: apiError };
    } finally {
      clearInterval(renew);
      this.active.delete(state.task.id);
    }
  }

  private async step(state: DriveState): Promise<StepResult> {
    const { task, req, entry } = state;
    const db = this.services.db.kysely;
    if (Date.now() > task.deadline_at) {
      return this.fail(state, new ApiError('The image task did not finish in time.', { status: 504, type: 'timeout_error', code: 'task_timeout' }));
    }
    if (state.clientGone) return this.fail(state, errors.clientClosedRequest());
    if (task.upstream && task.channel_id) return this.pollStep(state);
    if (task.submit_id) {
      const recovered = await this.recoverSubmit(state);
      if (recovered) return recovered;
    }

    // First step: route to a channel, then either submit (task-based upstream) or generate.
    const attempt = await this.services.router.run(
      entry,
      state.controller.signal,
      async (adapter, ctx) => {
        if (usesTasks(adapter, entry)) {
          // The intent is durable before the call: a crash from here on leaves a trace recovery can read.
          const submitId = newSubmitId();
          if (!(await updateOpenTask(db, task.id, this.owner, { submit_id: submitId, channel_id: ctx.channel.id }))) throw leaseLost();
          task.submit_id = submitId;
          task.channel_id = ctx.channel.id;
          return { ref: await adapter.submit!(req, ctx, submitId), adapter, ctx };
        }
        const operation = operationOf(adapter, req)!;
        return { result: await callWithFanOut(adapter, operation.bind(adapter), req, ctx), adapter, ctx };
      },
      (adapter) => usesTasks(adapter, entry) || operationOf(adapter, req) !== undefined,
    );
    const { ref, result, adapter } = attempt.result as { ref?: UpstreamTaskRef; result?: GenerateResult; adapter: ProviderAdapter };
    if (result) return this.finish(state, result);
    return this.recordSubmitted(state, attempt.channel, adapter, ref!);
  }

  /** Records the upstream task a submit made (or recovery found); from here on the task is polled. */
  private async recordSubmitted(state: DriveState, channel: Channel, adapter: ProviderAdapter, ref: UpstreamTaskRef): Promise<StepResult> {
    const { task } = state;
    const timeoutMs = Number(channel.options.task_timeout_ms ?? adapter.taskTimeoutMs ?? this.cfg.timeout_ms);
    task.upstream = JSON.stringify(ref);
    task.channel_id = channel.id;
    task.submit_id = null;
    task.status = 'processing';
    task.deadline_at = Math.min(task.deadline_at, task.created_at + timeoutMs);
    await updateOpenTask(this.services.db.kysely, task.id, this.owner, { upstream: task.upstream, channel_id: task.channel_id, submit_id: null, status: 'processing', deadline_at: task.deadline_at });
    state.onSubmitted();
    return { kind: 'wait', ms: pollDelay(adapter, channel, 0) };
  }

  /**
   * A submit was under way when its driver died: the upstream may hold the task without Easel having
   * recorded it. An adapter that can find its own submission settles the question; otherwise the
   * channel's on_uncertain_submit does. Returns the step to take, or undefined to submit afresh.
   */
  private async recoverSubmit(state: DriveState): Promise<StepResult | undefined> {
    const { task, entry } = state;
    const db = this.services.db.kysely;
    const channel = this.services.router.channels.find((c) => c.id === task.channel_id);
    const adapter = channel ? PROVIDERS[channel.provider] : undefined;
    const clearIntent = async (patch: { uncertain_submits?: number } = {}) => {
      if (!(await updateOpenTask(db, task.id, this.owner, { submit_id: null, ...patch }))) throw leaseLost();
      task.submit_id = null;
      Object.assign(task, patch);
      return undefined;
    };
    if (channel && adapter?.findSubmission) {
      const ctx = callContext(channel, entry, AbortSignal.any([state.controller.signal, AbortSignal.timeout(channel.timeoutMs)]));
      let found: UpstreamTaskRef | undefined;
      try {
        found = await adapter.findSubmission(task.submit_id!, ctx);
      } catch (err) {
        // The upstream cannot tell yet: ask again later, until the deadline decides.
        if (err instanceof UpstreamError && isRetryable(err)) return { kind: 'wait', ms: err.retryAfterMs ?? pollDelay(adapter, channel, task.attempts + 3) };
        throw err;
      }
      this.services.metrics.recoveredSubmits.inc({ channel: channel.id, outcome: found ? 'found' : 'absent' });
      this.services.log.info({ task: task.id, channel: channel.id, found: Boolean(found) }, 'Recovered a submit cut off by a restart');
      return found ? this.recordSubmitted(state, channel, adapter, found) : clearIntent();
    }
    const decision = channel?.onUncertainSubmit ?? 'fail';
    this.services.metrics.uncertainSubmits.inc({ channel: task.channel_id ?? '', decision });
    this.services.log.warn({ task: task.id, channel: task.channel_id, decision }, 'A submit was cut off by a restart and the upstream cannot be asked whether it arrived');
    if (decision === 'fail') {
      return this.fail(state, new ApiError('The image task was interrupted while it was being submitted, and the provider cannot say whether it arrived; nothing was charged.', { status: 502, type: 'upstream_error', code: 'uncertain_submit' }));
    }
    return clearIntent({ uncertain_submits: task.uncertain_submits + 1 });
  }

  private async pollStep(state: DriveState): Promise<StepResult> {
    const { task, entry } = state;
    const channel = this.services.router.channels.find((c) => c.id === task.channel_id);
    const adapter = channel ? PROVIDERS[channel.provider] : undefined;
    if (!channel || !adapter?.poll) {
      return this.fail(state, new ApiError('The channel that ran this task is no longer configured.', { status: 503, type: 'all_channels_failed', code: 'channel_unavailable' }));
    }
    const ctx = callContext(channel, entry, AbortSignal.any([state.controller.signal, AbortSignal.timeout(channel.timeoutMs)]));
    let poll;
    try {
      poll = await adapter.poll(JSON.parse(task.upstream!) as UpstreamTaskRef, ctx);
    } catch (err) {
      if (err instanceof UpstreamError && isRetryable(err) && err.kind !== 'auth') {
        // A failed poll is not a failed task: try again later, until the deadline decides.
        return { kind: 'wait', ms: err.retryAfterMs ?? pollDelay(adapter, channel, task.attempts + 3) };
      }
      if (err instanceof UpstreamError) return this.fail(state, toApiError([err]));
      throw err;
    }
    task.attempts += 1;
    if (poll.status === 'completed') return this.finish(state, poll.result);
    if (poll.status === 'failed') return this.fail(state, toApiError([poll.error]));
    const progress = poll.progress === undefined ? task.progress : Math.max(0, Math.min(99, Math.round(poll.progress)));
    if (progress !== task.progress || poll.status !== task.status) {
      task.progress = progress;
      task.status = poll.status;
      await updateOpenTask(this.services.db.kysely, task.id, this.owner, { progress, status: poll.status, attempts: task.attempts });
    }
    return { kind: 'wait', ms: poll.retryAfterMs ?? pollDelay(adapter, channel, task.attempts) };
  }

  /** Stores the images (URLs for anyone but a client still waiting inline) and closes the task with its charge. */
  private async finish(state: DriveState, result: GenerateResult): Promise<StepResult> {
    const { req, entry } = state;
    state.delivering = true;
    const format = state.inline ? req.responseFormat : 'url';
    const data = await deliverImages(result.images.slice(0, req.n), format, {
      blobs: this.services.blobs,
      open: (url) => openUpstreamResult(url, state.controller.signal),
    });
    if (data.length === 0) {
      return this.fail(state, new ApiError('The image provider returned no image.', { status: 502, type: 'upstream_error', code: 'upstream_error' }));
    }
    const price = charge(entry, req, data.length, result.usage, this.services.pricing);
    // Inline base64 is not kept: the client has it, and the record keeps what was delivered.
    const stored = format === 'url' ? data : data.map((d) => ({ revised_prompt: d.revised_prompt, delivered_inline: true }));
    const closed = await completeTask(this.services.db.kysely, state.task, { data: stored }, result.usage, price, data.length);
    if (!closed) {
      // Someone else closed it first (a timeout sweep, another worker): theirs is the outcome.
      return { kind: 'done', outcome: { status: 'failed', task: state.task, error: new ApiError('The task was closed elsewhere.', { status: 409, type: 'invalid_request_error', code: 'task_closed' }) } };
    }
    this.services.metrics.tasksClosed.inc({ model: closed.model, status: 'completed' });
    return { kind: 'done', outcome: { status: 'completed', task: closed, data } };
  }

  private async fail(state: DriveState, error: ApiError): Promise<StepResult> {
    await this.failTask(state.task, { code: error.code ?? 'failed', message: error.message });
    state.task.status = 'failed';
    return { kind: 'done', outcome: { status: 'failed', task: state.task, error } };
  }

  /** Fails a task and releases its money (exactly once, whoever tries), counting it for /metrics. */
  private async failTask(task: TaskRow, error: { code: string; message: string }): Promise<void> {
    if (await failTask(this.services.db.kysely, task, error)) this.services.metrics.tasksClosed.inc({ model: task.model, status: 'failed' });
  }

  /**
   * Removes blobs older than the retention that no live upload references. A task's blobs are written
   * after it was created and it expires one retention after its creation, so past that only /v1/files
   * uploads (kept until deleted) can still point at a blob; anything else is an orphan a crash left
   * between storing an image and recording it.
   */
  async sweepOrphanBlobs(now = Date.now()): Promise<number> {
    const db = this.services.db.kysely;
    const files = await db.selectFrom('files').select('blob_key').where('deleted_at', 'is', null).execute();
    const live = new Set(files.map((f) => f.blob_key));
    // Tasks made under a longer retention (the setting was lowered since) keep theirs that much longer.
    const longest = await db.selectFrom('tasks').select((eb) => eb.fn.max(sql<number>`expires_at - created_at`).as('ms')).executeTakeFirst();
    const retention = Math.max(this.cfg.retention_hours * 3_600_000, Number(longest?.ms ?? 0));
    const cutoff = now - retention - BLOB_SWEEP_MARGIN_MS;
    return this.services.blobs.sweepOlderThan(cutoff, (key) => live.has(key));
  }

  /** Removes tasks past retention and the images they stored. */
  async sweep(): Promise<number> {
    const expired = await takeExpiredTasks(this.services.db.kysely);
    for (const task of expired) {
      const data = task.result ? ((JSON.parse(task.result) as { data?: StoredImage[] }).data ?? []) : [];
      const keys = [...data.map((item) => item.key), ...inputBlobKeys(JSON.parse(task.request))];
      for (const key of keys) if (key) await this.services.blobs.delete(key).catch(() => {});
    }
    return expired.length;
  }
}

/** The adapter method that performs the request's operation, if the adapter has it. */
function operationOf(adapter: ProviderAdapter, req: NormalizedImageRequest): ProviderAdapter['generate'] {
  if (req.operation === 'image-edit') return adapter.edit;
  if (req.operation === 'variation') return adapter.vary;
  return adapter.generate;
}

/** Task-based upstreams (BFL, midjourney-proxy) submit and poll; the demo does both and follows the catalogue. */
export function usesTasks(adapter: ProviderAdapter, entry: ModelEntry): boolean {
  return Boolean(adapter.submit && adapter.poll && (!adapter.generate || entry.delivery === 'task'));
}

/**
 * The wait before the next poll: the channel's fixed `options.poll_interval_ms` when set, else the
 * adapter's pace backed off with jitter: base × 1.3^n, capped, ±20 %.
 */
function pollDelay(adapter: ProviderAdapter, channel: Channel, polls: number): number {
  const fixed = Number(channel.options.poll_interval_ms);
  if (Number.isFinite(fixed) && fixed > 0) return fixed;
  const base = adapter.pollIntervalMs ?? DEFAULT_POLL_MS;
  const delay = Math.min(Math.max(base, MAX_POLL_MS), base * 1.3 ** Math.min(polls, 20));
  return Math.round(Math.min(delay, Math.max(base, MAX_POLL_MS)) * (0.8 + Math.random() * 0.4));
}

function unexpected(services: Services, err: unknown): ApiError {
  services.log.error({ err }, 'task failed unexpectedly');
  return new ApiError('The server had an error while processing the image task.', { status: 500, type: 'server_error', code: 'server_error' });
}

function newSubmitId(): string {
  return `ldsub_${randomBase62(24)}`;
}

/** This worker's lease went to another: it must not act on the task any more. */
function leaseLost(): Error {
  return new Error('the task lease was lost');
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
