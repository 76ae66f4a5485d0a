// Public request bodies of the image endpoints: field types and the generic ranges of
// tokenlab-openapi-images.json. What a given model accepts is narrower; the contract engine
// (src/catalog/contract.ts) enforces that after these types pass. /openapi.json is generated from here.

import { z } from 'zod';
import { PUBLIC_MAX_IMAGES } from './limits.ts';

/**
 * Input image URLs: http(s), fetched through the SSRF guard, or data: URLs (as OpenAI's JSON edit body
 * allows), decoded within the same size limits.
 */
const sourceUrl = z.url({ protocol: /^(https?|data)$/ });
const urlList = z.array(sourceUrl).min(1).max(PUBLIC_MAX_IMAGES);

const imageRef = z
  .strictObject({
    image_url: sourceUrl.optional().describe('Source image URL (https or data:).'),
    file_id: z.string().min(1).optional().describe('A file id from POST /v1/files.'),
  })
  .describe('Exactly one of image_url or file_id.');

/**
 * Easel extension on every create: where the task's terminal state is POSTed, signed the Standard
 * Webhooks way. Checked by the SSRF guard at create and again at every delivery; never sent upstream.
 */
export const callbackUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .describe(
    'Easel extension: an http(s) URL notified (POST, signed per Standard Webhooks with the account\'s secret from POST /v1/webhooks/secret) when the task completes or fails, with the task as GET /v1/tasks/{id} shows it. Private addresses are refused. Default: the key\'s callback, if one is set.',
  );

/** Fields shared by generations and edits. */
const common = {
  model: z.string().describe('Model to use; send it explicitly (see GET /v1/models?recommended_for=image). Omitted: dall-e-3 on generations, dall-e-2 on edits and variations (OpenAI\'s defaults), reported in `normalized.model`.'),
  prompt: z.string().max(4000).describe('Text description of the desired image (model-specific maximum, at most 4000 characters).'),
  n: z.int().min(1).max(10).describe('Number of images (1-10, capped per model). Default 1.'),
  size: z
    .string()
    .describe(
      'Model-specific. gpt-image-2: auto or WIDTHxHEIGHT (edges multiples of 16, longest <= 3840, ratio <= 3:1, 655,360-8,294,400 pixels). ' +
        'DALL·E: fixed sizes. FLUX: WIDTHxHEIGHT. Gemini and other aspect-ratio models: compatibility alias mapped to aspect_ratio (and resolution).',
    ),
  quality: z.string().describe('Model-specific: auto|low|medium|high (gpt-image-2), standard|hd (dall-e-3), flash|turbo|default|quality (ideogram-v3).'),
  aspect_ratio: z.string().describe('Aspect-ratio selector, for example 1:1, 16:9, 9:16 (values per model in GET /v1/models/{model}).'),
  resolution: z.string().describe('Resolution selector: 1k|2k|4k on high-resolution Gemini models (text-to-image only), 1k|2k on Grok Imagine.'),
  response_format: z.enum(['url', 'b64_json']).describe('url (default) or b64_json. Async tasks always return URLs.'),
  async: z.boolean().describe('Create a task and answer {status:"pending", task_id, poll_url} (gpt-image-2 and official FLUX/BFL models only).'),
  background: z.enum(['transparent', 'opaque', 'auto']).describe('Background handling; gpt-image-2 accepts auto and opaque.'),
  output_format: z.enum(['png', 'jpeg', 'webp']).describe('Output image format for models that offer a choice.'),
  output_compression: z.int().min(0).max(100).describe('Compression 0-100 for jpeg/webp output.'),
  compression: z.int().min(0).max(100).describe('Alias of output_compression.'),
  moderation: z.enum(['auto', 'low']).describe('Moderation strictness (gpt-image-2).'),
  stream: z
    .boolean()
    .describe('true (gpt-image-2, n = 1): answer with the OpenAI image event stream (text/event-stream: partial images, then the completed image with usage). Other models reject true.'),
  partial_images: z.int().min(0).max(3).describe('With stream: true, how many partial images (0-3) come before the final one (gpt-image-2).'),
  input_fidelity: z.string().describe('Accepted for compatibility and removed before forwarding for gpt-image-2; other models reject it.'),
  user: z.string().describe('End-user identifier.'),
  callback_url: callbackUrlSchema,
};

export const imageGenerationRequestSchema = z
  .strictObject({
    ...common,
    operation: z
      .enum(['text-to-image', 'image-to-image', 'image-edit'])
      .describe('Operation family. Reference-image requests use image-to-image; inferred from image_url/image_urls when omitted.'),
    image_url: sourceUrl.describe('Reference image for image-to-image: an https URL or a data: URL.'),
    image_urls: urlList.describe('Reference images for image-to-image, https or data: URLs (1-16; multipart: comma-separated).'),
    reference_image_urls: urlList.describe('Additional references for families that separate inputs from references (multipart: comma-separated).'),
    mask_url: sourceUrl.describe('Mask URL for compatible operations.'),
    style: z.enum(['vivid', 'natural']).describe('dall-e-3 only: vivid (default) or natural.'),
    expand_prompt: z.boolean().describe('Let the model expand the prompt (FLUX prompt_upsampling, Ideogram magic prompt).'),
    negative_prompt: z.string().max(4000).describe('What to avoid (Ideogram, Stable Diffusion).'),
    seed: z.int().min(0).max(4_294_967_294).describe('Seed for models that support deterministic output.'),
  })
  .partial()
  .required({ prompt: true })
  .describe('POST /v1/images/generations (JSON). Unknown fields are rejected with 400 unsupported_parameter.');

export const imageEditRequestSchema = z
  .strictObject({
    ...common,
    image_url: sourceUrl.describe('Single source image (TokenLab compatibility).'),
    image_urls: urlList.describe('Source images (gpt-image-2 up to 16, Grok Imagine up to 3).'),
    images: z.array(imageRef).min(1).max(PUBLIC_MAX_IMAGES).describe('Official JSON source list: each item has exactly one of image_url or file_id.'),
    mask: imageRef.describe('Mask reference: exactly one of image_url or file_id. Multipart requests send mask as a file part.'),
  })
  .partial()
  .required({ prompt: true })
  .describe('POST /v1/images/edits. Exactly one of image_url, image_urls, images (or multipart image/image[] files).');

export const imageVariationRequestSchema = z
  .strictObject({
    model: common.model,
    n: common.n,
    size: z.string().describe('256x256, 512x512 or 1024x1024 (dall-e-2).'),
    response_format: common.response_format,
    user: common.user,
    callback_url: callbackUrlSchema,
  })
  .partial()
  .describe('POST /v1/images/variations (multipart, with one image file).');

export type ImageGenerationRequest = z.infer<typeof imageGenerationRequestSchema>;
export type ImageEditRequest = z.infer<typeof imageEditRequestSchema>;
export type ImageVariationRequest = z.infer<typeof imageVariationRequestSchema>;
