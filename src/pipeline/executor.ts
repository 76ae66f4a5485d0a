// The image work the task engine drives (tasks/executor.ts): route to a channel, call its provider
// (generate, edit and vary now; submit and poll for task-based upstreams), find a submit a crash cut
// off, store what came back and price it.

import type { Logger } from 'pino';
import { apiErrors } from '../api/errors.ts';
import { charge, type PriceAdjustments } from '../billing/quote.ts';
import { requireModel } from '../catalog/catalog.ts';
import type { ModelEntry } from '../catalog/model-entry.ts';
import type { NormalizedImageRequest } from '../catalog/types.ts';
import { adapterOf } from '../providers/registry.ts';
import { type Channel, type GenerateResult, type ProviderAdapter, UpstreamError, type UpstreamTaskRef } from '../providers/types.ts';
import { isRetryable, type Router } from '../routing/router.ts';
import { toApiError } from '../routing/upstream-errors.ts';
import type { BlobStore } from '../storage/blobs/types.ts';
import type { PollOutcome, RecoverOutcome, StartOutcome, StepContext, Submitted, TaskExecutor } from '../tasks/executor.ts';
import { pollDelayMs } from '../tasks/poll-schedule.ts';
import type { TaskRow } from '../tasks/store.ts';
import type { StoredImage } from '../tasks/views.ts';
import { type DeliveredImage, deliverImages } from './deliver.ts';
import { crashPoint } from '../util/crash-points.ts';
import { callWithFanOut } from './fan-out.ts';
import { assertInputsLoaded, hydrateRequest, inputBlobKeys } from './inputs.ts';
import { openUpstreamResult } from './upstream-download.ts';
import { startStream, type StreamRelay } from './stream-upstream.ts';

/** First poll delay when the adapter names none. */
const DEFAULT_POLL_MS = 2_000;

export interface ImageJob {
  req: NormalizedImageRequest;
  entry: ModelEntry;
  /** A streamed create (`stream: true`): told of each upstream event as it comes (pipeline/stream.ts). */
  relay?: StreamRelay;
  /**
   * Set on a job loaded from its task row: `req` is the request as stored, its input images named by
   * blob key, unread. Only a start (a submit or a call) sends them, so only a start reads them: a task
   * leased for a poll, the most frequent lease by far, never touches the blob store.
   */
  inputsStored?: true;
}

/** Told of what recovery did with each submit a crash cut off (metrics). */
export interface RecoveryCounters {
  /** Looked up at an upstream that can find its own submissions: found there, or absent. */
  recovered(channelId: string, outcome: 'found' | 'absent'): void;
  /** Decided by the channel's on_uncertain_submit, the upstream being unable to tell. */
  uncertain(channelId: string, decision: 'resubmit' | 'fail'): void;
}

export interface ImageExecutorDeps {
  router: Router;
  blobs: BlobStore;
  pricing: PriceAdjustments;
  /** The longest any task may take when neither channel nor adapter says (tasks.timeout_ms). */
  defaultTaskTimeoutMs: number;
  counters: RecoveryCounters;
  log: Logger;
}

export class ImageExecutor implements TaskExecutor<ImageJob, GenerateResult, DeliveredImage[]> {
  constructor(private readonly deps: ImageExecutorDeps) {}

  /** Parses the stored request; its input images stay in the blob store until a start needs them. */
  async load(task: TaskRow): Promise<ImageJob> {
    const req = JSON.parse(task.request) as NormalizedImageRequest;
    return { req, entry: requireModel(req.model, 400), inputsStored: true };
  }

  async start(job: ImageJob, ctx: StepContext): Promise<StartOutcome<GenerateResult>> {
    const { entry, relay } = job;
    // Read here rather than kept on the job: a start is made once or twice in a task's life.
    const req = job.inputsStored ? await hydrateRequest(job.req, this.deps.blobs) : job.req;
    assertInputsLoaded(req);
    if (relay) return startStream(this.deps.router, { req, entry }, relay, ctx);
    const attempt = await this.deps.router.run<StartOutcome<GenerateResult>>(
      entry,
      ctx.signal,
      async (adapter, call) => {
        const submit = taskSubmit(adapter, entry);
        if (submit) {
          // The intent is durable before the call: a crash from here on leaves a trace recovery can read.
          const submissionId = await ctx.recordSubmitIntent(call.channel.id);
          const upstream = await submit(req, call, submissionId);
          crashPoint('after_submit');
          return this.submitted(call.channel, adapter, upstream);
        }
        const operation = operationOf(adapter, req);
        if (!operation) throw new Error(`routing chose a channel whose adapter cannot do ${req.operation}`);
        return { kind: 'done', result: await callWithFanOut(adapter, operation.bind(adapter), req, call), channelId: call.channel.id };
      },
      { accepts: (adapter) => taskSubmit(adapter, entry) !== undefined || operationOf(adapter, req) !== undefined, taskId: ctx.taskId, requestId: ctx.requestId },
    );
    return attempt.result;
  }

  /**
   * An adapter that can find its own submission settles whether the submit arrived; otherwise the
   * channel's on_uncertain_submit does.
   */
  async recover({ entry }: ImageJob, task: TaskRow, ctx: StepContext): Promise<RecoverOutcome> {
    const found = this.channelOf(task);
    const findSubmission = found?.adapter.findSubmission;
    if (found && findSubmission) {
      const { channel, adapter } = found;
      let upstream: UpstreamTaskRef | undefined;
      try {
        const lookup = { phase: 'lookup', attempt: 1, taskId: task.id, requestId: task.request_id } as const;
        upstream = await this.deps.router.callOn(channel, entry, ctx.signal, lookup, (call) => findSubmission(task.submit_id!, call));
      } catch (err) {
        // The upstream cannot tell yet: ask again later, until the deadline decides.
        if (err instanceof UpstreamError && isRetryable(err)) return { kind: 'wait', ms: err.retryAfterMs ?? pollDelay(adapter, channel, task.polls + 3, task) };
        throw err;
      }
      this.deps.counters.recovered(channel.id, upstream ? 'found' : 'absent');
      this.deps.log.info({ task: task.id, channel: channel.id, found: Boolean(upstream) }, 'Recovered a submit cut off by a restart');
      return upstream ? this.submitted(channel, adapter, upstream) : { kind: 'start_again', uncertain: false };
    }
    const decision = found?.channel.onUncertainSubmit ?? 'fail';
    this.deps.counters.uncertain(task.channel_id ?? '', decision);
    this.deps.log.warn({ task: task.id, channel: task.channel_id, decision }, 'A submit was cut off by a restart and the upstream cannot be asked whether it arrived');
    if (decision === 'fail') {
      return { kind: 'failed', error: apiErrors.uncertainSubmit() };
    }
    return { kind: 'start_again', uncertain: true };
  }

  async poll({ entry }: ImageJob, task: TaskRow, ctx: StepContext): Promise<PollOutcome<GenerateResult>> {
    const found = this.channelOf(task);
    const pollUpstream = found?.adapter.poll;
    if (!found || !pollUpstream) {
      return { kind: 'failed', error: apiErrors.channelUnavailable() };
    }
    const { channel, adapter } = found;
    let poll;
    try {
      const ref = JSON.parse(task.upstream!) as UpstreamTaskRef;
      const how = { phase: 'poll', attempt: task.polls + 1, taskId: task.id, requestId: task.request_id } as const;
      poll = await this.deps.router.callOn(channel, entry, ctx.signal, how, (call) => pollUpstream(ref, call), (p) => (p.status === 'failed' ? p.error : undefined));
    } catch (err) {
      if (err instanceof UpstreamError && isRetryable(err) && err.kind !== 'auth') {
        // A failed poll is not a failed task: try again later, until the deadline decides.
        return { kind: 'wait', ms: err.retryAfterMs ?? pollDelay(adapter, channel, task.polls + 3, task) };
      }
      if (err instanceof UpstreamError) return { kind: 'failed', error: toApiError([err]) };
      throw err;
    }
    if (poll.status === 'completed') return { kind: 'done', result: poll.result };
    if (poll.status === 'failed') return { kind: 'failed', error: toApiError([poll.error]) };
    return { kind: 'wait', ms: poll.retryAfterMs ?? pollDelay(adapter, channel, task.polls + 1, task), status: poll.status, progress: poll.progress };
  }

  async finish({ req, entry }: ImageJob, result: GenerateResult, opts: { inline: boolean; signal: AbortSignal }) {
    const format = opts.inline ? req.responseFormat : 'url';
    const data = await deliverImages(result.images.slice(0, req.n), format, {
      blobs: this.deps.blobs,
      open: (url) => openUpstreamResult(url, opts.signal),
    });
    if (data.length === 0) throw apiErrors.upstreamError('The image provider returned no image.');
    crashPoint('after_store');
    // Inline base64 is not kept: the client has it, and the record keeps what was delivered.
    const stored: StoredImage[] = format === 'url' ? data : data.map((d) => ({ revised_prompt: d.revised_prompt, delivered_inline: true }));
    return { record: { data: stored }, delivered: data, images: data.length, usage: result.usage, charge: charge(entry, req, data.length, result.usage, this.deps.pricing) };
  }

  /** A task's blobs: the images it stored and the inputs its request kept. */
  async discard(task: TaskRow): Promise<void> {
    const data = task.result ? ((JSON.parse(task.result) as { data?: StoredImage[] }).data ?? []) : [];
    const keys = [...data.map((item) => item.key), ...inputBlobKeys(JSON.parse(task.request))];
    for (const key of keys) if (key) await this.deps.blobs.delete(key).catch(() => {});
  }

  private submitted(channel: Channel, adapter: ProviderAdapter, upstream: UpstreamTaskRef): Submitted {
    return {
      kind: 'submitted',
      channelId: channel.id,
      upstream,
      timeoutMs: Number(channel.options.task_timeout_ms ?? adapter.taskTimeoutMs ?? this.deps.defaultTaskTimeoutMs),
      pollInMs: pollDelay(adapter, channel, 0),
    };
  }

  private channelOf(task: TaskRow): { channel: Channel; adapter: ProviderAdapter } | undefined {
    const channel = this.deps.router.channels.find((c) => c.id === task.channel_id);
    return channel ? { channel, adapter: adapterOf(channel) } : undefined;
  }
}

/** The adapter method that performs the request's operation, if the adapter has it. */
function operationOf(adapter: ProviderAdapter, req: NormalizedImageRequest): ProviderAdapter['generate'] {
  if (req.operation === 'image-edit') return adapter.edit;
  if (req.operation === 'variation') return adapter.vary;
  return adapter.generate;
}

/**
 * The submit to use when this request goes to a task-based upstream (BFL, midjourney-proxy): an
 * adapter that can submit and poll and also generate at once follows the catalogue's delivery.
 */
function taskSubmit(adapter: ProviderAdapter, entry: ModelEntry): ProviderAdapter['submit'] {
  return adapter.submit && adapter.poll && (!adapter.generate || entry.delivery === 'task') ? adapter.submit.bind(adapter) : undefined;
}

/**
 * The wait before the next poll: the channel's fixed `options.poll_interval_ms` when set, else the
 * adapter's pace backed off with jitter, the cap growing with the task's age (tasks/poll-schedule.ts).
 */
function pollDelay(adapter: ProviderAdapter, channel: Channel, polls: number, task?: Pick<TaskRow, 'created_at'>): number {
  const fixed = Number(channel.options.poll_interval_ms);
  const pace = { baseMs: adapter.pollIntervalMs ?? DEFAULT_POLL_MS, fixedMs: Number.isFinite(fixed) && fixed > 0 ? fixed : undefined };
  return pollDelayMs(pace, polls, task ? Date.now() - task.created_at : 0);
}
