// Google Gemini image models and their Nano Banana names. The families differ in selectors
// (tokenlab-create-image.txt "Model behavior notes"): the four high-res ids take aspect_ratio +
// resolution for text-to-image only, the ratio-only ids never take resolution, gemini-2.0 is
// prompt-only. Nano Banana reference images go to /v1/images/generations as image-to-image.

import type { ContractParam, Lifecycle, ModelEntry, OperationContract, OutputGeometry, PriceData } from '../model-entry.ts';
import { IMAGE_ENDPOINTS } from '../types.ts';
import { BASE_PARAMS, PRICE_VERSION, PUBLIC_PROMPT_MAX, REFERENCE_PARAMS, active, deprecated, preview } from './shared.ts';

/** Ratios of gemini-2.5-flash-image and gemini-3-pro-image (upstreams.md §3.2). */
export const GEMINI_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
/** gemini-3.1-flash-image adds the extreme ratios. */
export const GEMINI_31_RATIOS = [...GEMINI_RATIOS, '1:4', '4:1', '1:8', '8:1'] as const;
/** Public resolution tiers (the upstream's 512 tier on 3.1 Flash is not part of the public contract). */
export const GEMINI_RESOLUTIONS = ['1k', '2k', '4k'] as const;
/** Gemini answers one image per call; Easel fans out, so n is kept small to bound latency and cost. */
const GEMINI_MAX_N = 4;
/** Up to 14 reference images on the 3.x models (upstreams.md §3.2). */
const GEMINI_3_MAX_REFERENCES = 14;
/** Google recommends at most 3 input images for 2.5 Flash Image. */
const GEMINI_25_MAX_REFERENCES = 3;

const GOOGLE_PRICES = 'https://ai.google.dev/gemini-api/docs/pricing';

interface GeminiSpec {
  id: string;
  aliases?: readonly string[];
  upstreamName: string;
  family: 'gemini-image' | 'nano-banana';
  description: string;
  created: number;
  lifecycle: Lifecycle;
  recommendedRank?: number;
  /** Selectors: ratios (absent = prompt-only), resolutions on text-to-image (absent = ratio-only). */
  ratios?: readonly string[];
  resolutions?: readonly string[];
  textToImage: boolean;
  /** Most reference images for image-to-image; absent = no image-to-image. */
  maxReferences?: number;
  price: PriceData;
  geometry: OutputGeometry;
}

function geminiOperations(spec: GeminiSpec): OperationContract[] {
  const ops: OperationContract[] = [];
  const ratioParams: ContractParam[] = spec.ratios ? ['aspect_ratio', 'size'] : [];
  if (spec.textToImage) {
    const withResolution = spec.resolutions !== undefined;
    ops.push({
      operation: 'text-to-image',
      endpoint: IMAGE_ENDPOINTS.generations,
      parameters: [...BASE_PARAMS, ...ratioParams, ...(withResolution ? (['resolution'] as const) : [])],
      values: {
        ...(spec.ratios ? { aspect_ratio: spec.ratios } : {}),
        ...(withResolution ? { resolution: spec.resolutions } : {}),
      },
      ...(spec.ratios ? { size: { kind: 'aspect-alias' } as const } : {}),
      maxN: GEMINI_MAX_N,
      promptMaxLength: PUBLIC_PROMPT_MAX,
      defaults: spec.ratios ? { aspect_ratio: '1:1', ...(withResolution ? { resolution: '1k' } : {}) } : undefined,
      notes: spec.ratios ? undefined : ['Prompt-only: no size, aspect_ratio or resolution.'],
    });
  }
  if (spec.maxReferences !== undefined) {
    ops.push({
      operation: 'image-to-image',
      endpoint: IMAGE_ENDPOINTS.generations,
      parameters: [...BASE_PARAMS, ...ratioParams, ...REFERENCE_PARAMS],
      values: spec.ratios ? { aspect_ratio: spec.ratios } : {},
      ...(spec.ratios ? { size: { kind: 'aspect-alias' } as const } : {}),
      maxN: GEMINI_MAX_N,
      promptMaxLength: PUBLIC_PROMPT_MAX,
      maxInputImages: spec.maxReferences,
      notes: [
        'Send operation: "image-to-image" with image_url / image_urls (or a multipart image) to /v1/images/generations; never /v1/images/edits.',
        'Omit resolution: it is not available for image-to-image. Without aspect_ratio the output follows the input image.',
      ],
    });
  }
  return ops;
}

function gemini(spec: GeminiSpec): ModelEntry {
  return {
    id: spec.id,
    aliases: spec.aliases ?? [],
    owned_by: 'google',
    created: spec.created,
    category: 'image',
    family: spec.family,
    description: spec.description,
    upstream: { gemini: spec.upstreamName },
    operations: geminiOperations(spec),
    dropped: [],
    delivery: 'inline',
    asyncAllowed: false,
    lifecycle: spec.lifecycle,
    recommendedRank: spec.recommendedRank,
    price: spec.price,
    geometry: spec.geometry,
  };
}

const GEMINI_TIERS = { '1k': 1, '2k': 2, '4k': 4 } as const;
const MP = 1024 * 1024;

/** 3 Pro: observed 16:9 sizes per tier (upstreams.md §3.2); other ratios ~1 MP per 1K tier. */
const PRO_GEOMETRY: OutputGeometry = {
  kind: 'ratio',
  basePixels: MP,
  multipleOf: 16,
  tierScale: GEMINI_TIERS,
  defaultTier: '1k',
  pairs: { '16:9@1k': [1376, 768], '16:9@2k': [2752, 1536], '16:9@4k': [5504, 3072] },
};
const FLASH_31_GEOMETRY: OutputGeometry = { kind: 'ratio', basePixels: MP, multipleOf: 16, tierScale: GEMINI_TIERS, defaultTier: '1k' };
/** 2.5 Flash: 1K only; observed 16:9 → 1344x768. */
const FLASH_25_GEOMETRY: OutputGeometry = { kind: 'ratio', basePixels: MP, multipleOf: 16, pairs: { '16:9': [1344, 768] } };

const proPrice: PriceData = {
  version: PRICE_VERSION,
  unit: 'per_token',
  perMillion: {
    textInput: { usd: '2.00', source: `${GOOGLE_PRICES} (gemini-3-pro-image-preview; relayed by modelpedia.dev)` },
    // Input images are billed at the input rate (560 tokens each ≈ $0.0011, relayed by aifreeapi.com).
    imageInput: { usd: '2.00', source: `${GOOGLE_PRICES} (relayed by aifreeapi.com, 2026-03-23)` },
    imageOutput: { usd: '120.00', source: `${GOOGLE_PRICES}: $0.134 per 1K/2K image at 1120 tokens, $0.24 per 4K at 2000 (relayed by aifreeapi.com, 2026-03-23)` },
  },
  outputTokens: {
    basis: 'per_image',
    rows: [
      { when: { resolution: '4k' }, tokens: 2000, source: 'upstreams.md §3.2 (Vertex model card)' },
      { when: {}, tokens: 1120, source: 'upstreams.md §3.2 (1K and 2K)' },
    ],
  },
};

const flash31Price: PriceData = {
  version: PRICE_VERSION,
  unit: 'per_token',
  perMillion: {
    textInput: { usd: '0.50', source: `${GOOGLE_PRICES} (not confirmed in this pass; AI Studio and API docs disagreed per aifreeapi.com)`, estimate: true },
    imageInput: { usd: '0.50', source: `${GOOGLE_PRICES} (assumed equal to text input)`, estimate: true },
    imageOutput: { usd: '60.00', source: `${GOOGLE_PRICES}: $60 per 1M image output tokens (relayed by aifreeapi.com, 2026-03)` },
  },
  outputTokens: {
    basis: 'per_image',
    rows: [
      { when: { resolution: '4k' }, tokens: 2520, source: 'upstreams.md §3.2 (Vertex model card)' },
      { when: { resolution: '2k' }, tokens: 1680, source: 'upstreams.md §3.2 (Vertex model card)' },
      { when: {}, tokens: 1120, source: 'upstreams.md §3.2 (1K)' },
    ],
  },
};

const flash25Price: PriceData = {
  version: PRICE_VERSION,
  unit: 'per_token',
  perMillion: {
    textInput: { usd: '0.30', source: `${GOOGLE_PRICES}: text/image input $0.30 per 1M (as quoted from that page in discuss.ai.google.dev/t/101173)` },
    imageInput: { usd: '0.30', source: `${GOOGLE_PRICES}: text/image input $0.30 per 1M (same quote)` },
    imageOutput: { usd: '30.00', source: `${GOOGLE_PRICES}: $30 per 1M output tokens, 1290 tokens = $0.039 per image up to 1024x1024 (same quote)` },
  },
  outputTokens: { basis: 'per_image', rows: [{ when: {}, tokens: 1290, source: `upstreams.md §3.2; ${GOOGLE_PRICES}` }] },
};

const flash20Price: PriceData = {
  version: PRICE_VERSION,
  unit: 'per_token',
  perMillion: {
    textInput: { usd: '0.10', source: `${GOOGLE_PRICES} (gemini-2.0-flash text input; not re-checked in this pass)`, estimate: true },
    imageInput: { usd: '0.10', source: `${GOOGLE_PRICES} (gemini-2.0-flash image input; not re-checked in this pass)`, estimate: true },
    imageOutput: { usd: '30.00', source: `${GOOGLE_PRICES}: 2.0 Flash image generation $30 per 1M output tokens, 1290 tokens = $0.039 per image (quoted in discuss.ai.google.dev/t/101173)` },
  },
  outputTokens: { basis: 'per_image', rows: [{ when: {}, tokens: 1290, source: `${GOOGLE_PRICES}: 1290 tokens per image up to 1024x1024 (same quote)` }] },
};

const PREVIEW_REASON = 'Google serves this model as a preview; the newer id without -preview is accepted as an alias.';

const pro = { ratios: GEMINI_RATIOS, resolutions: GEMINI_RESOLUTIONS, textToImage: true, maxReferences: GEMINI_3_MAX_REFERENCES, price: proPrice, geometry: PRO_GEOMETRY };
const flash31 = { ratios: GEMINI_31_RATIOS, resolutions: GEMINI_RESOLUTIONS, textToImage: true, maxReferences: GEMINI_3_MAX_REFERENCES, price: flash31Price, geometry: FLASH_31_GEOMETRY };
const flash25 = { ratios: GEMINI_RATIOS, price: flash25Price, geometry: FLASH_25_GEOMETRY };

export const GEMINI_MODELS: readonly ModelEntry[] = [
  gemini({
    id: 'gemini-3.1-flash-image-preview',
    aliases: ['gemini-3.1-flash-image'],
    upstreamName: 'gemini-3.1-flash-image-preview',
    family: 'gemini-image',
    description: 'Google Gemini 3.1 Flash Image: fast, aspect_ratio + resolution 1k/2k/4k, up to 14 reference images.',
    created: 1772064000,
    lifecycle: preview('2026-02-26T00:00:00Z', PREVIEW_REASON, true),
    recommendedRank: 5,
    ...flash31,
  }),
  gemini({
    id: 'gemini-3-pro-image-preview',
    aliases: ['gemini-3-pro-image'],
    upstreamName: 'gemini-3-pro-image-preview',
    family: 'gemini-image',
    description: 'Google Gemini 3 Pro Image: precise editing and text rendering, aspect_ratio + resolution 1k/2k/4k.',
    created: 1763596800,
    lifecycle: preview('2025-11-20T00:00:00Z', PREVIEW_REASON),
    recommendedRank: 3,
    ...pro,
  }),
  gemini({
    id: 'nano-banana-2',
    upstreamName: 'gemini-3.1-flash-image-preview',
    family: 'nano-banana',
    description: 'Nano Banana 2 (Gemini 3.1 Flash Image): aspect_ratio + resolution for text-to-image; image-to-image with references.',
    created: 1772064000,
    lifecycle: active('2026-02-26T00:00:00Z', true),
    recommendedRank: 4,
    ...flash31,
  }),
  gemini({
    id: 'nano-banana-pro',
    upstreamName: 'gemini-3-pro-image-preview',
    family: 'nano-banana',
    description: 'Nano Banana Pro (Gemini 3 Pro Image): aspect_ratio + resolution for text-to-image; image-to-image with references.',
    created: 1763596800,
    lifecycle: active('2025-11-20T00:00:00Z'),
    recommendedRank: 2,
    ...pro,
  }),
  gemini({
    id: 'gemini-2.5-flash-image',
    upstreamName: 'gemini-2.5-flash-image',
    family: 'gemini-image',
    description: 'Google Gemini 2.5 Flash Image: aspect_ratio only (no resolution selection), 1K output.',
    created: 1756166400,
    lifecycle: active('2025-08-26T00:00:00Z'),
    recommendedRank: 12,
    textToImage: true,
    maxReferences: GEMINI_25_MAX_REFERENCES,
    ...flash25,
  }),
  gemini({
    id: 'nano-banana',
    upstreamName: 'gemini-2.5-flash-image',
    family: 'nano-banana',
    description: 'Nano Banana (Gemini 2.5 Flash Image): aspect_ratio only; image-to-image with references.',
    created: 1756166400,
    lifecycle: active('2025-08-26T00:00:00Z'),
    recommendedRank: 13,
    textToImage: true,
    maxReferences: GEMINI_25_MAX_REFERENCES,
    ...flash25,
  }),
  gemini({
    id: 'nano-banana-edit',
    upstreamName: 'gemini-2.5-flash-image',
    family: 'nano-banana',
    description: 'Nano Banana Edit: reference-image editing on /v1/images/generations (operation image-to-image), aspect_ratio only.',
    created: 1756166400,
    lifecycle: active('2025-08-26T00:00:00Z'),
    recommendedRank: 14,
    textToImage: false,
    maxReferences: GEMINI_25_MAX_REFERENCES,
    ...flash25,
  }),
  gemini({
    id: 'gemini-2.0-flash-preview-image-generation',
    upstreamName: 'gemini-2.0-flash-preview-image-generation',
    family: 'gemini-image',
    description: 'Google Gemini 2.0 Flash image generation (legacy): prompt-only text-to-image.',
    created: 1746576000,
    lifecycle: deprecated('2025-05-07T00:00:00Z', 'Superseded by Gemini 2.5 Flash Image; listed only in older doc revisions.', 'gemini-2.5-flash-image'),
    textToImage: true,
    price: flash20Price,
    geometry: { kind: 'ratio', basePixels: MP, multipleOf: 16 },
  }),
];
