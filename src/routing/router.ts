// Picks the channels that serve a model and runs a call against them in order: highest priority
// first, weighted random within a priority. Retryable faults move on to the next channel; a request
// the upstream rejected, or moderated, does not. Every attempt — and every poll or lookup a task makes
// on its own channel — is reported once, as an UpstreamAttempt (attempts.ts).

import type { ModelEntry } from '../catalog/model-entry.ts';
import { upstreamModelName } from '../catalog/catalog.ts';
import { ApiError, apiErrors } from '../api/errors.ts';
import { scrub } from '../providers/http.ts';
import { adapterOf } from '../providers/registry.ts';
import { type CallContext, type Channel, type ProviderAdapter, UpstreamError } from '../providers/types.ts';
import type { AttemptOrigin, AttemptPhase, UpstreamAttempt } from './attempts.ts';
import { failSpan, type Span, startClientSpan, withActiveSpan } from '../util/spans.ts';
import { ChannelHealth } from './health.ts';
import { everyChannelRateLimited, toApiError } from './upstream-errors.ts';

/** Failover stops after this many channels even when more serve the model. */
const MAX_ATTEMPTS = 4;
/** No new attempt starts after this much time spent on one call. */
const MAX_ROUTING_MS = 5 * 60_000;
/** Failures whose message speaks of the channel, not of the request (which it may quote). */
const CHANNEL_FAULTS: ReadonlySet<UpstreamError['kind']> = new Set(['auth', 'rate_limited', 'upstream_fault', 'timeout']);

export interface Attempt<T> {
  result: T;
  channel: Channel;
}

export interface RunOptions extends AttemptOrigin {
  /** Channels whose adapter cannot do this request (an edit on a generate-only upstream) are skipped. */
  accepts?: (adapter: ProviderAdapter) => boolean;
}

/** How an attempt is reported: its phase and number, and where it comes from. */
interface AttemptLabel extends AttemptOrigin {
  phase: AttemptPhase;
  attempt: number;
}

/** How one call on a task's own channel is reported. */
export interface ChannelCall extends AttemptLabel {
  phase: Exclude<AttemptPhase, 'call'>;
}

/** One call on one channel, timed: what it returned, or the failure it counts as. */
/** One call on one channel; its span is ended by report(), once the outcome is known. */
type Tried<T> = { ctx: CallContext; latencyMs: number; span: Span } & ({ result: T; failure?: undefined } | { failure: UpstreamError; thrown: unknown });

export class Router {
  private active: readonly Channel[] = [];
  private byModel = new Map<string, Channel[]>();

  constructor(
    channels: readonly Channel[],
    readonly health = new ChannelHealth(),
    /** Told of every attempt, once (main.ts: the attempt log line and the metrics). */
    private readonly observe: (attempt: UpstreamAttempt) => void = () => {},
  ) {
    this.replaceChannels(channels);
  }

  /** The channels routing uses now. */
  get channels(): readonly Channel[] {
    return this.active;
  }

  /**
   * Swaps in another channel list (a config reload). Both fields change in one synchronous step, so
   * no request sees half of each; a call already routing keeps the candidates it took. Health is kept
   * by channel id: a channel that stays keeps its rest and its failure count.
   */
  replaceChannels(channels: readonly Channel[]): void {
    const byModel = new Map<string, Channel[]>();
    for (const channel of channels) {
      for (const model of channel.models) byModel.set(model, [...(byModel.get(model) ?? []), channel]);
    }
    this.active = [...channels];
    this.byModel = byModel;
  }

  /** The order in which channels are tried for one request. */
  candidates(modelId: string): Channel[] {
    const all = this.byModel.get(modelId) ?? [];
    const priorities = [...new Set(all.map((c) => c.priority))].sort((a, b) => b - a);
    return priorities.flatMap((p) => weightedShuffle(all.filter((c) => c.priority === p)));
  }

  async run<T>(entry: ModelEntry, signal: AbortSignal, call: (adapter: ProviderAdapter, ctx: CallContext) => Promise<T>, opts: RunOptions = {}): Promise<Attempt<T>> {
    const accepts = opts.accepts ?? (() => true);
    const serving = this.candidates(entry.id).filter((c) => accepts(adapterOf(c)));
    if (serving.length === 0) {
      throw apiErrors.noChannelConfigured(entry.id);
    }
    const candidates = serving.filter((c) => this.health.isAvailable(c.id)).slice(0, MAX_ATTEMPTS);
    if (candidates.length === 0) {
      const ids = serving.map((c) => c.id);
      const waitMs = this.health.msUntilAvailable(ids);
      throw this.health.allRateLimited(ids) ? everyChannelRateLimited(waitMs) : apiErrors.allChannelsFailed(Math.ceil(waitMs / 1000));
    }
    if (signal.aborted) throw toApiError([]);
    const failures: UpstreamError[] = [];
    const deadline = Date.now() + MAX_ROUTING_MS;
    for (const [index, channel] of candidates.entries()) {
      const adapter = adapterOf(channel);
      const tried = await this.tryOn(channel, entry, signal, (ctx) => call(adapter, ctx));
      const how: AttemptLabel = { phase: 'call', attempt: index + 1, taskId: opts.taskId, requestId: opts.requestId };
      if (!tried.failure) {
        this.health.recordSuccess(channel.id);
        this.report(entry, how, tried, false);
        return { result: tried.result, channel };
      }
      const { failure } = tried;
      failures.push(failure);
      if (!isRetryable(failure)) {
        // The channel answered properly; the request itself was refused.
        this.health.recordSuccess(channel.id);
      } else if (!signal.aborted) {
        this.health.recordFailure(channel.id, failure);
      }
      const failsOver = isRetryable(failure) && index + 1 < candidates.length && !signal.aborted && Date.now() <= deadline;
      this.report(entry, how, tried, failsOver);
      if (!failsOver) break;
    }
    throw toApiError(failures);
  }

  /**
   * One call on a task's own channel (a poll, a lookup after a restart), with the channel's timeout,
   * reported like a routed attempt; never failed over, and channel health is left as it is. What it
   * throws is what the call threw. `failureIn` names a failure the upstream reported in a good answer
   * (a poll saying the task failed), so the attempt is reported with that kind.
   */
  async callOn<T>(
    channel: Channel,
    entry: ModelEntry,
    signal: AbortSignal,
    how: ChannelCall,
    call: (ctx: CallContext) => Promise<T>,
    failureIn: (result: T) => UpstreamError | undefined = () => undefined,
  ): Promise<T> {
    const tried = await this.tryOn(channel, entry, signal, call);
    if (tried.failure) {
      this.report(entry, how, tried, false);
      throw tried.thrown;
    }
    const reported = failureIn(tried.result);
    this.report(entry, how, reported ? { ...tried, failure: reported, thrown: reported } : tried, false);
    return tried.result;
  }

  /** Runs `call` on `channel` under the channel's timeout. An ApiError is not an upstream outcome: it passes through. */
  private async tryOn<T>(channel: Channel, entry: ModelEntry, signal: AbortSignal, call: (ctx: CallContext) => Promise<T>): Promise<Tried<T>> {
    const bounded = new CallSignal(signal, channel.timeoutMs);
    const ctx = callContext(channel, entry, bounded.signal);
    const span = startClientSpan('easel.upstream', { 'easel.channel': channel.id, 'easel.provider': channel.provider, 'easel.model': entry.id, 'easel.upstream_model': ctx.upstreamModel });
    const started = performance.now();
    try {
      const result = await withActiveSpan(span, () => call(ctx));
      return { ctx, latencyMs: performance.now() - started, span, result };
    } catch (thrown) {
      if (thrown instanceof ApiError) {
        failSpan(span, thrown);
        span.end();
        throw thrown;
      }
      return { ctx, latencyMs: performance.now() - started, span, failure: asUpstreamError(thrown, bounded.timedOut), thrown };
    } finally {
      bounded.dispose();
    }
  }

  private report(entry: ModelEntry, how: AttemptLabel, tried: Tried<unknown>, failedOver: boolean): void {
    const { ctx, failure, span } = tried;
    span.updateName(`easel.upstream ${how.phase}`);
    span.setAttributes({ 'easel.phase': how.phase, 'easel.attempt': how.attempt, 'easel.outcome': failure?.kind ?? 'ok', 'easel.failed_over': failedOver });
    if (how.taskId) span.setAttribute('easel.task_id', how.taskId);
    if (failure?.upstreamStatus !== undefined) span.setAttribute('http.response.status_code', failure.upstreamStatus);
    if (failure) failSpan(span, failure, failure.kind);
    span.end();
    this.observe({
      channel: ctx.channel.id,
      provider: ctx.channel.provider,
      model: entry.id,
      upstreamModel: ctx.upstreamModel,
      phase: how.phase,
      attempt: how.attempt,
      outcome: failure?.kind ?? 'ok',
      upstreamStatus: failure?.upstreamStatus,
      latencyMs: tried.latencyMs,
      failedOver,
      reason: failure && CHANNEL_FAULTS.has(failure.kind) ? scrub(failure.message) : undefined,
      taskId: how.taskId,
      requestId: how.requestId,
    });
  }
}

/** What an adapter gets for one call on a channel: the upstream's name for the model comes from the
 * channel's model_map, else the catalogue's per-provider name; the model's wire facts come from the catalogue. */
export function callContext(channel: Channel, entry: ModelEntry, signal: AbortSignal): CallContext {
  return { channel, upstreamModel: channel.modelMap[entry.id] ?? upstreamModelName(entry, channel.provider) ?? entry.id, wire: entry.wire ?? {}, signal };
}

export function isRetryable(err: UpstreamError): boolean {
  return err.kind !== 'bad_request' && err.kind !== 'moderated';
}

/**
 * The signal one call runs under: the caller's, or the channel's timeout, whichever comes first. One
 * controller, one timer and one listener, let go when the call settles: AbortSignal.timeout with
 * AbortSignal.any cost two signals, a weak reference and their clean-up on every call, which a task
 * poll (thousands a minute under a backlog) paid each time (bench/tasks/pending-tasks.ts).
 */
export class CallSignal {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onParentAbort: () => void;
  timedOut = false;

  constructor(private readonly parent: AbortSignal, timeoutMs: number) {
    this.onParentAbort = () => this.controller.abort(parent.reason);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, timeoutMs);
    this.timer.unref();
    if (parent.aborted) this.onParentAbort();
    else parent.addEventListener('abort', this.onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The call has settled: nothing reads the signal any more. */
  dispose(): void {
    clearTimeout(this.timer);
    this.parent.removeEventListener('abort', this.onParentAbort);
  }
}

function asUpstreamError(err: unknown, timedOut: boolean): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (timedOut) return new UpstreamError('timeout', 'upstream did not answer in time');
  return new UpstreamError('upstream_fault', (err as Error)?.message ?? 'upstream call failed');
}

function weightedShuffle(channels: Channel[]): Channel[] {
  const pool = [...channels];
  const out: Channel[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, c) => sum + c.weight, 0);
    let pick = Math.random() * total;
    const index = pool.findIndex((c) => (pick -= c.weight) < 0);
    out.push(...pool.splice(index === -1 ? pool.length - 1 : index, 1));
  }
  return out;
}
