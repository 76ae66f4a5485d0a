// An AbortSignal that fires when the client goes away before its answer is sent, so upstream work
// stops with it.
//
// It listens on the response, not the request: the request stream's 'close' fires as soon as the
// body has been read, long before the client leaves, so a later hang-up would never be seen there.
// The response's 'close' fires when the connection ends; if the answer was not finished by then, the
// client left without it.

import type { FastifyReply } from 'fastify';

export function abortSignalOf(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const response = reply.raw;
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}
