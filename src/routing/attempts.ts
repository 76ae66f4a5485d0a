// What the router reports of every upstream attempt — a routed call on one channel, a poll of a task
// on its channel, a lookup of a submission after a restart — as one record. main.ts hands the router
// one callback that feeds both the log line below and the metrics (http/metrics.ts), so the two can
// never disagree about what happened.

import type { Logger } from 'pino';
import type { UpstreamErrorKind } from '../providers/types.ts';

/** `call`: generate, edit, vary or a task submit, with failover. `poll`: a task on its channel. `lookup`: finding a submit a restart cut off. */
export type AttemptPhase = 'call' | 'poll' | 'lookup';

/** Where an attempt comes from, when known: the task it works for and the HTTP request that made it. */
export interface AttemptOrigin {
  taskId?: string;
  requestId?: string;
}

export interface UpstreamAttempt extends AttemptOrigin {
  channel: string;
  provider: string;
  /** The catalogue id. */
  model: string;
  /** The upstream's name for it (the channel's model_map, else the catalogue's per-provider name). */
  upstreamModel: string;
  phase: AttemptPhase;
  /** A call: the channel's place in the failover order (1 = first tried). A poll: the poll's number. */
  attempt: number;
  outcome: 'ok' | UpstreamErrorKind;
  /** The upstream's HTTP status, when a failure came with one. */
  upstreamStatus?: number;
  latencyMs: number;
  /** The call moved on to another channel after this failure. */
  failedOver: boolean;
  /**
   * The scrubbed UpstreamError message, only for failures that are the channel's (auth, rate_limited,
   * upstream_fault, timeout): a refusal of the request itself may quote it, so it is left out.
   */
  reason?: string;
}

/** The one log line of an attempt: failures at warn, successful calls at info, successful polls and lookups at debug. */
export function logUpstreamAttempt(log: Logger, a: UpstreamAttempt): void {
  const level = a.outcome !== 'ok' ? 'warn' : a.phase === 'call' ? 'info' : 'debug';
  log[level](
    {
      channel: a.channel,
      provider: a.provider,
      model: a.model,
      upstream_model: a.upstreamModel,
      phase: a.phase,
      attempt: a.attempt,
      outcome: a.outcome,
      upstream_status: a.upstreamStatus,
      latency_ms: Math.round(a.latencyMs),
      failed_over: a.failedOver,
      reason: a.reason,
      task: a.taskId,
      // Fastify's own request lines carry the request id under this name.
      reqId: a.requestId,
    },
    'upstream attempt',
  );
}
