// The connection end of a streamed create (pipeline/stream.ts): Server-Sent Events as OpenAI sends
// them, an `event:` line naming the event's `type` and one `data:` line of JSON. Nothing is sent
// until the first event, so a request refused before it still gets an ordinary JSON error.

import type { FastifyReply } from 'fastify';
import type { ImageStreamSink } from '../pipeline/stream.ts';

export function imageStreamTo(reply: FastifyReply): ImageStreamSink {
  let opened = false;
  const out = reply.raw;
  const open = (headers: Record<string, string>) => {
    opened = true;
    // From here Fastify leaves the response alone: the stream is written and ended here.
    reply.hijack();
    out.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      'x-accel-buffering': 'no',
      'x-request-id': reply.request.id,
      ...headers,
    });
  };
  return {
    get opened() {
      return opened;
    },
    send(event, data, headers) {
      if (!opened) open(headers);
      // A client that left is told nothing more; the pipeline hears of it through the request's signal.
      if (!out.destroyed) out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (opened) out.end();
    },
  };
}
