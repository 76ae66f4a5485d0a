// Black Forest Labs API wire types (upstreams.md §5; upstream-openapi/bfl.json). JSON both ways,
// `x-key` auth, every generation is a task: submit, then poll the returned polling_url.

/** FluxPro11Inputs (`POST /v1/flux-pro-1.1`; FluxDevInputs adds steps/guidance). Width/height: 256–1440, ×32. */
export interface BflPixelRequest {
  prompt: string;
  width?: number;
  height?: number;
  prompt_upsampling?: boolean;
  seed?: number;
  /** 0 (strictest) – 6; BFL's default 2. */
  safety_tolerance?: number;
  /** `jpeg` is the default here. */
  output_format?: BflOutputFormat;
  /** Base64 image for FLUX Redux. */
  image_prompt?: string;
}

/** FluxKontextProInputs (`flux-kontext-pro` / `-max`); FluxUltraInput shares the aspect_ratio shape. */
export interface BflRatioRequest {
  prompt: string;
  /** `W:H` between 21:9 and 9:21. */
  aspect_ratio?: string;
  seed?: number;
  prompt_upsampling?: boolean;
  safety_tolerance?: number;
  /** `png` is Kontext's default. */
  output_format?: BflOutputFormat;
  /** Base64 image or URL; input_image_2..4 are Kontext's experimental multi-reference. */
  input_image?: string;
  input_image_2?: string;
  input_image_3?: string;
  input_image_4?: string;
}

export type BflOutputFormat = 'jpeg' | 'png' | 'webp';

/** AsyncResponse: the task id and where to poll it (possibly another cluster's host). */
export interface BflAsyncResponse {
  id: string;
  polling_url: string;
  cost?: number | null;
  input_mp?: number | null;
  output_mp?: number | null;
}

/** StatusResponse. */
export type BflStatus = 'Task not found' | 'Pending' | 'Request Moderated' | 'Content Moderated' | 'Ready' | 'Error';

/** ResultResponse (`GET {polling_url}` or `GET /v1/get_result?id=`). `result` is untyped in the spec. */
export interface BflResultResponse {
  id: string;
  status: BflStatus | string;
  /** Some clients see `state` instead of `status` (vercel/ai tolerates both). */
  state?: string;
  result?: BflReadyResult | null;
  /** 0–1 while Pending, when reported. */
  progress?: number | null;
  details?: Record<string, unknown> | null;
  preview?: Record<string, unknown> | null;
}

/** `result` of a Ready task, as SDKs use it [obs]: `sample` is a signed, short-lived URL on a delivery host. */
export interface BflReadyResult {
  sample: string;
  prompt?: string;
  seed?: number;
  start_time?: number;
  end_time?: number;
  duration?: number;
}

/** HTTPValidationError (422), or the plain `{detail: "..."}` other statuses carry. */
export interface BflErrorBody {
  detail: string | Array<{ loc: Array<string | number>; msg: string; type: string }>;
}
