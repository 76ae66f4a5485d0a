// Looking models up: ids and aliases resolve to one entry; an unknown id gets a `did_you_mean`.

import { apiErrors } from '../api/errors.ts';
import type { ModelEntry, UpstreamProvider } from './model-entry.ts';
import { MODELS } from './models.ts';

const byName = new Map<string, ModelEntry>();
for (const entry of MODELS) {
  for (const name of [entry.id, ...entry.aliases]) {
    // Two entries claiming one name would make routing ambiguous: fail at load, not per request.
    if (byName.has(name)) throw new Error(`catalogue: '${name}' is claimed by two models`);
    byName.set(name, entry);
  }
}

/** The entry for a model id or alias (exact match, as OpenAI model ids are). */
export function resolveModel(id: string): ModelEntry | undefined {
  return byName.get(id);
}

/** Resolves or throws model_not_found: 400 on create calls, 404 on GET /v1/models/{id}. */
export function requireModel(id: string, status: 400 | 404): ModelEntry {
  const entry = resolveModel(id);
  if (entry) return entry;
  throw apiErrors.modelNotFound(id, status, suggestModel(id));
}

export function listModels(): readonly ModelEntry[] {
  return MODELS;
}

/** The upstream's own name for a model on a provider, or undefined when that provider does not serve it. */
export function upstreamModelName(entry: ModelEntry, provider: string): string | undefined {
  return entry.upstream[provider as UpstreamProvider];
}

/**
 * The known name closest to what the client typed: a case-insensitive match, a name the input is a
 * prefix of (or that is a prefix of it), or the smallest edit distance within a quarter of the length.
 */
export function suggestModel(input: string): string | undefined {
  const needle = input.trim().toLowerCase();
  if (!needle) return undefined;
  const names = [...byName.keys()];
  const exact = names.find((n) => n.toLowerCase() === needle);
  if (exact) return exact;
  let best: { name: string; score: number } | undefined;
  for (const name of names) {
    const lower = name.toLowerCase();
    const distance = editDistance(needle, lower);
    const prefix = lower.startsWith(needle) || needle.startsWith(lower);
    // A prefix match costs only the missing characters ('gpt-image' → 'gpt-image-2'); ties go to the shorter name.
    const score = prefix ? Math.min(distance, Math.abs(lower.length - needle.length)) : distance;
    const limit = prefix ? Infinity : Math.max(2, Math.floor(Math.max(needle.length, lower.length) / 4));
    if (score > limit) continue;
    if (!best || score < best.score || (score === best.score && name.length < best.name.length)) best = { name, score };
  }
  return best?.name;
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
