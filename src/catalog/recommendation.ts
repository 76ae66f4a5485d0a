// The recommended order of GET /v1/models?recommended_for=image, from how each model fared in this
// deployment's own tasks over the last 24 h (TokenLab's agent_preferences). Models with enough
// closed tasks are ranked first: by success rate, then by mean latency, the catalogue rank breaking
// ties; the others follow in catalogue rank. Pure: the figures come in as an ActivitySnapshot.

import type { ModelEntry } from './model-entry.ts';

/** Fewer closed tasks than this in 24 h and a model's success rate is too noisy to rank by. */
export const MIN_SAMPLES_24H = 20;
/** Success rates in the same whole percentage point rank as equal... */
const RATE_STEP = 0.01;
/** ...and so do mean latencies in the same whole second. */
const LATENCY_STEP_MS = 1_000;

/** What one model did in the window (storage/db/model-stats.ts ModelOutcomes has this shape). */
export interface ModelActivity {
  succeeded: number;
  /** Failures not caused by the request itself. */
  failed: number;
  meanLatencyMs: number | null;
}

export interface ActivitySnapshot {
  /** When the figures were read (unix ms); null before the first read. */
  takenAt: number | null;
  byModel: ReadonlyMap<string, ModelActivity>;
}

export const NO_ACTIVITY: ActivitySnapshot = { takenAt: null, byModel: new Map() };

/** One model's recommendation, as agent_preferences.image (and compact `recommendation`) show it. */
export interface Recommendation {
  /** 1-based position in the recommended order; null for a model no channel serves. */
  preferred_rank: number | null;
  success_rate_24h: number | null;
  sample_count_24h: number;
  status: 'ready' | 'insufficient_samples';
  mean_latency_ms_24h: number | null;
}

interface Scored {
  entry: ModelEntry;
  samples: number;
  rate: number | null;
  latencyMs: number | null;
  ready: boolean;
}

function score(entry: ModelEntry, activity: ActivitySnapshot): Scored {
  const a = activity.byModel.get(entry.id);
  const samples = a ? a.succeeded + a.failed : 0;
  return {
    entry,
    samples,
    rate: a && samples > 0 ? a.succeeded / samples : null,
    latencyMs: a?.meanLatencyMs ?? null,
    ready: samples >= MIN_SAMPLES_24H,
  };
}

const catalogueRank = (e: ModelEntry) => e.recommendedRank ?? Number.MAX_SAFE_INTEGER;
/** A figure to whole steps, so near-equal figures compare equal; a missing one sorts last. */
const bucket = (value: number | null, size: number) => (value === null ? Number.MAX_SAFE_INTEGER : Math.round(value / size));

/** Ready before insufficient; among ready, higher rate then lower latency; then catalogue rank. The sort is stable, so unranked models keep catalogue order. */
function byPreference(a: Scored, b: Scored): number {
  if (a.ready !== b.ready) return a.ready ? -1 : 1;
  if (a.ready) {
    // Ready models have samples, so a rate; the higher rate first.
    const rate = bucket(b.rate, RATE_STEP) - bucket(a.rate, RATE_STEP);
    if (rate !== 0) return rate;
    // A ready model with no success has no latency: last among its (zero) rate.
    const latency = bucket(a.latencyMs, LATENCY_STEP_MS) - bucket(b.latencyMs, LATENCY_STEP_MS);
    if (latency !== 0) return latency;
  }
  return catalogueRank(a.entry) - catalogueRank(b.entry);
}

function recommendationOf(s: Scored, rank: number | null): Recommendation {
  return {
    preferred_rank: rank,
    success_rate_24h: s.rate === null ? null : Math.round(s.rate * 10_000) / 10_000,
    sample_count_24h: s.samples,
    status: s.ready ? 'ready' : 'insufficient_samples',
    mean_latency_ms_24h: s.latencyMs,
  };
}

/**
 * `served` in recommended order, each with its recommendation, then `unserved` (listed only when
 * asked for) in catalogue rank with no position: nothing here can run them.
 */
export function recommend(served: readonly ModelEntry[], unserved: readonly ModelEntry[], activity: ActivitySnapshot): Array<{ entry: ModelEntry; recommendation: Recommendation }> {
  const ranked = served.map((e) => score(e, activity)).sort(byPreference);
  const rest = unserved.map((e) => score(e, activity)).sort((a, b) => catalogueRank(a.entry) - catalogueRank(b.entry));
  return [
    ...ranked.map((s, i) => ({ entry: s.entry, recommendation: recommendationOf(s, i + 1) })),
    ...rest.map((s) => ({ entry: s.entry, recommendation: recommendationOf(s, null) })),
  ];
}
