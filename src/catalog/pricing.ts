// Published price views of the catalogue's price data: the `pricing` objects of /v1/models, the
// rows of /v1/pricing and the body of /v1/models/{id}/pricing. Quoting and charging live in billing/;
// this file only describes. Amounts are integer micro-dollars (util/money.ts), rounded as billing
// rounds a charge, so a published per-image figure is what one image's output tokens are charged.

import { formatUsd, priceMicros, tokenCostMicros } from '../util/money.ts';
import type { ModelEntry, PriceData, PriceFigure, PriceSelector } from './model-entry.ts';
import { publicOperations } from './operations.ts';

/** Token-priced models are summarised at 1024x1024, the size most clients ask for. */
const REFERENCE_MEGAPIXELS = 1;

export function pricingUnit(entry: ModelEntry): PriceData['unit'] {
  return entry.price.unit;
}

/** Complex = the price depends on the request (size, quality, resolution) or on reported usage. */
export function hasComplexPricing(entry: ModelEntry): boolean {
  const price = entry.price;
  if (price.unit === 'per_token') return true;
  if (price.unit === 'per_image') return new Set(price.rows.map((r) => r.price.usd)).size > 1;
  return false;
}

/** Cost of one image per pricing row (token models: output tokens at the output rate). */
function perImageAmounts(price: PriceData): Array<{ when: PriceSelector; micros: number }> {
  switch (price.unit) {
    case 'per_image':
      return price.rows.map((r) => ({ when: r.when, micros: priceMicros(r.price.usd) }));
    case 'per_request':
      return [{ when: {}, micros: priceMicros(price.price.usd) }];
    case 'per_token': {
      const rate = priceMicros(price.perMillion.imageOutput.usd);
      const mp = price.outputTokens.basis === 'per_megapixel' ? REFERENCE_MEGAPIXELS : 1;
      return price.outputTokens.rows.map((r) => ({ when: r.when, micros: tokenCostMicros(r.tokens * mp, rate) }));
    }
  }
}

function priceRange(entry: ModelEntry): { min: string; max: string } {
  const amounts = perImageAmounts(entry.price).map((a) => a.micros);
  return { min: formatUsd(Math.min(...amounts)), max: formatUsd(Math.max(...amounts)) };
}

/** Flat prices: the one amount a request (or image) costs; undefined when it depends on the request. */
function flatPrice(entry: ModelEntry): string | undefined {
  return hasComplexPricing(entry) ? undefined : priceRange(entry).min;
}

export function scalarPricing(entry: ModelEntry): Record<string, string> {
  const price = entry.price;
  const out: Record<string, string> = {};
  if (price.unit === 'per_token') {
    out.input_per_1m = price.perMillion.textInput.usd;
    out.image_input_per_1m = price.perMillion.imageInput.usd;
    out.output_per_1m = price.perMillion.imageOutput.usd;
    if (price.perMillion.cachedTextInput) out.cached_input_per_1m = price.perMillion.cachedTextInput.usd;
  } else if (price.unit === 'per_request') {
    out.per_request = price.price.usd;
  } else {
    const flat = flatPrice(entry);
    if (flat) out.per_image = flat;
  }
  return out;
}

export function pricingSummary(entry: ModelEntry): Record<string, unknown> | null {
  if (!hasComplexPricing(entry)) return null;
  const { min, max } = priceRange(entry);
  return {
    unit: entry.price.unit,
    currency: 'USD',
    min_price: min,
    max_price: max,
    per_image_range_basis: entry.price.unit === 'per_token' ? 'image output tokens per image at 1024x1024; the charge follows reported usage' : 'per image',
    depends_on: dependsOn(entry.price),
  };
}

function dependsOn(price: PriceData): string[] {
  const rows = price.unit === 'per_image' ? price.rows : price.unit === 'per_token' ? price.outputTokens.rows : [];
  const keys = new Set(rows.flatMap((r) => Object.keys(r.when)));
  if (price.unit === 'per_token') keys.add('usage');
  return [...keys];
}

/** Where every number comes from, with the price version charges record. */
export function pricingProvenance(entry: ModelEntry): Record<string, unknown> {
  const price = entry.price;
  const figures: Array<{ item: string; usd?: string; tokens?: number; source: string; estimate: boolean }> = [];
  const add = (item: string, f: PriceFigure) => figures.push({ item, usd: f.usd, source: f.source, estimate: f.estimate === true });
  if (price.unit === 'per_image') price.rows.forEach((r) => add(`per_image ${describe(r.when)}`, r.price));
  if (price.unit === 'per_request') add('per_request', price.price);
  if (price.unit === 'per_token') {
    for (const [k, f] of Object.entries(price.perMillion)) if (f) add(`${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_per_1m`, f);
    for (const r of price.outputTokens.rows) {
      figures.push({ item: `image_output_tokens ${price.outputTokens.basis} ${describe(r.when)}`, tokens: r.tokens, source: r.source, estimate: r.estimate === true });
    }
  }
  return { version: price.version, currency: 'USD', figures };
}

function describe(when: PriceSelector): string {
  const parts = Object.entries(when).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : '(any)';
}

export function pricingDetails(entry: ModelEntry): Record<string, unknown> {
  return structuredClone(entry.price) as unknown as Record<string, unknown>;
}

/** `tokenlab.pricing` of /v1/models items. */
export function listPricing(entry: ModelEntry): Record<string, unknown> {
  return { unit: entry.price.unit, currency: 'USD', version: entry.price.version, ...scalarPricing(entry), ...(hasComplexPricing(entry) ? { min_price: priceRange(entry).min, max_price: priceRange(entry).max } : {}) };
}

/** `pricing` of the compact /v1/models view (CompactModelListItem.pricing, additionalProperties: false). */
export function compactPricing(entry: ModelEntry): Record<string, unknown> {
  const scalar = scalarPricing(entry);
  const complex = hasComplexPricing(entry);
  return {
    unit: entry.price.unit,
    currency: 'USD',
    ...(scalar.input_per_1m ? { input_per_1m: scalar.input_per_1m } : {}),
    ...(scalar.output_per_1m ? { output_per_1m: scalar.output_per_1m } : {}),
    ...(scalar.per_request ? { per_request: scalar.per_request } : {}),
    ...(complex ? { min_price: priceRange(entry).min, max_price: priceRange(entry).max } : {}),
    has_complex_pricing: complex,
  };
}

/** One row of GET /v1/pricing (PricingEntry). */
export function pricingEntry(entry: ModelEntry, capabilities: string[]): Record<string, unknown> {
  const price = entry.price;
  const flat = flatPrice(entry);
  return {
    model: entry.id,
    provider: entry.owned_by,
    is_lock_price: price.unit !== 'per_token',
    capabilities,
    aliases: [...entry.aliases],
    input_per_1m_tokens: price.unit === 'per_token' ? price.perMillion.textInput.usd : null,
    output_per_1m_tokens: price.unit === 'per_token' ? price.perMillion.imageOutput.usd : null,
    lock_price_per_request: price.unit === 'per_token' ? null : (flat ?? null),
    has_complex_pricing: hasComplexPricing(entry),
    supported_operations: publicOperations(entry),
    pricing_summary: pricingSummary(entry),
    pricing_provenance: pricingProvenance(entry),
  };
}
