// recommended_for=image ranks by this deployment's own 24 h figures: success rate, then mean latency,
// the catalogue rank breaking ties; models under the sample minimum follow in catalogue rank.

import { describe, expect, it } from 'vitest';
import { type Deployment, modelListBody } from '../../src/catalog/discovery.ts';
import { type ActivitySnapshot, MIN_SAMPLES_24H, type ModelActivity } from '../../src/catalog/recommendation.ts';

const TAKEN_AT = Date.UTC(2026, 11, 7, 12, 0, 0);

/** Serves exactly `activity`'s models plus `alsoServed`, with those figures. */
function deployment(activity: Record<string, ModelActivity>, alsoServed: string[] = []): Deployment {
  const served = new Set([...Object.keys(activity), ...alsoServed]);
  const snapshot: ActivitySnapshot = { takenAt: TAKEN_AT, byModel: new Map(Object.entries(activity)) };
  return { serves: (id) => served.has(id), activity: snapshot };
}

type Preference = { preferred_rank: number | null; success_rate_24h: number | null; sample_count_24h: number; status: string; updated_at: string | null; mean_latency_ms_24h: number | null };

function ranked(d: Deployment): Array<{ id: string } & Preference> {
  const body = modelListBody({ recommended_for: 'image' }, d) as { data: Array<{ id: string; tokenlab: { agent_preferences: { image: Preference } } }> };
  return body.data.map((m) => ({ id: m.id, ...m.tokenlab.agent_preferences.image }));
}

const ids = (d: Deployment) => ranked(d).map((m) => m.id);
const ok = (n: number, meanLatencyMs = 10_000): ModelActivity => ({ succeeded: n, failed: 0, meanLatencyMs });

describe('recommended_for=image from task figures', () => {
  it('a model with many failures ranks below one with successes, whatever their catalogue ranks', () => {
    const d = deployment({ 'gpt-image-2': { succeeded: 10, failed: 20, meanLatencyMs: 8_000 }, 'flux-schnell': ok(25) });
    const list = ranked(d);
    expect(list.map((m) => m.id)).toEqual(['flux-schnell', 'gpt-image-2']);
    expect(list[0]).toMatchObject({ preferred_rank: 1, success_rate_24h: 1, sample_count_24h: 25, status: 'ready', mean_latency_ms_24h: 10_000 });
    expect(list[1]).toMatchObject({ preferred_rank: 2, success_rate_24h: 0.3333, sample_count_24h: 30, status: 'ready', mean_latency_ms_24h: 8_000 });
    expect(list[0].updated_at).toBe('2026-12-07T12:00:00Z');
  });

  it('under the sample minimum: insufficient_samples, after every ready model, in catalogue rank whatever its rate', () => {
    const under = MIN_SAMPLES_24H - 1;
    const d = deployment({
      // catalogue ranks 1, 2, 4, 16
      'gpt-image-2': { succeeded: 0, failed: under, meanLatencyMs: null },
      'nano-banana-pro': ok(under),
      'nano-banana-2': ok(3),
      'flux-schnell': { succeeded: MIN_SAMPLES_24H - 2, failed: 2, meanLatencyMs: 30_000 },
    });
    const list = ranked(d);
    expect(list.map((m) => [m.id, m.status])).toEqual([
      ['flux-schnell', 'ready'],
      ['gpt-image-2', 'insufficient_samples'],
      ['nano-banana-pro', 'insufficient_samples'],
      ['nano-banana-2', 'insufficient_samples'],
    ]);
    // Their figures are still the real ones, just not ranked by.
    expect(list[1]).toMatchObject({ success_rate_24h: 0, sample_count_24h: under, mean_latency_ms_24h: null });
    expect(list[3]).toMatchObject({ success_rate_24h: 1, sample_count_24h: 3 });
    expect(list[0].success_rate_24h).toBe(0.9);
  });

  it('a served model with no task at all is insufficient_samples with no rate', () => {
    const list = ranked(deployment({ 'flux-pro': ok(40) }, ['midjourney']));
    expect(list.map((m) => m.id)).toEqual(['flux-pro', 'midjourney']);
    expect(list[1]).toMatchObject({ preferred_rank: 2, success_rate_24h: null, sample_count_24h: 0, status: 'insufficient_samples', mean_latency_ms_24h: null });
  });

  it('equal success rates: the faster first; equal to the second too: the catalogue rank', () => {
    // flux-pro (rank 10) is faster than gpt-image-2 (rank 1) and nano-banana-pro (rank 2).
    expect(ids(deployment({ 'gpt-image-2': ok(30, 25_000), 'nano-banana-pro': ok(30, 25_400), 'flux-pro': ok(30, 6_000) }))).toEqual(['flux-pro', 'gpt-image-2', 'nano-banana-pro']);
    // Within the same second, and within the same percentage point, the catalogue decides.
    expect(ids(deployment({ 'nano-banana-pro': ok(30, 9_900), 'gpt-image-2': ok(30, 10_100) }))).toEqual(['gpt-image-2', 'nano-banana-pro']);
    const nearly = (failed: number): ModelActivity => ({ succeeded: 1_000 - failed, failed, meanLatencyMs: 10_000 });
    expect(ids(deployment({ 'nano-banana-pro': nearly(0), 'gpt-image-2': nearly(3) }))).toEqual(['gpt-image-2', 'nano-banana-pro']);
    // A whole point apart, the higher rate wins even when slower.
    expect(ids(deployment({ 'nano-banana-pro': ok(100, 40_000), 'gpt-image-2': { succeeded: 98, failed: 2, meanLatencyMs: 5_000 } }))).toEqual(['nano-banana-pro', 'gpt-image-2']);
  });

  it('a filter keeps the positions taken over every served model', () => {
    const d = deployment({ 'gpt-image-2': ok(30, 20_000), 'nano-banana-pro': ok(30, 5_000), 'flux-pro': ok(30, 1_000) });
    const google = modelListBody({ recommended_for: 'image', provider: 'google' }, d) as { data: Array<{ id: string; tokenlab: { agent_preferences: { image: Preference } } }> };
    expect(google.data.map((m) => [m.id, m.tokenlab.agent_preferences.image.preferred_rank])).toEqual([['nano-banana-pro', 2]]);
  });

  it('the compact view carries the same order and TokenLab\'s four recommendation fields', () => {
    const d = deployment({ 'gpt-image-2': { succeeded: 5, failed: 25, meanLatencyMs: 1_000 }, 'flux-pro': ok(30) });
    const compact = modelListBody({ recommended_for: 'image', view: 'compact' }, d) as { data: Array<{ id: string; recommendation: Record<string, unknown> }> };
    expect(compact.data.map((m) => m.id)).toEqual(ids(d));
    expect(compact.data[1].recommendation).toEqual({ preferred_rank: 2, success_rate_24h: 0.1667, sample_count_24h: 30, status: 'ready' });
  });
});
