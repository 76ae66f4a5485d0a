// What the task engine drives. The engine owns a task's life — its lease, the poll schedule, the
// submit intent, the close together with the money — and knows nothing of what the work is. The
// work (routing, provider calls, delivery, pricing) is behind this interface: pipeline/ implements
// it, main.ts hands it in.

import type { ApiError } from '../api/errors.ts';
import type { Pricing } from '../billing/quote.ts';
import type { TaskRow } from './store.ts';

/** What one step of work is given. */
export interface StepContext {
  /** Aborts when the client leaves (inline work), the process stops, or the task is given up. */
  signal: AbortSignal;
  /**
   * Records, durably and before the call, that a submit to `channelId` is about to go out; returns
   * the submission id to send with it. A crash after this leaves a trace `recover` can read.
   */
  recordSubmitIntent(channelId: string): Promise<string>;
  /** The task this step works for, and the request that made it (the attempt log names both). */
  taskId: string;
  requestId: string;
}

/** An upstream task the work was handed to, kept in the task row and polled from then on. */
export interface Submitted {
  kind: 'submitted';
  channelId: string;
  /** JSON-safe reference of the upstream task (never image bytes). */
  upstream: unknown;
  /** The task fails if not done this long after its creation. */
  timeoutMs: number;
  /** Wait this long before the first poll. */
  pollInMs: number;
}

/** Done at once: the result, and the channel that answered (the task row records only a task's channel). */
export type StartOutcome<Result> = { kind: 'done'; result: Result; channelId: string } | Submitted;

export type RecoverOutcome =
  /** The upstream has the task: poll it. */
  | Submitted
  /** The submit never arrived, or the channel's policy says to send it again: start afresh. */
  | { kind: 'start_again'; uncertain: boolean }
  /** Give the task up (refunded). */
  | { kind: 'failed'; error: ApiError }
  /** The upstream cannot tell yet: ask again later. */
  | { kind: 'wait'; ms: number };

export type PollOutcome<Result> =
  | { kind: 'wait'; ms: number; status?: 'pending' | 'processing'; progress?: number }
  | { kind: 'done'; result: Result }
  | { kind: 'failed'; error: ApiError };

export interface Finished<Delivered> {
  /** What the task row keeps as its result (JSON-safe). */
  record: unknown;
  /** What a client still waiting inline gets. */
  delivered: Delivered;
  images: number;
  usage?: unknown;
  charge: Pricing;
}

export interface TaskExecutor<Job, Result, Delivered> {
  /** Rebuilds the work of a task leased from the store; throws when it can no longer be done. */
  load(task: TaskRow): Promise<Job>;
  /** The first step: the work done now, or handed to a task-based upstream. */
  start(job: Job, ctx: StepContext): Promise<StartOutcome<Result>>;
  /** A submit was under way when its driver died (`task.submit_id` set, no upstream recorded). */
  recover(job: Job, task: TaskRow, ctx: StepContext): Promise<RecoverOutcome>;
  /** One poll of the upstream task the row records. */
  poll(job: Job, task: TaskRow, ctx: StepContext): Promise<PollOutcome<Result>>;
  /** Stores the result (inline: in the client's own format) and prices it. Throws when nothing came. */
  finish(job: Job, result: Result, opts: { inline: boolean; signal: AbortSignal }): Promise<Finished<Delivered>>;
  /** Removes what an expired task left behind (its stored images). */
  discard(task: TaskRow): Promise<void>;
}

/** Emitted once per task, when it reaches its terminal state: the one place metrics, webhooks and event streams attach. */
export interface TaskClosed {
  task: TaskRow;
  status: 'completed' | 'failed';
  /** What the customer was charged (0 when failed: the hold was released). */
  chargedMicros: number;
  /** When completed: the channel whose answer was charged. */
  channelId?: string;
  error?: { code: string; message: string };
}
