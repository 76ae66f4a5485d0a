// Midjourney through midjourney-proxy (upstreams.md §6.1–6.2). Midjourney has no official API: the
// proxy drives a Discord account and exposes `POST {base}/submit/imagine` (always HTTP 200, the outcome
// in `code`) and `GET {base}/task/{id}/fetch` (an empty 200 body when the proxy no longer knows the id).
// The channel's base_url includes the proxy's context path, e.g. `http://host:8080/mj`; the
// `mj-api-secret` header is sent only when the channel has an api_key (the proxy's secret is optional).
//
// One imagine task yields ONE image: the 2×2 grid Midjourney draws, four candidates in one picture.
// Easel delivers that grid as one image; cutting it up or upscaling quadrants (U1–U4) would be further
// Discord jobs. n > 1 is refused rather than sent as several imagine jobs: the catalogue caps n at 1
// and prices midjourney per request, so n jobs would spend n jobs of the account's GPU time for the
// price of one.
//
// The aspect ratio rides in the prompt, Midjourney's own way: ` --ar W:H` is appended unless the
// prompt already has --ar/--aspect or the ratio is 1:1 (Midjourney's default). Reference images
// (loaded by the pipeline before any adapter is called) go as base64Array data URLs: image prompts.
//
// Every imagine carries Easel's submission id in the proxy's `state` field, which the proxy keeps on the
// task and lists at `GET {base}/task/list`: after a crash between a submit and its record, recovery
// finds the task it already made instead of making (and paying for) a second one.
//
// Channel options: `poll_interval_ms` (a fixed poll pace instead of the engine's backoff),
// `task_timeout_ms` (the engine's; default MJ_TASK_TIMEOUT_MS).

import type { NormalizedImageRequest } from '../../catalog/types.ts';
import { callUpstream, joinUrl, parseJson, scrub } from '../http.ts';
import { type CallContext, type Channel, defineProvider, type PollResult, UpstreamError, type UpstreamTaskRef } from '../types.ts';
import type { MjImagineRequest, MjSubmitResult, MjTask } from './wire.ts';
import { isHttpUrl } from '../../util/urls.ts';

/** The proxy learns progress from Discord message edits every few seconds; the engine backs off from here. */
const MJ_POLL_INTERVAL_MS = 1_000;
/** Fast mode takes about a minute; relax mode and the proxy's own queue can take many. */
const MJ_TASK_TIMEOUT_MS = 15 * 60_000;
/** failReason wording of Midjourney's moderation ("Banned prompt detected", "Image denied", output filters). */
const MODERATION_REASON = /banned|moderat|denied|community (standards|guidelines)|output filter|敏感|违规/i;
/** failReason wording of a request Midjourney refused as malformed. */
const INVALID_REASON = /invalid (parameter|prompt|link)|unrecognized parameter|参数错误/i;

/** The imagine body; `submissionId` rides in the proxy's `state` field (see the header). */
export function submitBody(req: NormalizedImageRequest, submissionId: string): MjImagineRequest {
  if (req.n > 1) throw new UpstreamError('bad_request', 'a Midjourney imagine task makes one grid image; n must be 1');
  let prompt = req.prompt.trim();
  if (req.aspectRatio && req.aspectRatio !== '1:1' && !/(^|\s)--(ar|aspect)\s/.test(prompt)) prompt = `${prompt} --ar ${req.aspectRatio}`;
  const body: MjImagineRequest = { prompt };
  if (req.images?.length) body.base64Array = req.images.map((image) => `data:${image.mime};base64,${image.bytes.toString('base64')}`);
  body.state = submissionId;
  return body;
}

/** SubmitResultVO → the task id, or the failure its code means. */
export function readSubmit(answer: MjSubmitResult, status: number): string {
  if (!answer || typeof answer !== 'object') throw new UpstreamError('upstream_fault', 'midjourney-proxy answered without a result', { status });
  switch (answer.code) {
    case 1: // submitted
    case 21: // already exists: the existing task
    case 22: // queued inside the proxy: a task all the same
      if (typeof answer.result === 'string' && answer.result !== '') return answer.result;
      throw new UpstreamError('upstream_fault', 'midjourney-proxy accepted the task without an id', { status });
    case 23:
      throw new UpstreamError('rate_limited', 'the midjourney-proxy queue is full', { status });
    case 24:
      throw new UpstreamError('moderated', 'midjourney-proxy refused a banned prompt', { status });
    case 4:
      throw new UpstreamError('bad_request', `midjourney-proxy refused the request (${scrub(String(answer.description ?? 'validation error'))})`, { status });
    case 9:
      throw new UpstreamError('upstream_fault', 'midjourney-proxy failed to submit the task', { status });
    default:
      throw new UpstreamError('upstream_fault', `midjourney-proxy answered code ${Number(answer.code)}`, { status });
  }
}

/** The task object → a poll result. Previews shown while IN_PROGRESS are never delivered. */
export function readPoll(task: MjTask, status: number): PollResult {
  if (!task || typeof task !== 'object' || typeof task.status !== 'string') {
    throw new UpstreamError('upstream_fault', 'midjourney-proxy answered a poll without a status', { status });
  }
  const progress = parseProgress(task.progress);
  const withProgress = progress === undefined ? {} : { progress };
  switch (task.status) {
    case 'NOT_START':
    case 'SUBMITTED':
      return { status: 'pending', ...withProgress };
    case 'SUCCESS':
      if (!isHttpUrl(task.imageUrl)) return failed('upstream_fault', 'midjourney-proxy finished the task without an image URL', status);
      return { status: 'completed', result: { images: [{ url: task.imageUrl }] } };
    case 'FAILURE':
      return failureOf(task.failReason, status);
    case 'MODAL':
      // trueai: the job waits for a Discord form (remix, region) that Easel never fills.
      return failed('upstream_fault', 'the Midjourney job stopped waiting for input Easel cannot give', status);
    case 'CANCEL':
      return failed('upstream_fault', 'the Midjourney job was cancelled upstream', status);
    default:
      // IN_PROGRESS, and any status this adapter does not know yet: keep polling; the task timeout decides.
      return { status: 'processing', ...withProgress };
  }
}

function failureOf(reason: unknown, status: number): PollResult {
  const text = typeof reason === 'string' ? reason : '';
  if (MODERATION_REASON.test(text)) return failed('moderated', 'Midjourney refused the prompt or withheld the image', status);
  if (INVALID_REASON.test(text)) return failed('bad_request', `Midjourney refused the prompt (${scrub(text)})`, status);
  return failed('upstream_fault', 'the Midjourney job failed', status);
}

function failed(kind: UpstreamError['kind'], message: string, status: number): PollResult {
  return { status: 'failed', error: new UpstreamError(kind, message, { status }) };
}

/** `"45%"` → 45; `""` and null → undefined. */
export function parseProgress(value: unknown): number | undefined {
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
  return m ? Math.max(0, Math.min(100, Number(m[1]))) : undefined;
}

function secretHeader(channel: Channel): Record<string, string> {
  return channel.apiKey ? { 'mj-api-secret': channel.apiKey } : {};
}

/** The proxy's task id is all a reference needs: no state is kept. */
type MjTaskRef = UpstreamTaskRef<never>;

async function submit(req: NormalizedImageRequest, ctx: CallContext, submissionId: string): Promise<MjTaskRef> {
  const res = await callUpstream({ url: joinUrl(ctx.channel.baseUrl, '/submit/imagine'), headers: secretHeader(ctx.channel), json: submitBody(req, submissionId), signal: ctx.signal });
  return { upstreamId: readSubmit(parseJson<MjSubmitResult>(res), res.status) };
}

async function poll(ref: MjTaskRef, ctx: CallContext): Promise<PollResult> {
  const res = await callUpstream({
    method: 'GET',
    url: joinUrl(ctx.channel.baseUrl, `/task/${encodeURIComponent(ref.upstreamId)}/fetch`),
    headers: secretHeader(ctx.channel),
    signal: ctx.signal,
  });
  // The proxy answers an id it does not know (restarted without a store, expired) with an empty 200.
  const text = res.body.toString('utf8').trim();
  if (text === '' || text === 'null') return failed('upstream_fault', 'midjourney-proxy no longer knows the task', res.status);
  return readPoll(parseJson<MjTask>(res), res.status);
}

/** The proxy's task whose `state` is this submission id, if the proxy has one. */
async function findSubmission(submissionId: string, ctx: CallContext): Promise<MjTaskRef | undefined> {
  const res = await callUpstream({ method: 'GET', url: joinUrl(ctx.channel.baseUrl, '/task/list'), headers: secretHeader(ctx.channel), signal: ctx.signal });
  const tasks = parseJson<MjTask[]>(res);
  if (!Array.isArray(tasks)) throw new UpstreamError('upstream_fault', 'midjourney-proxy answered the task list without a list', { status: res.status });
  const found = tasks.find((task) => task && task.state === submissionId && typeof task.id === 'string' && task.id !== '');
  return found ? { upstreamId: found.id } : undefined;
}

export const midjourneyProvider = defineProvider({
  name: 'midjourney',
  // No default: midjourney-proxy runs wherever its operator put it.
  maxImagesPerCall: 1,
  pollIntervalMs: MJ_POLL_INTERVAL_MS,
  taskTimeoutMs: MJ_TASK_TIMEOUT_MS,
  submit,
  poll,
  findSubmission,
});
