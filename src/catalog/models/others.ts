// Midjourney (through midjourney-proxy), Ideogram 3.0 and Stable Diffusion 3.5. All three work in
// aspect ratios upstream, so `size` is accepted as a compatibility alias and mapped to the nearest one.

import type { ModelEntry } from '../model-entry.ts';
import { IMAGE_ENDPOINTS } from '../types.ts';
import { BASE_PARAMS, PRICE_VERSION, PUBLIC_PROMPT_MAX, REFERENCE_PARAMS, active } from './shared.ts';

/** Midjourney takes any --ar; these are the ratios Easel publishes and maps size onto. */
const MIDJOURNEY_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '1:2', '2:1', '21:9'] as const;
/** midjourney-proxy imagine: base64Array image prompts; blend takes 2–5, so 5 is the bound. */
const MIDJOURNEY_MAX_IMAGE_PROMPTS = 5;
/** Ideogram v3 aspect ratios (AspectRatioV3, written with ':' publicly and 'x' upstream). */
const IDEOGRAM_RATIOS = ['1:3', '3:1', '1:2', '2:1', '9:16', '16:9', '10:16', '16:10', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '1:1'] as const;
/** Ideogram rendering_speed, exposed as `quality` (lower-cased). BALANCED is unpriced, so not offered. */
const IDEOGRAM_QUALITIES = ['flash', 'turbo', 'default', 'quality'] as const;
/** Ideogram num_images: 1–8. */
const IDEOGRAM_MAX_N = 8;
/** Stability sd3 text-to-image aspect ratios. */
const STABILITY_RATIOS = ['21:9', '16:9', '3:2', '5:4', '1:1', '4:5', '2:3', '9:16', '9:21'] as const;
/** Stability returns one image per call; Easel fans out up to this many. */
const STABILITY_MAX_N = 4;

const IDEOGRAM_PRICES = 'https://ideogram.ai/features/api-pricing (3.0 rates relayed by developer.puter.com, 2026-06)';

const midjourneyT2I = {
  values: { aspect_ratio: MIDJOURNEY_RATIOS },
  size: { kind: 'aspect-alias' },
  // One imagine job yields one grid image; several would be several upstream jobs per Easel task.
  maxN: 1,
  promptMaxLength: PUBLIC_PROMPT_MAX,
} as const;

export const OTHER_MODELS: readonly ModelEntry[] = [
  {
    id: 'midjourney',
    aliases: [],
    owned_by: 'midjourney',
    created: 1743638400,
    category: 'image',
    family: 'midjourney',
    description: 'Midjourney through midjourney-proxy: artistic images, aspect_ratio, image prompts; always task-based.',
    upstream: { midjourney: 'midjourney' },
    operations: [
      {
        operation: 'text-to-image',
        endpoint: IMAGE_ENDPOINTS.generations,
        parameters: [...BASE_PARAMS, 'aspect_ratio', 'size'],
        ...midjourneyT2I,
        defaults: { aspect_ratio: '1:1' },
      },
      {
        operation: 'image-to-image',
        endpoint: IMAGE_ENDPOINTS.generations,
        parameters: [...BASE_PARAMS, 'aspect_ratio', 'size', ...REFERENCE_PARAMS],
        ...midjourneyT2I,
        maxInputImages: MIDJOURNEY_MAX_IMAGE_PROMPTS,
        defaults: { aspect_ratio: '1:1' },
        notes: ['Reference images are sent as Midjourney image prompts (base64Array).'],
      },
    ],
    dropped: [],
    delivery: 'task',
    asyncAllowed: false,
    lifecycle: active('2025-04-03T00:00:00Z'),
    price: {
      version: PRICE_VERSION,
      unit: 'per_request',
      price: { usd: '0.05', source: 'LemonData price table (tokenlab-api.md §3); Midjourney has no official API price', estimate: true },
    },
    geometry: { kind: 'ratio', basePixels: 1024 * 1024, multipleOf: 16 },
  },
  {
    id: 'ideogram-v3',
    aliases: [],
    owned_by: 'ideogram',
    created: 1742947200,
    category: 'image',
    family: 'ideogram',
    description: 'Ideogram 3.0: best-in-class text rendering, aspect_ratio, quality = rendering speed, up to 8 images.',
    upstream: { ideogram: 'ideogram-v3' },
    operations: [
      {
        operation: 'text-to-image',
        endpoint: IMAGE_ENDPOINTS.generations,
        parameters: [...BASE_PARAMS, 'aspect_ratio', 'size', 'quality', 'negative_prompt', 'seed', 'expand_prompt'],
        // Ideogram's GenerateImageRequestV3.seed: 0–2147483647 (upstream-openapi/ideogram-v3.json).
        seedMax: 2_147_483_647,
        values: { aspect_ratio: IDEOGRAM_RATIOS, quality: IDEOGRAM_QUALITIES },
        size: { kind: 'aspect-alias' },
        maxN: IDEOGRAM_MAX_N,
        promptMaxLength: PUBLIC_PROMPT_MAX,
        defaults: { aspect_ratio: '1:1', quality: 'default' },
        notes: ['quality selects Ideogram rendering_speed (flash, turbo, default, quality).', 'expand_prompt maps to magic_prompt ON/OFF.'],
      },
    ],
    dropped: [],
    delivery: 'inline',
    asyncAllowed: false,
    lifecycle: active('2025-03-26T00:00:00Z'),
    recommendedRank: 11,
    price: {
      version: PRICE_VERSION,
      unit: 'per_image',
      rows: [
        { when: { quality: 'flash' }, price: { usd: '0.03', source: IDEOGRAM_PRICES } },
        { when: { quality: 'turbo' }, price: { usd: '0.03', source: IDEOGRAM_PRICES } },
        { when: { quality: 'default' }, price: { usd: '0.06', source: IDEOGRAM_PRICES } },
        { when: { quality: 'quality' }, price: { usd: '0.09', source: IDEOGRAM_PRICES } },
      ],
    },
    geometry: { kind: 'ratio', basePixels: 1024 * 1024, multipleOf: 16 },
  },
  {
    id: 'stable-diffusion-3',
    aliases: [],
    owned_by: 'stability',
    created: 1729555200,
    category: 'image',
    family: 'stable-diffusion',
    description: 'Stable Diffusion 3.5 Large (Stability AI): aspect_ratio, negative_prompt, seed; answers inline.',
    upstream: { stability: 'sd3.5-large' },
    operations: [
      {
        operation: 'text-to-image',
        endpoint: IMAGE_ENDPOINTS.generations,
        parameters: [...BASE_PARAMS, 'aspect_ratio', 'size', 'negative_prompt', 'seed', 'output_format'],
        values: { aspect_ratio: STABILITY_RATIOS, output_format: ['png', 'jpeg'] },
        size: { kind: 'aspect-alias' },
        maxN: STABILITY_MAX_N,
        promptMaxLength: PUBLIC_PROMPT_MAX,
        defaults: { aspect_ratio: '1:1' },
      },
    ],
    dropped: [],
    delivery: 'inline',
    asyncAllowed: false,
    lifecycle: active('2024-10-22T00:00:00Z'),
    recommendedRank: 15,
    price: {
      version: PRICE_VERSION,
      unit: 'per_image',
      rows: [{ when: {}, price: { usd: '0.065', source: 'https://platform.stability.ai/pricing (SD 3.5 Large: 6.5 credits; relayed by developer.puter.com, 2026-06)' } }],
    },
    geometry: { kind: 'ratio', basePixels: 1024 * 1024, multipleOf: 16 },
  },
];
