// The client half of a streamed create (`stream: true`, gpt-image-2): the request was checked, quoted
// and its money held like any create (pipeline/generate.ts); here its task is driven with a relay,
// so each partial image goes to the client as the upstream sends it, in OpenAI's event format
// (`image_generation.partial_image`, `image_edit.partial_image`). The final image is not relayed as
// it comes: it is first stored and settled like any result, then sent as the `...completed` event,
// with the upstream's usage (what was charged), a `url` where the client asked for URLs, and
// Easel's billing_transaction_id.
//
// Until the first event the answer is not begun, so a failure is an ordinary JSON error (and another
// channel may have been tried). After it, a failure is an `error` event in the OpenAI error shape,
// which the SDKs raise as an APIError. Either way the task closes failed and its money is released.

import type { ApiError } from '../api/errors.ts';
import { apiErrors } from '../api/errors.ts';
import type { ModelEntry } from '../catalog/model-entry.ts';
import { IMAGE_ENDPOINTS, type NormalizedImageRequest } from '../catalog/types.ts';
import type { GenerateResult, UpstreamStreamEvent } from '../providers/types.ts';
import type { Outcome, TaskEngine } from '../tasks/engine.ts';
import type { TaskRow } from '../tasks/store.ts';
import { imageView, type UrlFor } from '../tasks/views.ts';
import type { DeliveredImage } from './deliver.ts';
import type { ImageJob } from './executor.ts';

/** Where a streamed answer goes: Server-Sent Events on the client's connection (http/image-stream.ts). */
export interface ImageStreamSink {
  /** The answer has begun (status and headers sent): from here a failure can only be an event. */
  readonly opened: boolean;
  /** Sends one event; the first one begins the answer, with `headers`. */
  send(event: string, data: Record<string, unknown>, headers: Record<string, string>): void;
  end(): void;
}

export interface ImageStreamDeps {
  engine: TaskEngine<ImageJob, GenerateResult, DeliveredImage[]>;
  urlFor: UrlFor;
}

/** Refusals a stream gets before any money is held: a keyed retry could not be answered with the stream again. */
export function checkStreamable(sink: ImageStreamSink | undefined, keyed: boolean): void {
  if (!sink) throw apiErrors.invalidRequest('stream: true is answered over HTTP only, as an event stream.', 'stream');
  if (keyed) {
    throw apiErrors.invalidRequest('A streamed answer cannot be replayed, so stream: true does not take an Idempotency-Key: send one or the other.', 'stream');
  }
}

/** The `type` prefix of the endpoint's events, as OpenAI names them. */
const eventPrefix = (req: NormalizedImageRequest) => (req.endpoint === IMAGE_ENDPOINTS.edits ? 'image_edit' : 'image_generation');

/**
 * Drives the task while the client reads the stream, and ends the answer: the completed event, or
 * the error (thrown while nothing was sent, so it leaves as a JSON error). Returns the task id.
 */
export async function relayImageStream(
  deps: ImageStreamDeps,
  task: TaskRow,
  job: { req: NormalizedImageRequest; entry: ModelEntry },
  ctx: { signal: AbortSignal; stream?: ImageStreamSink },
): Promise<{ kind: 'streamed'; taskId: string }> {
  const sink = ctx.stream;
  if (!sink) throw apiErrors.serverError('A stream was begun without a connection to send it on.');
  const prefix = eventPrefix(job.req);
  const headers = { 'x-task-id': task.id };
  let completed: Extract<UpstreamStreamEvent, { kind: 'completed' }> | undefined;
  const relay = (event: UpstreamStreamEvent) => {
    if (event.kind === 'completed') completed = event;
    else sink.send(`${prefix}.partial_image`, { type: `${prefix}.partial_image`, b64_json: event.b64, ...event.fields, partial_image_index: event.index }, headers);
  };
  const handle = deps.engine.drive(task, { ...job, relay }, { inline: true });
  // A client gone before the final image: the upstream call is cut, the task fails, nothing is charged.
  const abandon = () => handle.abandon();
  ctx.signal.addEventListener('abort', abandon, { once: true });
  if (ctx.signal.aborted) abandon();
  try {
    const outcome = await handle.done;
    if (outcome.status === 'completed' && completed) {
      sink.send(`${prefix}.completed`, await completedEvent(prefix, completed, outcome, deps.urlFor), headers);
    } else {
      const error = outcome.status === 'failed' ? outcome.error : interrupted();
      if (!sink.opened) throw error;
      sink.send('error', { type: 'error', ...error.toBody() }, headers);
    }
    sink.end();
    return { kind: 'streamed', taskId: task.id };
  } finally {
    ctx.signal.removeEventListener('abort', abandon);
  }
}

/**
 * The final event: the upstream's image as base64 (every stream consumer reads `b64_json`) and, for
 * `url`, the stored copy's URL beside it; the settings and usage as the upstream reported them.
 */
async function completedEvent(
  prefix: string,
  upstream: Extract<UpstreamStreamEvent, { kind: 'completed' }>,
  outcome: Extract<Outcome<DeliveredImage[]>, { status: 'completed' }>,
  urlFor: UrlFor,
): Promise<Record<string, unknown>> {
  const view = outcome.data[0] ? await imageView(outcome.data[0], urlFor) : {};
  return {
    type: `${prefix}.completed`,
    b64_json: upstream.b64,
    created_at: Math.floor(Date.now() / 1000),
    ...upstream.fields,
    ...view,
    usage: upstream.usage ?? null,
    billing_transaction_id: outcome.task.billing_transaction_id ?? outcome.task.reservation_id ?? '',
  };
}

/** The engine handed the task back (this process is stopping): a worker closes it, released. */
function interrupted(): ApiError {
  return apiErrors.serverError('The stream was interrupted before its final image; nothing was charged.');
}
