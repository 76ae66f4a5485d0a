// OpenAI Images API wire shapes (upstreams.md §1; upstream-openapi/openai-images.json:
// CreateImageRequest, ImagesResponse, Image, ImageGenUsage, ErrorResponse). Azure OpenAI speaks the
// same bodies, so its adapter imports these too.

/** POST /images/generations body. GPT image models reject `response_format`; DALL·E ignores the GPT-only fields. */
export interface CreateImageRequest {
  prompt: string;
  /** Absent on Azure, where the deployment in the path picks the model. */
  model?: string;
  n?: number;
  /** `auto` | `WxH` (gpt-image-2 any multiple of 16) | the DALL·E fixed sizes. */
  size?: string;
  /** auto|low|medium|high (GPT image), standard|hd (dall-e-3), standard (dall-e-2). */
  quality?: string;
  /** DALL·E only. */
  response_format?: 'url' | 'b64_json';
  /** dall-e-3 only: vivid | natural. */
  style?: string;
  /** GPT image only. */
  output_format?: 'png' | 'jpeg' | 'webp';
  /** GPT image only, 0-100, meaningful with jpeg/webp. */
  output_compression?: number;
  /** GPT image only: transparent | opaque | auto. */
  background?: string;
  /** GPT image only: low | auto. */
  moderation?: string;
  stream?: boolean;
  partial_images?: number;
  user?: string;
}

/**
 * POST /images/edits as JSON (EditImageBodyJsonParam; GPT image models only). The multipart variant
 * (CreateImageEditRequest) carries the same fields as form parts, the sources as `image`/`image[]`
 * files and `mask` as a file, and has no `moderation`.
 */
export interface EditImageJsonRequest {
  images: ImageRefParam[];
  mask?: ImageRefParam;
  prompt: string;
  model?: string;
  n?: number;
  size?: string;
  quality?: string;
  output_format?: 'png' | 'jpeg' | 'webp';
  output_compression?: number;
  background?: string;
  moderation?: string;
  stream?: boolean;
  partial_images?: number;
  user?: string;
}

/** Exactly one of the two: a https or data: URL, or an OpenAI file id. */
export type ImageRefParam = { image_url: string } | { file_id: string };

/** POST /images/variations (multipart, dall-e-2 only): `image` file plus these fields. */
export interface CreateImageVariationFields {
  model?: string;
  n?: number;
  size?: string;
  response_format?: 'url' | 'b64_json';
  user?: string;
}

/** OpenAI's limit on one `image_url` string in a JSON edit (ImageRefParam.image_url.maxLength). */
export const MAX_IMAGE_URL_CHARS = 20_971_520;

export interface ImageItem {
  b64_json?: string;
  url?: string;
  /** dall-e-3 only. */
  revised_prompt?: string;
}

/** ImageGenUsage: GPT image models only; no cached-token field exists for images. */
export interface ImageGenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details?: { text_tokens: number; image_tokens: number };
  output_tokens_details?: { image_tokens: number; text_tokens: number };
}

export interface ImagesResponse {
  created: number;
  data?: ImageItem[];
  /** GPT image models echo what they produced. */
  background?: 'transparent' | 'opaque';
  output_format?: 'png' | 'jpeg' | 'webp';
  size?: string;
  quality?: string;
  usage?: ImageGenUsage;
}

/**
 * One event of a `stream: true` answer (ImageGenStreamEvent, ImageEditStreamEvent): Server-Sent Events
 * whose `event:` line repeats `type`. Partial images carry `partial_image_index`, the completed event
 * `usage`; an error mid-stream arrives as an event carrying `error`. No `[DONE]` line is promised.
 */
export interface ImageStreamEventBody {
  type?: string;
  b64_json?: string;
  created_at?: number;
  size?: string;
  quality?: string;
  background?: string;
  output_format?: 'png' | 'jpeg' | 'webp';
  partial_image_index?: number;
  usage?: ImageGenUsage;
  error?: ErrorBody['error'];
}

/** The `type` prefix of each endpoint's stream events: `image_generation.partial_image`, `image_edit.completed`, ... */
export const STREAM_EVENT_PREFIX = { generations: 'image_generation', edits: 'image_edit' } as const;
export type StreamEventPrefix = (typeof STREAM_EVENT_PREFIX)[keyof typeof STREAM_EVENT_PREFIX];

/** ErrorResponse: all four keys are present on OpenAI; Azure adds `inner_error` (see ../azure/wire.ts). */
export interface ErrorBody {
  error?: {
    message?: string;
    type?: string | null;
    param?: string | null;
    code?: string | null;
  };
}

/** Error codes OpenAI uses for a safety refusal: GPT image models, then DALL·E. */
export const OPENAI_MODERATION_CODES: readonly string[] = ['moderation_blocked', 'content_policy_violation'];
