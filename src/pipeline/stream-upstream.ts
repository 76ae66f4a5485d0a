// The upstream half of a streamed create (`stream: true`): route to a channel whose adapter streams,
// tell the relay of every event as it arrives, and hand the final image back to the task engine like
// any other result. Failover is allowed until the first event has gone to the client; from then on a
// failure ends the answer (the client has begun reading one channel's images).

import { apiErrors } from '../api/errors.ts';
import type { ModelEntry } from '../catalog/model-entry.ts';
import type { NormalizedImageRequest } from '../catalog/types.ts';
import { adapterOf } from '../providers/registry.ts';
import { type GenerateResult, type ProviderAdapter, type StreamingOperation, UpstreamError, type UpstreamStreamEvent } from '../providers/types.ts';
import type { Router } from '../routing/router.ts';
import { toApiError } from '../routing/upstream-errors.ts';
import type { StartOutcome, StepContext } from '../tasks/executor.ts';

/** Told of every upstream event of a streamed create, in order (pipeline/stream.ts). */
export type StreamRelay = (event: UpstreamStreamEvent) => void;

/** The adapter's streaming call for the request's operation, if it has one. */
export function streamingOperationOf(adapter: ProviderAdapter, req: NormalizedImageRequest): StreamingOperation | undefined {
  if (req.operation === 'image-edit') return adapter.editStream;
  return req.operation === 'text-to-image' ? adapter.generateStream : undefined;
}

export async function startStream(router: Router, { req, entry }: { req: NormalizedImageRequest; entry: ModelEntry }, relay: StreamRelay, ctx: StepContext): Promise<StartOutcome<GenerateResult>> {
  const canStream = (adapter: ProviderAdapter) => streamingOperationOf(adapter, req) !== undefined;
  const channels = router.candidates(entry.id);
  if (channels.length > 0 && !channels.some((channel) => canStream(adapterOf(channel)))) {
    throw apiErrors.invalidRequest(
      `None of the channels that serve ${entry.id} here can stream (streaming needs an openai or azure channel): send the request without stream.`,
      'stream',
    );
  }
  let relayed = false;
  const attempt = await router.run(
    entry,
    ctx.signal,
    async (adapter, call) => {
      const operation = streamingOperationOf(adapter, req);
      if (!operation) throw new Error(`routing chose a channel whose adapter cannot stream ${req.operation}`);
      try {
        return await operation.call(adapter, req, call, (event) => {
          relayed = true;
          relay(event);
        });
      } catch (err) {
        // An ApiError is not failed over: the answer the client has begun cannot restart elsewhere.
        if (relayed && err instanceof UpstreamError) throw toApiError([err]);
        throw err;
      }
    },
    { accepts: canStream, taskId: ctx.taskId, requestId: ctx.requestId },
  );
  return { kind: 'done', result: attempt.result, channelId: attempt.channel.id };
}
