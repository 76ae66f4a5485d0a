// OpenAI image models: GPT Image 2 (token-priced, flexible sizes) and the retired DALL·E pair.
// Sources: tokenlab-create-image.txt (gpt-image-2 contract), upstreams.md §1 (OpenAI limits).

import type { ModelEntry, OpenAIImagesWire, OperationContract, SizeRule } from '../model-entry.ts';
import { IMAGE_ENDPOINTS } from '../types.ts';
import { BASE_PARAMS, EDIT_SOURCE_PARAMS, PRICE_VERSION, PUBLIC_N_MAX, PUBLIC_PROMPT_MAX, active, deprecated } from './shared.ts';

/** The gpt-image-2 size rule, verbatim from the public contract. */
export const GPT_IMAGE_2_SIZE_RULE: SizeRule = {
  kind: 'flexible',
  name: 'gpt-image-2',
  multipleOf: 16,
  maxEdge: 3840,
  maxRatio: 3,
  minPixels: 655_360,
  maxPixels: 8_294_400,
  allowAuto: true,
};

/** OpenAI accepts up to 16 source images per GPT Image edit. */
const GPT_IMAGE_MAX_SOURCES = 16;
/** OpenAI's own prompt caps per model (upstreams.md §1.2). */
const DALL_E_2_PROMPT_MAX = 1000;

const GPT_IMAGE_2_VALUES = {
  quality: ['auto', 'low', 'medium', 'high'],
  // transparent is not offered for gpt-image-2 by the public contract.
  background: ['auto', 'opaque'],
  output_format: ['png', 'jpeg', 'webp'],
  moderation: ['auto', 'low'],
} as const;

const GPT_IMAGE_2_PARAMS = [
  ...BASE_PARAMS,
  'size',
  'quality',
  'background',
  'output_format',
  'output_compression',
  'compression',
  'moderation',
] as const;

const STREAMING_NOTE = 'stream: true (n = 1) answers with the OpenAI image event stream; partial_images 0-3 asks for that many previews first.';

const gptImage2Generate: OperationContract = {
  operation: 'text-to-image',
  endpoint: IMAGE_ENDPOINTS.generations,
  parameters: [...GPT_IMAGE_2_PARAMS, 'partial_images'],
  streaming: true,
  values: GPT_IMAGE_2_VALUES,
  size: GPT_IMAGE_2_SIZE_RULE,
  maxN: PUBLIC_N_MAX,
  promptMaxLength: PUBLIC_PROMPT_MAX,
  defaults: { size: 'auto', quality: 'auto' },
  notes: [
    'size: auto or WIDTHxHEIGHT; both edges multiples of 16, longest edge <= 3840, long/short <= 3:1, total pixels 655,360-8,294,400.',
    'aspect_ratio, resolution and style are not part of this contract.',
    'input_fidelity is accepted and removed before forwarding.',
    STREAMING_NOTE,
  ],
};

const gptImage2Edit: OperationContract = {
  operation: 'image-edit',
  endpoint: IMAGE_ENDPOINTS.edits,
  parameters: [...GPT_IMAGE_2_PARAMS, ...EDIT_SOURCE_PARAMS, 'mask', 'partial_images'],
  streaming: true,
  values: GPT_IMAGE_2_VALUES,
  size: GPT_IMAGE_2_SIZE_RULE,
  maxN: PUBLIC_N_MAX,
  promptMaxLength: PUBLIC_PROMPT_MAX,
  maxInputImages: GPT_IMAGE_MAX_SOURCES,
  defaults: { size: 'auto', quality: 'auto' },
  notes: [
    'Up to 16 source images: multipart image/image[], or JSON image_url | image_urls | images[] (image_url or file_id).',
    STREAMING_NOTE,
  ],
};

const OPENAI_PRICES = 'https://openai.com/api/pricing/';
/** DALL·E list prices, unchanged since launch; relayed by 6g-ai.com and docs.dev.xavier.icvr.xyz. */
const DALL_E_PRICES = `${OPENAI_PRICES} (DALL·E list prices)`;

const gptImage2: ModelEntry = {
  id: 'gpt-image-2',
  aliases: [],
  owned_by: 'openai',
  created: 1776729600,
  category: 'image',
  family: 'gpt-image',
  description: 'OpenAI GPT Image 2: flexible sizes up to 3840px, strong text rendering, edits with up to 16 sources.',
  upstream: { openai: 'gpt-image-2', azure: 'gpt-image-2' },
  operations: [gptImage2Generate, gptImage2Edit],
  dropped: ['input_fidelity'],
  delivery: 'inline',
  asyncAllowed: true,
  lifecycle: active('2026-04-21T00:00:00Z', true),
  recommendedRank: 1,
  price: {
    version: PRICE_VERSION,
    unit: 'per_token',
    perMillion: {
      textInput: { usd: '5.00', source: `${OPENAI_PRICES} (relayed by tokenmix.ai, 2026-04-29)` },
      cachedTextInput: { usd: '1.25', source: `${OPENAI_PRICES} (relayed by tokenmix.ai, 2026-04-29)` },
      imageInput: { usd: '8.00', source: `${OPENAI_PRICES} (relayed by tokenmix.ai, 2026-04-29)` },
      cachedImageInput: { usd: '2.00', source: `${OPENAI_PRICES} (relayed by tokenmix.ai, 2026-04-29)` },
      imageOutput: { usd: '30.00', source: `${OPENAI_PRICES} (relayed by tokenmix.ai, 2026-04-29)` },
    },
    // Output tokens grow with area, though less than linearly (OpenAI's calculator: 7,024 at
    // 1024x1024 high, 12,329 at 3584x2048). Scaling the 1 MP figure by megapixels over-quotes big
    // sizes, which is the safe side for a reservation; the upstream's usage settles the charge.
    // `auto` is quoted as high: the worst case.
    outputTokens: {
      basis: 'per_megapixel',
      rows: [
        { when: { quality: 'low' }, tokens: 272, source: 'GPT Image token table at 1024x1024 (gpt-image-1 low)', estimate: true },
        { when: { quality: 'medium' }, tokens: 1767, source: 'robotsatlas.com estimate: $0.053 at 1024x1024', estimate: true },
        { when: { quality: 'high' }, tokens: 7024, source: 'OpenAI image cost calculator, quoted on community.openai.com (Images 2.0 launch thread)' },
        { when: {}, tokens: 7024, source: 'auto is quoted as high (worst case)' },
      ],
    },
  },
  geometry: { kind: 'pixels', auto: { width: 1024, height: 1024 } },
};

/** DALL·E 3 on the OpenAI Images protocol: one image per call, and response_format (url by default). */
const DALL_E_3_WIRE: OpenAIImagesWire = { imagesPerCall: 1, takesResponseFormat: true };
/** DALL·E 2: response_format (url by default), and edits as multipart only. */
const DALL_E_2_WIRE: OpenAIImagesWire = { takesResponseFormat: true, multipartEditsOnly: true };

const DALL_E_RETIRED = 'OpenAI scheduled DALL·E 2 and 3 for shutdown on 2026-05-12; kept routable for channels that still serve it.';

const dallE3: ModelEntry = {
  id: 'dall-e-3',
  aliases: [],
  owned_by: 'openai',
  created: 1699228800,
  category: 'image',
  family: 'dall-e',
  description: 'OpenAI DALL·E 3 (legacy): three sizes, standard/hd quality, vivid/natural style, one image per request.',
  upstream: { openai: 'dall-e-3', azure: 'dall-e-3' },
  wire: { openai: DALL_E_3_WIRE, azure: DALL_E_3_WIRE },
  operations: [
    {
      operation: 'text-to-image',
      endpoint: IMAGE_ENDPOINTS.generations,
      parameters: [...BASE_PARAMS, 'size', 'quality', 'style'],
      values: { quality: ['standard', 'hd'], style: ['vivid', 'natural'] },
      size: { kind: 'list', values: ['1024x1024', '1792x1024', '1024x1792'] },
      // DALL·E 3 returns exactly one image per call.
      maxN: 1,
      promptMaxLength: PUBLIC_PROMPT_MAX,
      defaults: { size: '1024x1024', quality: 'standard', style: 'vivid' },
    },
  ],
  dropped: [],
  delivery: 'inline',
  asyncAllowed: false,
  lifecycle: deprecated('2023-11-06T00:00:00Z', DALL_E_RETIRED, 'gpt-image-2', { sunsetAt: '2026-05-12T00:00:00Z' }),
  price: {
    version: PRICE_VERSION,
    unit: 'per_image',
    rows: [
      { when: { quality: 'standard', size: '1024x1024' }, price: { usd: '0.040', source: DALL_E_PRICES } },
      { when: { quality: 'standard', size: '1792x1024' }, price: { usd: '0.080', source: DALL_E_PRICES } },
      { when: { quality: 'standard', size: '1024x1792' }, price: { usd: '0.080', source: DALL_E_PRICES } },
      { when: { quality: 'hd', size: '1024x1024' }, price: { usd: '0.080', source: DALL_E_PRICES } },
      { when: { quality: 'hd', size: '1792x1024' }, price: { usd: '0.120', source: DALL_E_PRICES } },
      { when: { quality: 'hd', size: '1024x1792' }, price: { usd: '0.120', source: DALL_E_PRICES } },
    ],
  },
  geometry: { kind: 'pixels', auto: { width: 1024, height: 1024 } },
};

/** OpenAI: DALL·E 2 edits and variations take one square PNG under 4 MB (upstreams.md §1.3, §1.4). */
const DALL_E_2_INPUT = { formats: ['image/png'], square: true, maxBytes: 4 * 1024 * 1024 } as const;

const DALL_E_2_SIZES: SizeRule = { kind: 'list', values: ['256x256', '512x512', '1024x1024'] };

const dallE2: ModelEntry = {
  id: 'dall-e-2',
  aliases: [],
  owned_by: 'openai',
  created: 1667433600,
  category: 'image',
  family: 'dall-e',
  description: 'OpenAI DALL·E 2 (legacy): square sizes, edits with a mask, and the only model serving variations.',
  upstream: { openai: 'dall-e-2' },
  wire: { openai: DALL_E_2_WIRE },
  operations: [
    {
      operation: 'text-to-image',
      endpoint: IMAGE_ENDPOINTS.generations,
      parameters: [...BASE_PARAMS, 'size'],
      values: {},
      size: DALL_E_2_SIZES,
      maxN: PUBLIC_N_MAX,
      promptMaxLength: DALL_E_2_PROMPT_MAX,
      defaults: { size: '1024x1024' },
    },
    {
      operation: 'image-edit',
      endpoint: IMAGE_ENDPOINTS.edits,
      parameters: [...BASE_PARAMS, 'size', ...EDIT_SOURCE_PARAMS, 'mask'],
      values: {},
      size: DALL_E_2_SIZES,
      maxN: PUBLIC_N_MAX,
      promptMaxLength: DALL_E_2_PROMPT_MAX,
      // DALL·E 2 edits take one square PNG.
      maxInputImages: 1,
      inputRules: DALL_E_2_INPUT,
      defaults: { size: '1024x1024' },
      notes: ['One square PNG source under 4 MB; optional mask of the same size.'],
    },
    {
      operation: 'variation',
      endpoint: IMAGE_ENDPOINTS.variations,
      parameters: ['n', 'response_format', 'user', 'size'],
      values: {},
      size: DALL_E_2_SIZES,
      maxN: PUBLIC_N_MAX,
      maxInputImages: 1,
      inputRules: DALL_E_2_INPUT,
      defaults: { size: '1024x1024' },
      notes: ['Multipart only: one square PNG in image.'],
    },
  ],
  dropped: [],
  delivery: 'inline',
  asyncAllowed: false,
  lifecycle: deprecated('2022-11-03T00:00:00Z', DALL_E_RETIRED, 'gpt-image-2', { sunsetAt: '2026-05-12T00:00:00Z' }),
  price: {
    version: PRICE_VERSION,
    unit: 'per_image',
    rows: [
      { when: { size: '256x256' }, price: { usd: '0.016', source: DALL_E_PRICES } },
      { when: { size: '512x512' }, price: { usd: '0.018', source: DALL_E_PRICES } },
      { when: { size: '1024x1024' }, price: { usd: '0.020', source: DALL_E_PRICES } },
    ],
  },
  geometry: { kind: 'pixels', auto: { width: 1024, height: 1024 } },
};

export const OPENAI_MODELS: readonly ModelEntry[] = [gptImage2, dallE3, dallE2];
