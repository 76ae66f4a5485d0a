// How each channel's upstream calls went lately, on this replica: the router reports every attempt
// (main.ts hands it here beside the metrics and the log line), and the operator's console reads the
// success rate, p50/p99 latency and latest failures per channel (GET /admin/v1/channels/stats).
// Per process, like channel health without Redis; bounded per channel, so memory stays flat.

import type { UpstreamAttempt } from '../routing/attempts.ts';

/** Calls kept per channel: enough for a stable p99, small enough to sort on every read. */
export const CHANNEL_ACTIVITY_PER_CHANNEL = 2_000;
export const CHANNEL_RECENT_ERRORS = 5;

interface Call {
  at: number;
  ok: boolean;
  latencyMs: number;
  model: string;
  outcome: string;
  upstreamStatus?: number;
  reason?: string;
}

export interface ChannelActivitySummary {
  succeeded: number;
  failed: number;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
  /** Newest first. */
  recentErrors: Array<{ at: number; model: string; outcome: string; upstreamStatus: number | null; reason: string | null }>;
}

/** The value at quantile `q` of ascending `sorted` (nearest rank). */
export function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export class ChannelActivity {
  private readonly calls = new Map<string, Call[]>();

  /** Only calls (generate, edit, vary, submit): polls are cheap status checks and would drown the latency. */
  record(a: UpstreamAttempt, now = Date.now()): void {
    if (a.phase !== 'call') return;
    const list = this.calls.get(a.channel) ?? [];
    list.push({ at: now, ok: a.outcome === 'ok', latencyMs: Math.round(a.latencyMs), model: a.model, outcome: a.outcome, upstreamStatus: a.upstreamStatus, reason: a.reason });
    if (list.length > CHANNEL_ACTIVITY_PER_CHANNEL) list.splice(0, list.length - CHANNEL_ACTIVITY_PER_CHANNEL);
    this.calls.set(a.channel, list);
  }

  /** The channel's calls at or after `since` (unix ms). */
  summary(channelId: string, since: number): ChannelActivitySummary {
    const calls = (this.calls.get(channelId) ?? []).filter((c) => c.at >= since);
    const ok = calls.filter((c) => c.ok);
    const latencies = ok.map((c) => c.latencyMs).sort((a, b) => a - b);
    const failures = calls.filter((c) => !c.ok).slice(-CHANNEL_RECENT_ERRORS).reverse();
    return {
      succeeded: ok.length,
      failed: calls.length - ok.length,
      p50LatencyMs: nearestRank(latencies, 0.5),
      p99LatencyMs: nearestRank(latencies, 0.99),
      recentErrors: failures.map((c) => ({ at: c.at, model: c.model, outcome: c.outcome, upstreamStatus: c.upstreamStatus ?? null, reason: c.reason ?? null })),
    };
  }
}
