// Operator price settings (config `pricing`) as the quote functions take them.

import { createHash } from 'node:crypto';
import { resolveModel } from '../catalog/catalog.ts';
import type { PriceData } from '../catalog/model-entry.ts';
import type { Config } from '../config/schema.ts';
import { type PriceAdjustments, NO_ADJUSTMENTS } from './quote.ts';

export function priceAdjustments(pricing: Config['pricing']): PriceAdjustments {
  const entries = Object.entries(pricing.overrides);
  if (pricing.markup_percent === 0 && entries.length === 0) return NO_ADJUSTMENTS;
  // The version says which operator settings priced a charge, without spelling them out.
  const tag = `ops-${createHash('sha256').update(JSON.stringify(pricing)).digest('hex').slice(0, 8)}`;
  const overrides: Record<string, PriceData> = {};
  for (const [id, o] of entries) {
    const entry = resolveModel(id);
    if (!entry) throw new Error(`pricing.overrides: '${id}' is not a catalogue model`);
    const source = 'operator override (config pricing.overrides)';
    overrides[entry.id] =
      'per_image_usd' in o
        ? { version: entry.price.version, unit: 'per_image', rows: [{ when: {}, price: { usd: o.per_image_usd, source } }] }
        : { version: entry.price.version, unit: 'per_request', price: { usd: o.per_request_usd, source } };
  }
  return { markupPercent: pricing.markup_percent, overrides, versionTag: tag };
}
