// Picks the channels that serve a model and runs a call against them in order: highest priority
// first, weighted random within a priority. Retryable faults move on to the next channel; a request
// the upstream rejected, or moderated, does not.

import type { ModelEntry } from '../catalog/model-entry.ts';
import { upstreamModelName } from '../catalog/catalog.ts';
import { ApiError, apiErrors } from '../api/errors.ts';
import { adapterOf } from '../providers/registry.ts';
import { type CallContext, type Channel, type ProviderAdapter, UpstreamError } from '../providers/types.ts';
import { ChannelHealth } from './health.ts';
import { everyChannelRateLimited, toApiError } from './upstream-errors.ts';

/** Failover stops after this many channels even when more serve the model. */
const MAX_ATTEMPTS = 4;
/** No new attempt starts after this much time spent on one call. */
const MAX_ROUTING_MS = 5 * 60_000;

export interface Attempt<T> {
  result: T;
  channel: Channel;
}

export class Router {
  private readonly byModel = new Map<string, Channel[]>();

  constructor(
    readonly channels: readonly Channel[],
    readonly health = new ChannelHealth(),
    /** Told of every attempt's outcome: 'ok' or the failure kind (metrics). */
    private readonly observe: (channel: Channel, outcome: string) => void = () => {},
  ) {
    for (const channel of channels) {
      for (const model of channel.models) {
        const list = this.byModel.get(model) ?? [];
        list.push(channel);
        this.byModel.set(model, list);
      }
    }
  }

  /** The order in which channels are tried for one request. */
  candidates(modelId: string): Channel[] {
    const all = this.byModel.get(modelId) ?? [];
    const priorities = [...new Set(all.map((c) => c.priority))].sort((a, b) => b - a);
    return priorities.flatMap((p) => weightedShuffle(all.filter((c) => c.priority === p)));
  }

  async run<T>(
    entry: ModelEntry,
    signal: AbortSignal,
    call: (adapter: ProviderAdapter, ctx: CallContext) => Promise<T>,
    /** Channels whose adapter cannot do this request (an edit on a generate-only upstream) are skipped. */
    accepts: (adapter: ProviderAdapter) => boolean = () => true,
  ): Promise<Attempt<T>> {
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
    const failures: UpstreamError[] = [];
    const deadline = Date.now() + MAX_ROUTING_MS;
    for (const channel of candidates) {
      if (signal.aborted || Date.now() > deadline) break;
      const adapter = adapterOf(channel);
      const timeout = AbortSignal.timeout(channel.timeoutMs);
      const ctx = callContext(channel, entry, AbortSignal.any([signal, timeout]));
      try {
        const result = await call(adapter, ctx);
        this.health.recordSuccess(channel.id);
        this.observe(channel, 'ok');
        return { result, channel };
      } catch (err) {
        const failure = asUpstreamError(err, timeout.aborted);
        failures.push(failure);
        this.observe(channel, failure.kind);
        if (!isRetryable(failure)) {
          // The channel answered properly; the request itself was refused.
          this.health.recordSuccess(channel.id);
          break;
        }
        if (!signal.aborted) this.health.recordFailure(channel.id, failure);
      }
    }
    throw toApiError(failures);
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

function asUpstreamError(err: unknown, timedOut: boolean): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof ApiError) throw err;
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
