// xAI image API wire types (upstreams.md §4; vercel/ai packages/xai). JSON both ways, Bearer auth.

/** POST {base}/images/generations. xAI rejects `size` and `style` outright, so they have no place here. */
export interface XaiGenerationRequest {
  model: string;
  prompt: string;
  /** 1–10, default 1. */
  n?: number;
  /** `url` (default) or `b64_json`. */
  response_format?: 'url' | 'b64_json';
  /** `1:1`, `16:9`, ..., `auto` (default). */
  aspect_ratio?: string;
  /** `1k` (default) or `2k`: lowercase k. */
  resolution?: '1k' | '2k';
  /** Only used by grok-imagine-image-2.0. */
  quality?: 'low' | 'medium' | 'high';
  user?: string;
}

/** A source image for an edit: an https URL or a data URI. */
export interface XaiImageRef {
  url: string;
  type: 'image_url';
}

/** POST {base}/images/edits: JSON, not multipart. `image` for one source, `images` for several (1–3). */
export interface XaiEditRequest extends XaiGenerationRequest {
  image?: XaiImageRef;
  images?: XaiImageRef[];
}

export interface XaiImageItem {
  url?: string | null;
  b64_json?: string | null;
  mime_type?: string | null;
  revised_prompt?: string | null;
  /** false (with no image payload) when xAI silently withheld this image. */
  respect_moderation?: boolean;
}

export interface XaiImageResponse {
  /** Empty when the whole request was blocked by moderation. */
  data?: XaiImageItem[];
  /** 10,000,000,000 ticks = 1 USD. */
  usage?: { cost_in_usd_ticks?: number; [key: string]: unknown };
}

/** xAI's native error form: `code` is the gRPC status description, `error` the message. */
export interface XaiNativeError {
  code: string;
  error: string;
}

/** The OpenAI-style error form xAI also answers with. */
export interface XaiOpenAiStyleError {
  error: { message: string; type?: string | null; param?: unknown; code?: string | number | null };
}
