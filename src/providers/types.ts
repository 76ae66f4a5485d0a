// The contract between routing and a provider adapter. An adapter translates a NormalizedImageRequest
// into its upstream's wire protocol and back. It knows nothing of keys, billing, storage or routes.

import type { ModelWire, UpstreamProvider } from '../catalog/model-entry.ts';
import type { NormalizedImageRequest } from '../catalog/types.ts';
import type { Base64Text } from '../util/base64-text.ts';

export interface Channel {
  id: string;
  provider: string;
  baseUrl: string;
  apiKey: string;
  models: string[];
  priority: number;
  weight: number;
  timeoutMs: number;
  /** Catalogue id → upstream model name (or Azure deployment). */
  modelMap: Record<string, string>;
  /** Provider-specific settings (Azure api_version, task timeouts, ...). */
  options: Record<string, unknown>;
  /** What recovery does with a submit a crash cut off, on an upstream that cannot be asked about it. */
  onUncertainSubmit: 'resubmit' | 'fail';
}

export interface CallContext {
  channel: Channel;
  /** The upstream's name for the model: channel.model_map, else the catalogue's per-provider name. */
  upstreamModel: string;
  /** The catalogue's per-provider protocol facts for the model (ModelEntry.wire, `{}` when it has none). */
  wire: ModelWire;
  signal: AbortSignal;
}

/**
 * One image as the upstream handed it over: bytes, base64 text, or a URL Easel must download. An image
 * that came as base64 (base64-image.ts) keeps its text for a b64_json answer; its `bytes` are decoded
 * at each read, so read them only where the bytes themselves are needed.
 */
export interface UpstreamImage {
  bytes?: Buffer;
  base64?: Base64Text;
  url?: string;
  mime?: string;
  revisedPrompt?: string;
}

export interface GenerateResult {
  images: UpstreamImage[];
  /** The upstream's usage figures as reported (OpenAI `usage`, Gemini `usageMetadata`, ...). */
  usage?: Record<string, unknown>;
}

/** A value that survives JSON.stringify and JSON.parse unchanged: no Buffer, Date, class or function. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };

/**
 * What a task-based adapter keeps in its reference between submit and poll. It is stored as JSON in
 * the task row, so it is plain data and never image bytes: a Buffer, or a request carrying input
 * images, does not type-check here. Declare it with `type`, not `interface` (an interface has no
 * index signature, so TypeScript will not match it to this shape).
 */
export type TaskState = { [key: string]: JsonValue | undefined };

/** A reference to work an upstream is doing asynchronously; stored with the task, read back by poll. */
export interface UpstreamTaskRef<State extends TaskState = TaskState> {
  upstreamId: string;
  pollUrl?: string;
  /** The adapter's own record of the task, typed by the adapter that made it. */
  state?: State;
}

/** The settings an OpenAI image stream event echoes (ImageGen*Event, ImageEdit*Event) besides its image. */
export interface StreamedImageFields {
  created_at?: number;
  size?: string;
  quality?: string;
  background?: string;
  output_format?: string;
}

/** One event of an upstream image stream, as the adapter read it: a partial image, or the final one with usage. */
export type UpstreamStreamEvent =
  | { kind: 'partial'; index: number; b64: string; fields: StreamedImageFields }
  | { kind: 'completed'; b64: string; fields: StreamedImageFields; usage?: Record<string, unknown> };

/**
 * A streaming call: it tells `onEvent` of every event as it arrives (the completed one too) and resolves
 * with the final image and its usage, as the non-streaming call would.
 */
export type StreamingOperation = (req: NormalizedImageRequest, ctx: CallContext, onEvent: (event: UpstreamStreamEvent) => void) => Promise<GenerateResult>;

export type PollResult =
  | { status: 'pending' | 'processing'; progress?: number; retryAfterMs?: number }
  | { status: 'completed'; result: GenerateResult }
  | { status: 'failed'; error: UpstreamError };

/**
 * What routing and the task engine call. An adapter declares what it can do by what it has:
 * `generate`, `edit`, `vary` for answers in one call, `submit` + `poll` (+ `findSubmission`) for
 * upstream tasks. `State` is what its task references keep (see TaskState).
 */
export interface ProviderAdapter<State extends TaskState = TaskState> {
  /**
   * How many images one upstream call can return; Easel fans out above it. A function when it depends
   * on the model, read from the catalogue's wire facts in `ctx`. Without `ctx` (a caller that has none)
   * it answers the provider's own ceiling.
   */
  maxImagesPerCall?: number | ((req: NormalizedImageRequest, ctx?: CallContext) => number);
  /** How often a task-based upstream is polled at first (backed off from there). */
  pollIntervalMs?: number;
  /** The longest a task on this upstream may take by default (channel option task_timeout_ms overrides). */
  taskTimeoutMs?: number;
  generate?(req: NormalizedImageRequest, ctx: CallContext): Promise<GenerateResult>;
  edit?(req: NormalizedImageRequest, ctx: CallContext): Promise<GenerateResult>;
  vary?(req: NormalizedImageRequest, ctx: CallContext): Promise<GenerateResult>;
  /** `stream: true`: the upstream's partial images as they come, then the final image (OpenAI image event streams). */
  generateStream?: StreamingOperation;
  editStream?: StreamingOperation;
  /**
   * Starts an upstream task. `submissionId` is Easel's own id for this attempt, recorded before the
   * call: an adapter whose upstream can carry it (a client-chosen id, a state field, an idempotency
   * key) sends it, so that `findSubmission` can look for it after a crash.
   */
  submit?(req: NormalizedImageRequest, ctx: CallContext, submissionId: string): Promise<UpstreamTaskRef<State>>;
  poll?(ref: UpstreamTaskRef<State>, ctx: CallContext): Promise<PollResult>;
  /**
   * After a crash between a submit and its record: the upstream task made by that submission, or
   * undefined when the upstream has none (so submitting again cannot make a duplicate). Throws when
   * the upstream cannot tell right now. Adapters whose upstream cannot be asked leave it out, and the
   * channel's on_uncertain_submit decides.
   */
  findSubmission?(submissionId: string, ctx: CallContext): Promise<UpstreamTaskRef<State> | undefined>;
}

/** The names a provider can be declared under: every catalogue provider, and the offline demo. */
export type DeclarableProviderName = UpstreamProvider | 'demo';

/** One provider, declared once in its folder and listed in the registry. */
export interface ProviderDeclaration<Name extends DeclarableProviderName = DeclarableProviderName, State extends TaskState = TaskState>
  extends ProviderAdapter<State> {
  /** A channel's `provider` value, and the adapter's folder name. */
  readonly name: Name;
  /** The upstream's documented base URL, used when a channel gives none. Absent: every channel must name its own. */
  readonly defaultBaseUrl?: string;
}

/** Declares a provider; the identity function, there so the name stays a literal and `State` is inferred from submit/poll. */
export function defineProvider<const Name extends DeclarableProviderName, State extends TaskState = never>(
  declaration: ProviderDeclaration<Name, State>,
): ProviderDeclaration<Name, State> {
  return declaration;
}

/** The small set of failure kinds routing decides on. */
export type UpstreamErrorKind =
  | 'bad_request' // the upstream rejected the request itself: do not fail over
  | 'auth' // the channel's credentials are wrong: fail over, cool the channel down
  | 'rate_limited' // 429: fail over, honour retryAfterMs
  | 'moderated' // content policy: do not fail over
  | 'upstream_fault' // 5xx, reset, malformed answer: fail over
  | 'timeout'; // no answer in time: fail over

export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  readonly upstreamStatus?: number;
  readonly retryAfterMs?: number;

  constructor(kind: UpstreamErrorKind, message: string, opts: { status?: number; retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'UpstreamError';
    this.kind = kind;
    this.upstreamStatus = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}
