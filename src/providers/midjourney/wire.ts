// midjourney-proxy wire types (upstreams.md §6.1 novicezk/midjourney-proxy, §6.2 trueai-org superset).
// The base URL includes the proxy's context path (`http://host:8080/mj`); auth is the `mj-api-secret`
// header, only when the proxy has a secret configured.

/** POST {base}/submit/imagine. */
export interface MjImagineRequest {
  /** Midjourney parameters ride in the prompt (`--ar 16:9`); image prompts may lead it as URLs. */
  prompt: string;
  /** Image prompts as data URLs (`data:image/png;base64,...`). */
  base64Array?: string[];
  notifyHook?: string;
  state?: string;
}

/**
 * ReturnCode: 1 ok, 21 exists, 22 queued, 23 queue full, 24 banned prompt, 3 not found,
 * 4 validation error, 9 system failure.
 */
export type MjReturnCode = 1 | 3 | 4 | 9 | 21 | 22 | 23 | 24;

/** SubmitResultVO: always HTTP 200; the outcome is in `code`. `description` is Chinese (成功, ...). */
export interface MjSubmitResult {
  code: MjReturnCode | number;
  description: string;
  /** The task id (numeric string) when one was made. */
  result?: string | null;
  properties?: Record<string, unknown>;
}

/** TaskStatus; MODAL and CANCEL exist only in the trueai fork. */
export type MjTaskStatus = 'NOT_START' | 'SUBMITTED' | 'IN_PROGRESS' | 'FAILURE' | 'SUCCESS' | 'MODAL' | 'CANCEL';

/** GET {base}/task/{id}/fetch → the task; an unknown id answers HTTP 200 with an empty body. */
export interface MjTask {
  id: string;
  action: 'IMAGINE' | 'UPSCALE' | 'VARIATION' | 'REROLL' | 'DESCRIBE' | 'BLEND' | string;
  status: MjTaskStatus | string;
  prompt?: string;
  promptEn?: string;
  description?: string;
  state?: string | null;
  /** Epoch milliseconds. */
  submitTime?: number;
  startTime?: number;
  finishTime?: number;
  /** `"45%"`; `""` after a failure. */
  progress?: string | null;
  /** A preview while IN_PROGRESS, the grid image on SUCCESS. */
  imageUrl?: string | null;
  failReason?: string | null;
  properties?: Record<string, unknown>;
}
