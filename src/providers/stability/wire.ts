// Stability AI Stable Image v2beta, SD 3.5 generate (upstreams.md §8). Success is the raw image with
// `finish-reason` and `seed` headers when asked with `accept: image/*`; errors are always JSON.

export const STABILITY_SD3_PATH = '/v2beta/stable-image/generate/sd3';

export type StabilityFinishReason = 'SUCCESS' | 'CONTENT_FILTERED';

/** The multipart fields of one text-to-image call; one call makes one image. */
export interface StabilitySd3Request {
  prompt: string;
  mode: 'text-to-image';
  /** sd3.5-large, sd3.5-large-turbo, sd3.5-medium, sd3.5-flash. */
  model: string;
  /** `16:9` spelling, as Easel's. */
  aspect_ratio?: string;
  negative_prompt?: string;
  /** 0–4294967294; 0 means random. */
  seed?: number;
  output_format?: 'png' | 'jpeg';
}

/** Response headers of an `accept: image/*` success. */
export const STABILITY_HEADERS = {
  finishReason: 'finish-reason',
  seed: 'seed',
  /** Optional end-user id, for Stability's abuse reports (≤ 256 characters). */
  clientUserId: 'stability-client-user-id',
} as const;

export const STABILITY_MODERATION_NAMES = ['content_moderation', 'public_figure'] as const;
