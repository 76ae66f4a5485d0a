// Together AI image API wire types (upstreams.md §9.3; docs.together.ai/reference/post-images-generations).

/** POST {base}/images/generations. */
export interface TogetherGenerationRequest {
  /** e.g. `black-forest-labs/FLUX.1-schnell`. */
  model: string;
  prompt: string;
  /** Pixels; Together asks for multiples of 8. Default 1024. */
  width?: number;
  height?: number;
  /** Diffusion steps; FLUX.1 [schnell] is distilled for 4. */
  steps?: number;
  /** 1–4 images per call. */
  n?: number;
  seed?: number;
  negative_prompt?: string;
  /** Note the spelling: the request says `base64`, the answer's key is `b64_json`. */
  response_format?: 'base64' | 'url';
  output_format?: 'jpeg' | 'png';
  image_url?: string;
  disable_safety_checker?: boolean;
}

export interface TogetherImageItem {
  index: number;
  b64_json?: string;
  url?: string;
  type?: 'b64_json' | 'url';
}

export interface TogetherImageResponse {
  id: string;
  model: string;
  object: 'list';
  data: TogetherImageItem[];
}

