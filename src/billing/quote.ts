// Prices of one request, from the catalogue's price data: the quote (the most the request can cost,
// reserved before anything goes upstream) and the charge (what the delivered result costs, never
// more than the quote). All arithmetic is integer micro-dollars (util/money.ts): token rates are
// micro-dollars per million tokens, and each cost is rounded up to the micro-dollar once it is known.

import { outputDimensions } from '../catalog/dimensions.ts';
import type { ModelEntry, PriceData, PriceSelector } from '../catalog/model-entry.ts';
import { sizeParam } from '../catalog/size-rules.ts';
import type { NormalizedImageRequest } from '../catalog/types.ts';
import { divideRoundingUp, priceMicros, tokenCostMicros } from '../util/money.ts';

export interface Pricing {
  micros: number;
  priceVersion: string;
  /** The figures the amount was computed from, recorded with the reservation or charge. */
  basis: Record<string, unknown>;
}

export interface PriceAdjustments {
  /** Percent added to every price (operator markup). */
  markupPercent: number;
  /** Per-model replacement price data (operator overrides). */
  overrides: Record<string, PriceData>;
  /** Suffix to the catalogue's price version when adjustments apply. */
  versionTag?: string;
}

export const NO_ADJUSTMENTS: PriceAdjustments = { markupPercent: 0, overrides: {} };

/** Input tokens assumed per reference image when quoting token-priced models (OpenAI bills ~ 1–2k). */
const QUOTE_TOKENS_PER_INPUT_IMAGE = 2_000;

/** Cost of `tokens` at a per-million rate, rounded up to the micro-dollar. */
function tokenCost(tokens: number, perMillionUsd: string): number {
  return tokenCostMicros(tokens, priceMicros(perMillionUsd));
}

function selectorValues(req: NormalizedImageRequest): Record<string, string | undefined> {
  const size = req.size === undefined ? undefined : sizeParam(req.size);
  return { size, quality: req.quality, resolution: req.resolution };
}

function matches(when: PriceSelector, values: Record<string, string | undefined>): boolean {
  return Object.entries(when).every(([k, v]) => values[k] === v);
}

function priceDataOf(entry: ModelEntry, adj: PriceAdjustments): PriceData {
  return adj.overrides[entry.id] ?? entry.price;
}

function withMarkup(amount: number, adj: PriceAdjustments): number {
  return adj.markupPercent ? divideRoundingUp(amount * (100 + adj.markupPercent), 100) : amount;
}

function version(price: PriceData, adj: PriceAdjustments): string {
  return adj.versionTag ? `${price.version}+${adj.versionTag}` : price.version;
}

/** Price of one image for per-image and per-request models (the first matching row, else the dearest). */
function unitPrice(price: Exclude<PriceData, { unit: 'per_token' }>, req: NormalizedImageRequest): { micros: number; row: unknown } {
  if (price.unit === 'per_request') return { micros: priceMicros(price.price.usd), row: { per_request: price.price.usd } };
  const values = selectorValues(req);
  const row = price.rows.find((r) => matches(r.when, values));
  if (row) return { micros: priceMicros(row.price.usd), row: { when: row.when, usd: row.price.usd } };
  const dearest = Math.max(...price.rows.map((r) => priceMicros(r.price.usd)));
  return { micros: dearest, row: { when: 'no row matched: dearest row', micros: dearest } };
}

function estimatedOutputTokens(price: Extract<PriceData, { unit: 'per_token' }>, req: NormalizedImageRequest): number {
  const values = selectorValues(req);
  const row = price.outputTokens.rows.find((r) => matches(r.when, values)) ?? price.outputTokens.rows[price.outputTokens.rows.length - 1];
  if (price.outputTokens.basis === 'per_image') return row.tokens;
  const { width, height } = outputDimensions(req);
  return Math.ceil((row.tokens * width * height) / (1024 * 1024));
}

export function quote(entry: ModelEntry, req: NormalizedImageRequest, adj: PriceAdjustments = NO_ADJUSTMENTS): Pricing {
  const price = priceDataOf(entry, adj);
  if (price.unit !== 'per_token') {
    const unit = unitPrice(price, req);
    return { micros: withMarkup(unit.micros * req.n, adj), priceVersion: version(price, adj), basis: { unit: price.unit, n: req.n, price: unit.row, markup_percent: adj.markupPercent } };
  }
  const outputTokens = estimatedOutputTokens(price, req) * req.n;
  // Prompt tokens: at most one per character; reference images at a generous flat count.
  const textTokens = req.prompt.length + 16;
  const imageTokens = ((req.images?.length ?? 0) + (req.mask ? 1 : 0)) * QUOTE_TOKENS_PER_INPUT_IMAGE;
  const amount = tokenCost(outputTokens, price.perMillion.imageOutput.usd) + tokenCost(textTokens, price.perMillion.textInput.usd) + tokenCost(imageTokens, price.perMillion.imageInput.usd);
  return {
    micros: withMarkup(amount, adj),
    priceVersion: version(price, adj),
    basis: { unit: 'per_token', estimated: { output_tokens: outputTokens, text_input_tokens: textTokens, image_input_tokens: imageTokens }, per_million: price.perMillion, markup_percent: adj.markupPercent },
  };
}

/** Token counts from an upstream usage report: OpenAI `usage` or Gemini `usageMetadata`. */
export function tokensFromUsage(usage: Record<string, any> | undefined): { text: number; image: number; cachedText: number; output: number } | undefined {
  if (!usage) return undefined;
  if (typeof usage.output_tokens === 'number') {
    const details = usage.input_tokens_details ?? {};
    const cached = Number(details.cached_tokens ?? 0);
    const image = Number(details.image_tokens ?? 0);
    const text = Number(details.text_tokens ?? Math.max(0, Number(usage.input_tokens ?? 0) - image));
    return { text: Math.max(0, text - cached), image, cachedText: cached, output: Number(usage.output_tokens) };
  }
  if (typeof usage.promptTokenCount === 'number' || typeof usage.candidatesTokenCount === 'number') {
    const prompt = Number(usage.promptTokenCount ?? 0);
    const imageIn = (usage.promptTokensDetails ?? []).filter((d: any) => d?.modality === 'IMAGE').reduce((s: number, d: any) => s + Number(d.tokenCount ?? 0), 0);
    const cached = Number(usage.cachedContentTokenCount ?? 0);
    const output = Number(usage.candidatesTokenCount ?? 0) + Number(usage.thoughtsTokenCount ?? 0);
    return { text: Math.max(0, prompt - imageIn - cached), image: imageIn, cachedText: cached, output };
  }
  return undefined;
}

/**
 * What a delivered result costs. Per-image models: the images delivered. Token models: the usage the
 * upstream reported, or (when it reported none) the estimate for the images delivered.
 */
export function charge(entry: ModelEntry, req: NormalizedImageRequest, delivered: number, usage: Record<string, unknown> | undefined, adj: PriceAdjustments = NO_ADJUSTMENTS): Pricing {
  const price = priceDataOf(entry, adj);
  if (delivered <= 0) return { micros: 0, priceVersion: version(price, adj), basis: { delivered: 0 } };
  if (price.unit !== 'per_token') {
    const unit = unitPrice(price, req);
    return { micros: withMarkup(unit.micros * delivered, adj), priceVersion: version(price, adj), basis: { unit: price.unit, delivered, price: unit.row, markup_percent: adj.markupPercent } };
  }
  const tokens = tokensFromUsage(usage as Record<string, any> | undefined);
  if (!tokens) {
    const estimate = quote(entry, { ...req, n: delivered }, adj);
    return { ...estimate, basis: { ...estimate.basis, delivered, usage: 'not reported by the upstream: estimate charged' } };
  }
  const rates = price.perMillion;
  const amount =
    tokenCost(tokens.text, rates.textInput.usd) +
    tokenCost(tokens.image, rates.imageInput.usd) +
    tokenCost(tokens.cachedText, (rates.cachedTextInput ?? rates.textInput).usd) +
    tokenCost(tokens.output, rates.imageOutput.usd);
  return { micros: withMarkup(amount, adj), priceVersion: version(price, adj), basis: { unit: 'per_token', delivered, tokens, per_million: rates, markup_percent: adj.markupPercent } };
}
