// POST /v1/images/generations, top to bottom:
//   check the request against the model's contract → quote the price → hold it and record the task
//   (one transaction) → drive the work while the client waits, up to the wait budget → answer inline,
//   or with the task to poll.

import type { Kysely } from 'kysely';
import type { Caller } from '../api/requests.ts';
import { formatUsd } from '../util/money.ts';
import { type PriceAdjustments, quote } from '../billing/quote.ts';
import { requireModel } from '../catalog/catalog.ts';
import type { ImageEndpoint, NormalizedImageRequest } from '../catalog/types.ts';
import { validateImageRequest } from '../catalog/contract.ts';
import type { Config } from '../config/schema.ts';
import type { GenerateResult } from '../providers/types.ts';
import type { BlobStore } from '../storage/blobs/types.ts';
import type { Database } from '../storage/db/schema.ts';
import type { Outcome, TaskEngine, TaskHandle } from '../tasks/engine.ts';
import { createTask, makePublic, type NewIdempotencyKey, newTaskId } from '../tasks/store.ts';
import type { WaitPlan } from '../tasks/wait-plan.ts';
import type { TaskWakeups } from '../tasks/wakeups.ts';
import { imageView, taskCreatedBody, type UrlFor } from '../tasks/views.ts';
import { crashPoint } from '../util/crash-points.ts';
import { inSpan, inSpanSync } from '../util/spans.ts';
import { checkCreateCallback } from '../webhooks/callback-url.ts';
import type { DeliveredImage } from './deliver.ts';
import type { ImageJob } from './executor.ts';
import { type InputSources, inputBlobKeys, resolveInputs, serializeRequest, type Uploads } from './inputs.ts';
import { checkStreamable, type ImageStreamSink, relayImageStream } from './stream.ts';

export type ImageTaskEngine = TaskEngine<ImageJob, GenerateResult, DeliveredImage[]>;

/** What a create takes, handed in by main.ts. */
export interface ImagePipelineDeps {
  db: Kysely<Database>;
  blobs: BlobStore;
  pricing: PriceAdjustments;
  engine: ImageTaskEngine;
  tasks: Config['tasks'];
  inputs: InputSources;
  /** Hears a task close on any replica: a retry under an Idempotency-Key waits for the first create. */
  wakeups: Pick<TaskWakeups, 'waitFor'>;
}

export interface RequestContext {
  caller: Caller;
  requestId: string;
  /** Fires when the client disconnects. */
  signal: AbortSignal;
  dryRun?: boolean;
  /** Where a streamed create (`stream: true`) is answered (http/image-stream.ts). */
  stream?: ImageStreamSink;
  /** How long a create that did not ask for `async` holds the client (tasks/wait-plan.ts). */
  wait: WaitPlan;
}

export type CreateResult = (
  | { kind: 'inline'; body: { created: number; data: Array<Record<string, unknown>>; billing_transaction_id: string; normalized?: Record<string, string> }; billingTransactionId: string; taskId: string }
  | { kind: 'task'; body: ReturnType<typeof taskCreatedBody>; taskId: string }
  | { kind: 'dry_run'; body: Record<string, unknown> }
  /** Answered already, as an event stream (stream: true). */
  | { kind: 'streamed'; taskId: string }
) & {
  /** The RFC 7240 preference the answer honoured (`Preference-Applied`), when the create waited by one. */
  preferenceApplied?: string;
};

export async function createImages(
  deps: ImagePipelineDeps,
  ctx: RequestContext,
  endpoint: ImageEndpoint,
  body: Record<string, unknown>,
  /**
   * `idempotencyKey`: the request sent an Idempotency-Key, recorded with the task. The work is then
   * the key's rather than the connection's: public from the start (a crash resumes it), not abandoned
   * when the client hangs up, its images always stored, so the retry can be answered from the task.
   */
  opts: { multipart?: boolean; uploads?: Uploads; idempotencyKey?: NewIdempotencyKey } = {},
): Promise<CreateResult> {
  const uploads = opts.uploads ?? { images: [] };
  const req = inSpanSync('easel.contract', { 'easel.endpoint': endpoint }, () =>
    validateImageRequest(endpoint, body, { multipart: opts.multipart, imageFiles: opts.multipart ? uploads.images.length : undefined, maskFile: Boolean(uploads.mask) }),
  );
  if (req.stream) checkStreamable(ctx.stream, opts.idempotencyKey !== undefined);
  // The key's model controls (403, 429) once the model is known, before anything is fetched or quoted.
  await ctx.caller.admitModel?.(req.model);
  // Before any image is fetched or money held: a callback that could never be called or verified is a 400 now.
  if (req.callbackUrl) await checkCreateCallback(deps.db, ctx.caller.accountId, req.callbackUrl, { allowPrivate: deps.inputs.allowPrivateAddresses });
  await resolveInputs(deps.inputs, ctx.caller.accountId, req, uploads, ctx.signal);
  const entry = requireModel(req.model, 400);
  const price = inSpanSync('easel.quote', { 'easel.model': req.model }, () => quote(entry, req, deps.pricing));

  if (ctx.dryRun) {
    return {
      kind: 'dry_run',
      body: { object: 'image.dry_run', model: req.model, normalized_request: describeInputs(req), estimated_cost_usd: formatUsd(price.micros), price_version: price.priceVersion, quote: price.basis },
    };
  }

  const cfg = deps.tasks;
  const keyed = opts.idempotencyKey !== undefined;
  const now = Date.now();
  const stored = await serializeRequest(req, deps.blobs);
  let task;
  try {
    task = await inSpan('easel.reserve', { 'easel.model': req.model }, () => createTask(deps.db, {
      id: newTaskId(),
      accountId: ctx.caller.accountId,
      keyId: ctx.caller.keyId,
      requestId: ctx.requestId,
      model: req.model,
      request: stored,
      quote: price,
      // Public (resumed after a crash, charged when done) only once its client is being given the id,
      // or from the start when a retry with its Idempotency-Key can fetch it.
      public: keyed,
      deadlineAt: now + cfg.timeout_ms,
      expiresAt: now + cfg.retention_hours * 3_600_000,
      leaseOwner: deps.engine.owner,
      leaseMs: cfg.lease_ms,
    }, opts.idempotencyKey));
  } catch (err) {
    // No task (402, quota): its input images have nothing to belong to.
    await Promise.all(inputBlobKeys(stored).map((key) => deps.blobs.delete(key).catch(() => {})));
    throw err;
  }
  crashPoint('after_reserve');
  if (req.stream) return relayImageStream({ engine: deps.engine, urlFor: (key) => deps.blobs.urlFor(key) }, task, { req, entry }, ctx);
  // `Prefer: respond-async` (no wait at all) is answered as `async` is, whatever the model.
  if (req.async || ctx.wait.budgetMs === 0) {
    // Public before any work starts: from here a crash resumes the task its client is being told of.
    await makePublic(deps.db, task.id);
    task.public = 1;
    deps.engine.drive(task, { req, entry }, { inline: false });
    return { kind: 'task', body: taskCreatedBody(task), taskId: task.id, preferenceApplied: req.async ? undefined : ctx.wait.applied };
  }
  // A keyed create keeps its images as blobs even for b64_json: its answers are made from the task.
  const handle = deps.engine.drive(task, { req: keyed ? { ...req, responseFormat: 'url' } : req, entry }, { inline: true });

  const abandon = () => handle.abandon();
  if (!keyed) ctx.signal.addEventListener('abort', abandon, { once: true });
  // A client that left while its inputs were read or its money held is gone already.
  if (!keyed && ctx.signal.aborted) abandon();
  try {
    const outcome = await waitForOutcome(handle, ctx.wait);
    const preferenceApplied = ctx.wait.applied;
    if (outcome && outcome.status !== 'pending') return { ...(await inlineResult(outcome, req, (key) => deps.blobs.urlFor(key))), preferenceApplied };
    // The client gets the task id: record that before answering, so a crash after it resumes the task.
    await makePublic(deps.db, task.id);
    return { kind: 'task', body: taskCreatedBody(task), taskId: task.id, preferenceApplied };
  } finally {
    ctx.signal.removeEventListener('abort', abandon);
  }
}

/** The outcome if it came within the budget (or delivery to this client had begun), else undefined. */
async function waitForOutcome(handle: TaskHandle<DeliveredImage[]>, wait: WaitPlan): Promise<Outcome<DeliveredImage[]> | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<'budget'>((resolve) => (timer = setTimeout(() => resolve('budget'), wait.budgetMs)));
  const submittedThenWait = handle.submitted.then(
    () => new Promise<'budget'>((resolve) => setTimeout(() => resolve('budget'), Math.min(wait.taskUpstreamWaitMs, wait.budgetMs)).unref()),
  );
  try {
    const first = await Promise.race([handle.done, budget, submittedThenWait]);
    if (first !== 'budget') return first;
    // Promoted: the work goes on and its images are stored as URLs for the poller.
    if (handle.promote()) return undefined;
    return await handle.done;
  } finally {
    clearTimeout(timer);
  }
}

async function inlineResult(outcome: Exclude<Outcome<DeliveredImage[]>, { status: 'pending' }>, req: NormalizedImageRequest, urlFor: UrlFor): Promise<CreateResult> {
  if (outcome.status === 'failed') throw outcome.error;
  const billingTransactionId = outcome.task.billing_transaction_id ?? outcome.task.reservation_id ?? '';
  const body: Extract<CreateResult, { kind: 'inline' }>['body'] = {
    created: Math.floor(Date.now() / 1000),
    data: await Promise.all(outcome.data.map((image) => imageView(image, urlFor))),
    billing_transaction_id: billingTransactionId,
  };
  if (req.normalized && Object.keys(req.normalized).length > 0) body.normalized = req.normalized;
  return { kind: 'inline', body, billingTransactionId, taskId: outcome.task.id };
}


/** The normalized request for a dry run: input images described, not echoed. */
function describeInputs(req: NormalizedImageRequest): Record<string, unknown> {
  const describe = (i: { mime: string; width: number; height: number; source: string; bytes: Buffer }) => ({ source: i.source, mime: i.mime, width: i.width, height: i.height, bytes: i.bytes.length });
  return { ...req, images: req.images?.map(describe), mask: req.mask ? describe(req.mask) : undefined };
}
