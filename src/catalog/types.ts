// Shapes shared by the catalogue, the contract engine and the provider adapters.

export const OPERATIONS = ['text-to-image', 'image-to-image', 'image-edit', 'variation'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const IMAGE_ENDPOINTS = {
  generations: '/v1/images/generations',
  edits: '/v1/images/edits',
  variations: '/v1/images/variations',
} as const;
export type ImageEndpoint = (typeof IMAGE_ENDPOINTS)[keyof typeof IMAGE_ENDPOINTS];

export type ResponseFormat = 'url' | 'b64_json';

export type {
  ModelEntry,
  OperationContract,
  UpstreamProvider,
  PriceData,
  SizeRule,
  ContractParam,
  Lifecycle,
  OutputGeometry,
} from './model-entry.ts';

/** A source or reference image named in a JSON body: a URL to fetch, or a /v1/files id. */
export type ImageRef = ({ url: string } | { fileId: string }) & {
  /** The request field exactly as sent (`image_url`, `image_urls[2]`, `images[0].file_id`), for error messages. */
  field: string;
};

/** An input image already fetched or uploaded, sniffed and measured (the image-inputs issue fills these). */
export interface InputImage {
  bytes: Buffer;
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
  /** Where it came from, for error messages: `image`, `image_urls[1]`, `mask`... */
  source: string;
}

/**
 * One validated request, in Easel's own vocabulary, that every adapter consumes. Only fields the
 * model's contract accepts are set; fields the contract drops (gpt-image-2 `input_fidelity`) never
 * appear here.
 */
export interface NormalizedImageRequest {
  /** Canonical catalogue id (aliases resolved). */
  model: string;
  /** The id the client sent, when it was an alias. */
  requestedModel: string;
  endpoint: ImageEndpoint;
  operation: Operation;
  prompt: string;
  n: number;
  responseFormat: ResponseFormat;
  async: boolean;
  /** `stream: true` on an operation that streams (OperationContract.streaming): answered as an event stream. */
  stream?: boolean;
  /** Where the gateway POSTs the task's terminal state (Easel's webhook extension); never forwarded upstream. */
  callbackUrl?: string;
  /** Exact pixel size when the contract works in pixels (gpt-image-2, DALL·E, FLUX width/height). */
  size?: { width: number; height: number } | 'auto';
  aspectRatio?: string;
  resolution?: string;
  quality?: string;
  style?: string;
  background?: string;
  outputFormat?: 'png' | 'jpeg' | 'webp';
  outputCompression?: number;
  moderation?: string;
  negativePrompt?: string;
  seed?: number;
  user?: string;
  partialImages?: number;
  /** Extra references for families that tell primary inputs from references (reference_image_urls). */
  referenceImageUrls?: string[];
  /** Sources and references named in a JSON body (image_url, then image_urls, then images[]), in order; multipart files arrive in `images`. */
  imageRefs?: ImageRef[];
  /** Edit mask from a JSON body (mask.image_url | mask.file_id). */
  maskRef?: ImageRef;
  maskUrl?: string;
  /** Ask the upstream to rewrite the prompt (BFL prompt_upsampling, Ideogram magic_prompt). */
  expandPrompt?: boolean;
  /** Decoded input images, once fetched (edits, variations, multipart references). */
  images?: InputImage[];
  mask?: InputImage;
  /** Values the normalizer chose for the client (size → aspect_ratio, auto defaults); reported back. */
  normalized?: Record<string, string>;
}
