// Response bodies of the public discovery routes: GET /v1/models (full and compact), GET
// /v1/models/{id}, GET /v1/pricing and GET /v1/models/{id}/pricing. Pure functions of the catalogue.

import { listModels, requireModel } from './catalog.ts';
import type { Lifecycle, ModelEntry } from './model-entry.ts';
import { capabilities, primaryEndpoint, publicOperations } from './operations.ts';
import {
  compactPricing,
  hasComplexPricing,
  listPricing,
  pricingDetails,
  pricingEntry,
  pricingProvenance,
  pricingSummary,
  pricingUnit,
  scalarPricing,
} from './pricing.ts';
import { listRequestFormatSummary, requestFormatDetails, requestFormatSummary } from './request-format.ts';

export interface ModelListQuery {
  recommended_for?: string;
  category?: string;
  provider?: string;
  view?: string;
}

function publicLifecycle(l: Lifecycle): Record<string, unknown> {
  return {
    stage: l.stage,
    reason: l.reason,
    replacement_model: l.replacementModel,
    released_at: l.releasedAt,
    deprecated_at: l.deprecatedAt,
    retired_at: null,
    sunset_at: l.sunsetAt,
    latest: l.latest,
    latest_source: l.latest ? 'override' : 'none',
    latest_window_days: null,
  };
}

function badges(l: Lifecycle): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (l.stage === 'deprecated') {
    const values: Record<string, string> = {};
    if (l.replacementModel) values.replacement_model = l.replacementModel;
    if (l.sunsetAt) values.sunset_at = l.sunsetAt;
    out.push({ key: 'deprecated', tone: 'amber', priority: 10, tooltip: { key: 'model.badge.deprecated', values } });
  }
  if (l.stage === 'preview') out.push({ key: 'preview', tone: 'blue', priority: 20, tooltip: { key: 'model.badge.preview', values: {} } });
  if (l.latest) out.push({ key: 'latest', tone: 'green', priority: 30, tooltip: { key: 'model.badge.latest', values: {} } });
  return out;
}

const COMMERCIAL = { user_charge_policy: 'paid', free_reason: null, free_until: null } as const;

/** No live success-rate statistics yet, so every model reports insufficient samples with its static rank. */
function recommendation(entry: ModelEntry): Record<string, unknown> {
  return {
    preferred_rank: entry.recommendedRank ?? null,
    success_rate_24h: null,
    sample_count_24h: 0,
    status: 'insufficient_samples',
  };
}

function byRecommendation(a: ModelEntry, b: ModelEntry): number {
  const rank = (e: ModelEntry) => e.recommendedRank ?? Number.MAX_SAFE_INTEGER;
  return rank(a) - rank(b);
}

function matchesProvider(entry: ModelEntry, provider: string): boolean {
  const p = provider.toLowerCase();
  return entry.owned_by === p || Object.keys(entry.upstream).includes(p);
}

function selectModels(query: ModelListQuery): ModelEntry[] {
  let models = [...listModels()];
  if (query.category) models = models.filter((m) => m.category === query.category);
  if (query.provider) models = models.filter((m) => matchesProvider(m, query.provider!));
  if (query.recommended_for) {
    // Only image models exist here; other task kinds have no candidates. The sort is stable, so
    // unranked models keep catalogue order after the ranked ones.
    models = query.recommended_for === 'image' ? models.filter((m) => m.category === 'image').sort(byRecommendation) : [];
  }
  return models;
}

function listItem(entry: ModelEntry, recommendedFor: string | undefined): Record<string, unknown> {
  return {
    id: entry.id,
    object: 'model',
    created: entry.created,
    owned_by: entry.owned_by,
    tokenlab: {
      aliases: [...entry.aliases],
      pricing: listPricing(entry),
      capabilities: capabilities(entry),
      providers: Object.keys(entry.upstream),
      max_input_tokens: null,
      max_output_tokens: null,
      category: entry.category,
      pricing_unit: pricingUnit(entry),
      has_complex_pricing: hasComplexPricing(entry),
      pricing_summary: pricingSummary(entry),
      ...(recommendedFor ? { agent_preferences: { [recommendedFor]: { ...recommendation(entry), updated_at: null, basis: { source: 'recent_activity_24h' } } } } : {}),
      lifecycle: publicLifecycle(entry.lifecycle),
      commercial: { ...COMMERCIAL },
      badges: badges(entry.lifecycle),
      request_format_summary: listRequestFormatSummary(entry),
    },
  };
}

function compactItem(entry: ModelEntry, recommendedFor: string | undefined): Record<string, unknown> {
  return {
    id: entry.id,
    provider: entry.owned_by,
    category: entry.category,
    capabilities: capabilities(entry),
    max_input_tokens: null,
    max_output_tokens: null,
    pricing: compactPricing(entry),
    status: entry.lifecycle.stage,
    latest: entry.lifecycle.latest,
    supported_operations: publicOperations(entry),
    request_endpoint: primaryEndpoint(entry),
    ...(recommendedFor ? { recommendation: recommendation(entry) } : {}),
  };
}

/** GET /v1/models. */
export function modelListBody(query: ModelListQuery = {}): Record<string, unknown> {
  const models = selectModels(query);
  if (query.view === 'compact') {
    const data = models.map((m) => compactItem(m, query.recommended_for));
    return { object: 'list', view: 'compact', count: data.length, data };
  }
  return { object: 'list', data: models.map((m) => listItem(m, query.recommended_for)) };
}

/** GET /v1/models/{id}: aliases resolve; unknown → 404 model_not_found. */
export function modelDetailBody(id: string): Record<string, unknown> {
  const entry = requireModel(id, 404);
  const item = listItem(entry, undefined);
  return {
    ...item,
    tokenlab: {
      ...(item.tokenlab as Record<string, unknown>),
      accepted_request_formats: [],
      supported_operations: publicOperations(entry),
      pricing_provenance: pricingProvenance(entry),
      capability_flags: requestFormatSummary(entry).feature_flags,
      upstream_models: { ...entry.upstream },
      family: entry.family,
      description: entry.description,
      request_format_summary: requestFormatSummary(entry),
      request_format_details: requestFormatDetails(entry),
    },
  };
}

/** GET /v1/pricing. */
export function pricingBody(query: { provider?: string } = {}): Record<string, unknown> {
  const models = listModels().filter((m) => !query.provider || matchesProvider(m, query.provider));
  const versions = listModels().map((m) => m.price.version).sort();
  return {
    object: 'pricing',
    updated_at: `${versions.at(-1)}T00:00:00Z`,
    currency: 'USD',
    data: models.map((m) => pricingEntry(m, capabilities(m))),
  };
}

/** GET /v1/models/{id}/pricing. */
export function modelPricingBody(id: string): Record<string, unknown> {
  const entry = requireModel(id, 404);
  return {
    model: entry.id,
    pricing_unit: pricingUnit(entry),
    has_complex_pricing: hasComplexPricing(entry),
    supported_operations: publicOperations(entry),
    pricing_summary: pricingSummary(entry),
    pricing_provenance: pricingProvenance(entry),
    pricing_details: pricingDetails(entry),
    scalar_pricing: scalarPricing(entry),
  };
}
