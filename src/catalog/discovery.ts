// Response bodies of the public discovery routes: GET /v1/models (full and compact), GET
// /v1/models/{id}, GET /v1/pricing and GET /v1/models/{id}/pricing. Pure functions of the catalogue
// and of what the deployment tells (a Deployment): which models a channel serves, and how they fared.

import { apiErrors } from '../api/errors.ts';
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
import { type ActivitySnapshot, MIN_SAMPLES_24H, NO_ACTIVITY, type Recommendation, recommend } from './recommendation.ts';
import { listRequestFormatSummary, requestFormatDetails, requestFormatSummary } from './request-format.ts';

export interface ModelListQuery {
  recommended_for?: string;
  category?: string;
  provider?: string;
  view?: string;
  /** `unavailable`: also the models no channel serves, marked `available: false`. */
  include?: string;
}

/** What this deployment can do, as the discovery bodies tell it. */
export interface Deployment {
  /** Whether some configured channel (or the demo provider) serves this catalogue id. */
  serves(modelId: string): boolean;
  /** How each model fared in this deployment's tasks (the recommended order). */
  activity: ActivitySnapshot;
}

/** A deployment with no channels configured, before any task: the demo provider serves every model. */
export const DEMO_DEPLOYMENT: Deployment = { serves: () => true, activity: NO_ACTIVITY };

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

/** One model in a list body: whether it can be run here, and with recommended_for its recommendation. */
interface Listed {
  entry: ModelEntry;
  available: boolean;
  recommendation?: Recommendation;
}

function agentPreference(r: Recommendation, activity: ActivitySnapshot): Record<string, unknown> {
  const { mean_latency_ms_24h, ...rest } = r;
  return {
    ...rest,
    updated_at: activity.takenAt === null ? null : isoSeconds(activity.takenAt),
    basis: { source: 'recent_activity_24h', min_samples_24h: MIN_SAMPLES_24H },
    mean_latency_ms_24h,
  };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function matchesProvider(entry: ModelEntry, provider: string): boolean {
  const p = provider.toLowerCase();
  return entry.owned_by === p || Object.keys(entry.upstream).includes(p);
}

function includesUnavailable(include: string | undefined): boolean {
  if (include === undefined || include === '') return false;
  if (include === 'unavailable') return true;
  throw apiErrors.invalidRequest(`include takes one value, 'unavailable' (got '${String(include).slice(0, 64)}').`, 'include', 'invalid_value');
}

function selectModels(query: ModelListQuery, deployment: Deployment): Listed[] {
  const withUnavailable = includesUnavailable(query.include);
  const wanted = (m: ModelEntry) =>
    (!query.category || m.category === query.category) && (!query.provider || matchesProvider(m, query.provider)) && (withUnavailable || deployment.serves(m.id));
  if (!query.recommended_for) {
    return listModels()
      .filter(wanted)
      .map((entry) => ({ entry, available: deployment.serves(entry.id) }));
  }
  // Only image models exist here; other task kinds have no candidates. Positions are taken over every
  // image model this deployment serves, so a filter never renumbers them.
  if (query.recommended_for !== 'image') return [];
  const images = listModels().filter((m) => m.category === 'image');
  const served = images.filter((m) => deployment.serves(m.id));
  const unserved = withUnavailable ? images.filter((m) => !deployment.serves(m.id)) : [];
  return recommend(served, unserved, deployment.activity)
    .filter(({ entry }) => wanted(entry))
    .map(({ entry, recommendation }) => ({ entry, available: deployment.serves(entry.id), recommendation }));
}

function listItem({ entry, available, recommendation }: Listed, deployment: Deployment): Record<string, unknown> {
  return {
    id: entry.id,
    object: 'model',
    created: entry.created,
    owned_by: entry.owned_by,
    available,
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
      ...(recommendation ? { agent_preferences: { image: agentPreference(recommendation, deployment.activity) } } : {}),
      lifecycle: publicLifecycle(entry.lifecycle),
      commercial: { ...COMMERCIAL },
      badges: badges(entry.lifecycle),
      request_format_summary: listRequestFormatSummary(entry),
    },
  };
}

function compactItem({ entry, available, recommendation }: Listed): Record<string, unknown> {
  return {
    id: entry.id,
    available,
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
    ...(recommendation ? { recommendation: compactRecommendation(recommendation) } : {}),
  };
}

/** The compact view's recommendation: TokenLab's four fields. */
function compactRecommendation(r: Recommendation): Record<string, unknown> {
  return { preferred_rank: r.preferred_rank, success_rate_24h: r.success_rate_24h, sample_count_24h: r.sample_count_24h, status: r.status };
}

/** GET /v1/models: the models this deployment serves (`include=unavailable`: every catalogue model). */
export function modelListBody(query: ModelListQuery = {}, deployment: Deployment = DEMO_DEPLOYMENT): Record<string, unknown> {
  const models = selectModels(query, deployment);
  if (query.view === 'compact') {
    const data = models.map(compactItem);
    return { object: 'list', view: 'compact', count: data.length, data };
  }
  return { object: 'list', data: models.map((m) => listItem(m, deployment)) };
}

/** GET /v1/models/{id}: aliases resolve; unknown → 404 model_not_found; a model no channel serves says so. */
export function modelDetailBody(id: string, deployment: Deployment = DEMO_DEPLOYMENT): Record<string, unknown> {
  const entry = requireModel(id, 404);
  const available = deployment.serves(entry.id);
  const item = listItem({ entry, available }, deployment);
  return {
    ...item,
    ...(available ? {} : { unavailable_reason: unavailableReason(entry.id) }),
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

function unavailableReason(id: string): string {
  return `No channel of this deployment serves ${id}: a request for it answers 503 all_channels_failed. GET /v1/models lists the models it serves.`;
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
