// Black Forest Labs FLUX. The official BFL models are task-based upstream (submit + poll) and are the
// only ones besides gpt-image-2 where `async:true` is public. FLUX.1 [schnell] is not on the BFL API;
// it is served by Together (upstreams.md §9.3) and answers inline.

import type { ModelEntry, OperationContract, SizeRule } from '../model-entry.ts';
import { IMAGE_ENDPOINTS } from '../types.ts';
import { BASE_PARAMS, EDIT_SOURCE_PARAMS, PRICE_VERSION, PUBLIC_PROMPT_MAX, REFERENCE_PARAMS, active } from './shared.ts';

/** FluxPro11Inputs width/height: 256–1440, multiples of 32 (upstream-openapi/bfl.json). */
export const FLUX_PRO_SIZE_RULE: SizeRule = { kind: 'range', multipleOf: 32, minEdge: 256, maxEdge: 1440 };
/** Together's FLUX.1 schnell takes width/height; limits not published in a spec, kept to FLUX's range. */
const FLUX_SCHNELL_SIZE_RULE: SizeRule = { kind: 'range', multipleOf: 16, minEdge: 256, maxEdge: 1440 };
/** FluxKontextProInputs: input_image .. input_image_4. */
const FLUX_KONTEXT_MAX_INPUTS = 4;
/**
 * BFL makes one image per task: n > 1 becomes n upstream tasks under one Easel task (the adapter polls
 * them together; the Ready ones are delivered and billed). Kept small: each one counts against BFL's
 * cap on active tasks.
 */
export const BFL_MAX_N = 4;
/** Together returns up to 4 images per call. */
const TOGETHER_MAX_N = 4;
/** Kontext accepts ratios between 21:9 and 9:21. */
const KONTEXT_RATIOS = ['21:9', '16:9', '3:2', '4:3', '5:4', '1:1', '4:5', '3:4', '2:3', '9:16', '9:21'] as const;

const BFL_PRICES = 'https://docs.bfl.ml/quick_start/pricing';
const OUTPUT_FORMATS = ['jpeg', 'png', 'webp'] as const;

const proGenerate: OperationContract = {
  operation: 'text-to-image',
  endpoint: IMAGE_ENDPOINTS.generations,
  parameters: [...BASE_PARAMS, 'size', 'seed', 'output_format', 'expand_prompt'],
  values: { output_format: OUTPUT_FORMATS },
  size: FLUX_PRO_SIZE_RULE,
  maxN: BFL_MAX_N,
  promptMaxLength: PUBLIC_PROMPT_MAX,
  defaults: { size: '1024x1024' },
  notes: ['size WIDTHxHEIGHT: each edge 256-1440 and a multiple of 32.', 'expand_prompt maps to BFL prompt_upsampling.'],
};

function fluxPro(id: string, description: string, rank: number): ModelEntry {
  return {
    id,
    aliases: [],
    owned_by: 'black-forest-labs',
    created: 1727827200,
    category: 'image',
    family: 'flux',
    description,
    // BFL's spec has no FLUX.1 [pro] 1.0 endpoint any more; flux-pro is served by FLUX1.1 [pro].
    upstream: { bfl: 'flux-pro-1.1' },
    wire: { bfl: { shape: 'pixels' } },
    operations: [proGenerate],
    dropped: [],
    delivery: 'task',
    asyncAllowed: true,
    lifecycle: active('2024-10-02T00:00:00Z'),
    recommendedRank: rank,
    price: { version: PRICE_VERSION, unit: 'per_image', rows: [{ when: {}, price: { usd: '0.04', source: `${BFL_PRICES} (FLUX1.1 [pro]: 4 credits)` } }] },
    geometry: { kind: 'pixels', auto: { width: 1024, height: 1024 } },
  };
}

const kontextCommon = {
  values: { aspect_ratio: KONTEXT_RATIOS, output_format: OUTPUT_FORMATS },
  maxN: BFL_MAX_N,
  promptMaxLength: PUBLIC_PROMPT_MAX,
} as const;

export const FLUX_MODELS: readonly ModelEntry[] = [
  fluxPro('flux-pro', 'FLUX Pro (served by FLUX1.1 [pro]): photorealistic text-to-image, exact width/height, task-based.', 10),
  fluxPro('flux-1.1-pro', 'FLUX1.1 [pro]: fast photorealistic text-to-image, exact width/height, task-based.', 9),
  {
    id: 'flux-kontext-pro',
    aliases: [],
    owned_by: 'black-forest-labs',
    created: 1748476800,
    category: 'image',
    family: 'flux',
    description: 'FLUX.1 Kontext [pro]: text-to-image and context-aware editing with up to 4 input images, task-based.',
    upstream: { bfl: 'flux-kontext-pro' },
    wire: { bfl: { shape: 'aspect-ratio' } },
    operations: [
      {
        operation: 'text-to-image',
        endpoint: IMAGE_ENDPOINTS.generations,
        parameters: [...BASE_PARAMS, 'aspect_ratio', 'seed', 'output_format', 'expand_prompt'],
        ...kontextCommon,
        defaults: { aspect_ratio: '1:1' },
      },
      {
        operation: 'image-to-image',
        endpoint: IMAGE_ENDPOINTS.generations,
        parameters: [...BASE_PARAMS, 'aspect_ratio', 'seed', 'output_format', 'expand_prompt', ...REFERENCE_PARAMS],
        ...kontextCommon,
        maxInputImages: FLUX_KONTEXT_MAX_INPUTS,
        notes: ['Up to 4 reference images (input_image..input_image_4 upstream).'],
      },
      {
        operation: 'image-edit',
        endpoint: IMAGE_ENDPOINTS.edits,
        parameters: [...BASE_PARAMS, 'aspect_ratio', 'seed', 'output_format', 'expand_prompt', ...EDIT_SOURCE_PARAMS],
        ...kontextCommon,
        maxInputImages: FLUX_KONTEXT_MAX_INPUTS,
        notes: ['Up to 4 source images; no mask.'],
      },
    ],
    dropped: [],
    delivery: 'task',
    asyncAllowed: true,
    lifecycle: active('2025-05-29T00:00:00Z'),
    recommendedRank: 8,
    price: { version: PRICE_VERSION, unit: 'per_image', rows: [{ when: {}, price: { usd: '0.04', source: `${BFL_PRICES} (FLUX.1 Kontext [pro]: 4 credits)` } }] },
    geometry: { kind: 'ratio', basePixels: 1024 * 1024, multipleOf: 32 },
  },
  {
    id: 'flux-schnell',
    aliases: [],
    owned_by: 'black-forest-labs',
    created: 1722470400,
    category: 'image',
    family: 'flux',
    description: 'FLUX.1 [schnell]: very fast 4-step text-to-image, exact width/height, answers inline.',
    upstream: { together: 'black-forest-labs/FLUX.1-schnell' },
    operations: [
      {
        operation: 'text-to-image',
        endpoint: IMAGE_ENDPOINTS.generations,
        parameters: [...BASE_PARAMS, 'size', 'seed'],
        values: {},
        size: FLUX_SCHNELL_SIZE_RULE,
        maxN: TOGETHER_MAX_N,
        promptMaxLength: PUBLIC_PROMPT_MAX,
        defaults: { size: '1024x1024' },
        notes: ['size WIDTHxHEIGHT: each edge 256-1440 and a multiple of 16.'],
      },
    ],
    dropped: [],
    delivery: 'inline',
    asyncAllowed: false,
    lifecycle: active('2024-08-01T00:00:00Z'),
    recommendedRank: 16,
    price: {
      version: PRICE_VERSION,
      unit: 'per_image',
      rows: [{ when: {}, price: { usd: '0.0027', source: 'https://www.together.ai/pricing ($0.0027 per 1024x1024 image, relayed by workflowlab.dev 2026-05)' } }],
    },
    geometry: { kind: 'pixels', auto: { width: 1024, height: 1024 } },
  },
];
