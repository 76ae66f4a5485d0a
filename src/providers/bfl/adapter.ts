// Black Forest Labs FLUX (upstreams.md §5). Every image is a task: `POST /v1/{endpoint}` answers
// {id, polling_url}; the task is polled until Ready, whose `result.sample` is a signed, short-lived URL
// on a delivery host. The pipeline downloads it without any credentials.
//
// One BFL task makes one image. Fan-out only covers `generate`, so for n > 1 submit sends n tasks and
// one reference carries them all: every poll asks about each (the reference is stored once and never
// updated, so no partial result is kept between polls), and the task completes once all are terminal,
// delivering the Ready ones (billed per image delivered). All failed → failed. A seed is varied per
// task (seed + i), or the n images would be identical.
//
// Where `x-key` goes, and nowhere else:
//   - the channel's own origin (base_url);
//   - an https polling_url on BFL's own domains (bfl.ai, bfl.ml) when base_url is on them too: the
//     global endpoint hands out polling URLs on sibling clusters (api.us1.bfl.ai);
//   - hosts the operator names in the channel option `poll_hosts` (["host:port", ...]).
// A polling_url anywhere else is not followed: the task is polled at {base_url}/v1/get_result?id=,
// the spec's equivalent, so the key never leaves the channel's host.
//
// Which body an endpoint takes (width/height, or aspect_ratio with input images) is catalogue data,
// ModelEntry.wire.bfl, handed in with the call.
//
// Channel options: `poll_interval_ms` (a fixed poll pace instead of the engine's backoff), `poll_hosts`
// (above), `task_timeout_ms` (the engine's; default BFL_TASK_TIMEOUT_MS).

import { outputDimensions } from '../../catalog/dimensions.ts';
import type { BflWire } from '../../catalog/model-entry.ts';
import type { NormalizedImageRequest } from '../../catalog/types.ts';
import { callUpstream, joinUrl, parseJson, scrub } from '../http.ts';
import { type CallContext, type Channel, defineProvider, type PollResult, UpstreamError, type UpstreamImage, type UpstreamTaskRef } from '../types.ts';
import type { BflAsyncResponse, BflErrorBody, BflPixelRequest, BflRatioRequest, BflResultResponse } from './wire.ts';
import { isHttpUrl, parseHttpUrl } from '../../util/urls.ts';

/** BFL's own examples poll every 0.5 s; the engine backs off from there. */
const BFL_POLL_INTERVAL_MS = 500;
/** Tasks finish in seconds; signed sample URLs live about 10 minutes. */
const BFL_TASK_TIMEOUT_MS = 10 * 60_000;
/** Kontext takes input_image .. input_image_4. */
const KONTEXT_INPUTS = ['input_image', 'input_image_2', 'input_image_3', 'input_image_4'] as const;
/** BFL's own domains, between which the key may travel (see the header). */
const BFL_DOMAINS = ['bfl.ai', 'bfl.ml'];

/** One upstream task; the reference's state holds one per image asked. */
export type BflTask = {
  id: string;
  polling_url?: string;
};

/** What a BFL task reference keeps between polls. */
type BflTaskState = {
  tasks: BflTask[];
  /** prompt_upsampling was asked: the result's prompt is the rewritten one. */
  upsampled?: boolean;
};

/** The body for `endpoint`, shaped as the catalogue says it takes (width/height when it says nothing). */
export function submitBody(req: NormalizedImageRequest, wire: BflWire | undefined, endpoint: string): BflPixelRequest | BflRatioRequest {
  // Input images go as base64.
  const inputs = (req.images ?? []).map((image) => image.bytes.toString('base64'));
  const body: BflPixelRequest & BflRatioRequest = { prompt: req.prompt };
  if (wire?.shape === 'aspect-ratio') {
    if (req.aspectRatio) body.aspect_ratio = req.aspectRatio;
    if (inputs.length > KONTEXT_INPUTS.length) throw new UpstreamError('bad_request', `${endpoint} takes at most ${KONTEXT_INPUTS.length} input images`);
    inputs.forEach((value, i) => (body[KONTEXT_INPUTS[i]] = value));
  } else {
    // Sending the prompt alone would silently drop the references.
    if (inputs.length > 0) throw new UpstreamError('bad_request', `${endpoint} takes no input images`);
    const { width, height } = typeof req.size === 'object' ? req.size : outputDimensions(req);
    body.width = width;
    body.height = height;
  }
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.outputFormat) body.output_format = req.outputFormat;
  if (req.expandPrompt !== undefined) body.prompt_upsampling = req.expandPrompt;
  return body;
}

/** 422 is FastAPI validation (field: message); 402 is an account out of credits, a channel failure. */
export function classifyBflError(status: number, text: string): UpstreamError | undefined {
  if (status === 402) return new UpstreamError('auth', 'the BFL account has insufficient credits', { status });
  if (status !== 422) return undefined;
  let message = '';
  try {
    const detail = (JSON.parse(text) as BflErrorBody).detail;
    message = Array.isArray(detail)
      ? detail.map((d) => `${(d?.loc ?? []).filter((part) => part !== 'body').join('.')}: ${d?.msg ?? 'invalid'}`).join('; ')
      : String(detail ?? '');
  } catch {
    // Not JSON: say nothing of it.
  }
  return new UpstreamError('bad_request', scrub(message) || 'BFL rejected the request as invalid', { status });
}

/** AsyncResponse → the task to poll; an answer without an id is malformed. */
export function readSubmit(answer: BflAsyncResponse, status: number): BflTask {
  if (!answer || typeof answer.id !== 'string' || answer.id === '') {
    throw new UpstreamError('upstream_fault', 'the upstream accepted the task without an id', { status });
  }
  return typeof answer.polling_url === 'string' ? { id: answer.id, polling_url: answer.polling_url } : { id: answer.id };
}

async function submitOne(body: BflPixelRequest | BflRatioRequest, ctx: CallContext): Promise<BflTask> {
  const res = await callUpstream({
    url: joinUrl(ctx.channel.baseUrl, `/v1/${encodeURIComponent(ctx.upstreamModel)}`),
    headers: { 'x-key': ctx.channel.apiKey },
    json: body,
    signal: ctx.signal,
    classify: classifyBflError,
  });
  return readSubmit(parseJson<BflAsyncResponse>(res), res.status);
}

async function submit(req: NormalizedImageRequest, ctx: CallContext): Promise<UpstreamTaskRef<BflTaskState>> {
  const body = submitBody(req, ctx.wire.bfl, ctx.upstreamModel);
  const bodies = Array.from({ length: Math.max(1, req.n) }, (_, i) => (i > 0 && body.seed !== undefined ? { ...body, seed: body.seed + i } : body));
  const settled = await Promise.allSettled(bodies.map((b) => submitOne(b, ctx)));
  const tasks = settled.filter((s): s is PromiseFulfilledResult<BflTask> => s.status === 'fulfilled').map((s) => s.value);
  // Some accepted: go on with those (fewer images, billed as delivered). None: routing decides.
  if (tasks.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
  const state: BflTaskState = { tasks, ...(req.expandPrompt ? { upsampled: true } : {}) };
  return { upstreamId: tasks.map((t) => t.id).join(','), pollUrl: tasks[0].polling_url, state };
}

/** Where one of the reference's BFL tasks stands. */
type BflTaskStatus = { kind: 'pending'; progress?: number } | { kind: 'ready'; image: UpstreamImage } | { kind: 'failed'; error: UpstreamError };

/** Reads one ResultResponse. A body with no status at all is malformed: thrown, so the poll is retried. */
export function readPoll(body: BflResultResponse, status: number, upsampled = false): BflTaskStatus {
  const state = body?.status ?? body?.state;
  switch (state) {
    case 'Pending':
      return typeof body.progress === 'number' ? { kind: 'pending', progress: Math.max(0, Math.min(100, body.progress * 100)) } : { kind: 'pending' };
    case 'Ready': {
      const sample = body.result?.sample;
      if (!isHttpUrl(sample)) return { kind: 'failed', error: new UpstreamError('upstream_fault', 'the upstream finished the task without an image URL', { status }) };
      const image: UpstreamImage = { url: sample };
      if (upsampled && typeof body.result?.prompt === 'string' && body.result.prompt) image.revisedPrompt = body.result.prompt;
      return { kind: 'ready', image };
    }
    case 'Request Moderated':
      return { kind: 'failed', error: new UpstreamError('moderated', 'BFL moderated the request', { status }) };
    case 'Content Moderated':
      return { kind: 'failed', error: new UpstreamError('moderated', 'BFL moderated the generated image', { status }) };
    case 'Error':
    case 'Failed':
      return { kind: 'failed', error: new UpstreamError('upstream_fault', 'BFL reported that the task failed', { status }) };
    case 'Task not found':
      return { kind: 'failed', error: new UpstreamError('upstream_fault', 'BFL no longer knows the task', { status }) };
    default:
      if (typeof state !== 'string') throw new UpstreamError('upstream_fault', 'the upstream answered a poll without a status', { status });
      // A status this adapter does not know yet: keep polling; the task timeout decides.
      return { kind: 'pending' };
  }
}

async function pollOne(task: BflTask, upsampled: boolean, ctx: CallContext): Promise<BflTaskStatus> {
  const res = await callUpstream({
    method: 'GET',
    url: pollTarget(task, ctx.channel),
    headers: { 'x-key': ctx.channel.apiKey },
    signal: ctx.signal,
    classify: classifyBflError,
  });
  return readPoll(parseJson<BflResultResponse>(res), res.status, upsampled);
}

async function poll(ref: UpstreamTaskRef<BflTaskState>, ctx: CallContext): Promise<PollResult> {
  const state = ref.state;
  const tasks = state?.tasks?.length ? state.tasks : [{ id: ref.upstreamId, polling_url: ref.pollUrl }];
  const states = await Promise.all(tasks.map((task) => pollOne(task, Boolean(state?.upsampled), ctx)));

  if (states.some((s) => s.kind === 'pending')) {
    const reported = states.some((s) => s.kind !== 'pending' || s.progress !== undefined);
    if (!reported) return { status: 'pending' };
    const progress = states.reduce((sum, s) => sum + (s.kind === 'pending' ? (s.progress ?? 0) : 100), 0) / states.length;
    return { status: progress > 0 ? 'processing' : 'pending', progress };
  }
  const images = states.flatMap((s) => (s.kind === 'ready' ? [s.image] : []));
  if (images.length > 0) return { status: 'completed', result: { images } };
  const errors = states.flatMap((s) => (s.kind === 'failed' ? [s.error] : []));
  return { status: 'failed', error: errors.find((e) => e.kind === 'moderated') ?? errors[0] };
}

/** The polling_url when the key may go there (see the header), else get_result on the channel's host. */
export function pollTarget(task: BflTask, channel: Channel): string {
  const url = task.polling_url ? parseHttpUrl(task.polling_url) : undefined;
  if (url && keyMayGoTo(url, channel)) return url.href;
  return joinUrl(channel.baseUrl, `/v1/get_result?id=${encodeURIComponent(task.id)}`);
}

function keyMayGoTo(url: URL, channel: Channel): boolean {
  const base = parseHttpUrl(channel.baseUrl);
  if (!base) return false;
  if (url.origin === base.origin) return true;
  const onBfl = (u: URL) => u.protocol === 'https:' && BFL_DOMAINS.some((d) => u.hostname === d || u.hostname.endsWith(`.${d}`));
  if (onBfl(url) && onBfl(base)) return true;
  const trusted = channel.options.poll_hosts;
  return Array.isArray(trusted) && trusted.some((host) => typeof host === 'string' && host.toLowerCase() === url.host.toLowerCase());
}

export const bflProvider = defineProvider({
  name: 'bfl',
  defaultBaseUrl: 'https://api.bfl.ai',
  maxImagesPerCall: 1,
  pollIntervalMs: BFL_POLL_INTERVAL_MS,
  taskTimeoutMs: BFL_TASK_TIMEOUT_MS,
  submit,
  poll,
});
