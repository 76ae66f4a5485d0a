// An AbortSignal that fires when the client goes away, so upstream work stops with it.

import type { FastifyRequest } from 'fastify';

export function abortSignalOf(request: FastifyRequest): AbortSignal {
  const controller = new AbortController();
  request.raw.once('close', () => {
    // 'close' also fires after a complete request body; only a destroyed socket before the reply is an abort.
    if (!request.raw.complete || request.raw.socket?.destroyed) {
      if (!request.raw.socket?.writableEnded) controller.abort(new Error('client disconnected'));
    }
  });
  return controller.signal;
}
