// xAI Grok Imagine. Selectors are aspect_ratio + resolution (1k|2k); xAI itself rejects size and
// style ("Argument not supported: size", upstreams.md §4), so the contract does too. Edits take at
// most 3 sources (tokenlab-api.md §2.2).

import type { ModelEntry, OperationContract, PriceData } from '../model-entry.ts';
import { IMAGE_ENDPOINTS } from '../types.ts';
import { BASE_PARAMS, EDIT_SOURCE_PARAMS, PRICE_VERSION, PUBLIC_N_MAX, PUBLIC_PROMPT_MAX, active } from './shared.ts';

const GROK_RATIOS = ['1:1', '3:4', '4:3', '9:16', '16:9', '2:3', '3:2', '9:19.5', '19.5:9', '9:20', '20:9', '1:2', '2:1', 'auto'] as const;
const GROK_RESOLUTIONS = ['1k', '2k'] as const;
/** xAI edits accept 1–3 source images; more is a 400 too_many_images before any upstream call. */
const GROK_MAX_EDIT_SOURCES = 3;

const values = { aspect_ratio: GROK_RATIOS, resolution: GROK_RESOLUTIONS };

const operations: OperationContract[] = [
  {
    operation: 'text-to-image',
    endpoint: IMAGE_ENDPOINTS.generations,
    parameters: [...BASE_PARAMS, 'aspect_ratio', 'resolution'],
    values,
    maxN: PUBLIC_N_MAX,
    promptMaxLength: PUBLIC_PROMPT_MAX,
    defaults: { resolution: '1k' },
    notes: ['size and style are not supported: use aspect_ratio and resolution.'],
  },
  {
    operation: 'image-edit',
    endpoint: IMAGE_ENDPOINTS.edits,
    parameters: [...BASE_PARAMS, 'aspect_ratio', 'resolution', ...EDIT_SOURCE_PARAMS],
    values,
    maxN: PUBLIC_N_MAX,
    promptMaxLength: PUBLIC_PROMPT_MAX,
    maxInputImages: GROK_MAX_EDIT_SOURCES,
    defaults: { resolution: '1k' },
    notes: ['At most 3 source images.'],
  },
];

function perImage(usd: string, source: string, estimate?: boolean): PriceData {
  return { version: PRICE_VERSION, unit: 'per_image', rows: [{ when: {}, price: { usd, source, ...(estimate ? { estimate } : {}) } }] };
}

const GEOMETRY = { kind: 'ratio', basePixels: 1024 * 1024, multipleOf: 16, tierScale: { '1k': 1, '2k': 2 }, defaultTier: '1k' } as const;

export const XAI_MODELS: readonly ModelEntry[] = [
  {
    id: 'grok-imagine-image',
    aliases: [],
    owned_by: 'xai',
    created: 1769558400,
    category: 'image',
    family: 'grok-imagine',
    description: 'xAI Grok Imagine: fast images, aspect_ratio + resolution 1k/2k, edits with up to 3 sources.',
    upstream: { xai: 'grok-imagine-image' },
    operations,
    dropped: [],
    delivery: 'inline',
    asyncAllowed: false,
    lifecycle: active('2026-01-28T00:00:00Z'),
    recommendedRank: 7,
    price: perImage('0.02', 'https://docs.x.ai/developers/models ($0.02 per image; relayed by docs.crazyrouter.com and runware.ai)'),
    geometry: GEOMETRY,
  },
  {
    id: 'grok-imagine-image-quality',
    // The legacy -pro id routes upstream to the quality model (tokenlab-create-image.txt).
    aliases: ['grok-imagine-image-pro'],
    owned_by: 'xai',
    created: 1769558400,
    category: 'image',
    family: 'grok-imagine',
    description: 'xAI Grok Imagine quality tier: finer detail, aspect_ratio + resolution 1k/2k, edits with up to 3 sources.',
    upstream: { xai: 'grok-imagine-image-quality' },
    operations,
    dropped: [],
    delivery: 'inline',
    asyncAllowed: false,
    lifecycle: active('2026-01-28T00:00:00Z', true),
    recommendedRank: 6,
    price: perImage('0.05', 'atlascloud.ai relay of xAI pricing ($0.05 per image); resellers quote $0.045–0.08', true),
    geometry: GEOMETRY,
  },
];
