// Serves stored images. Keys are random and immutable, so they can be cached forever.

import type { FastifyInstance } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import type { AppDeps } from '../app.ts';

export function mediaRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'blobs'>): void {
  app.get<{ Params: { key: string } }>('/media/:key', async (request, reply) => {
    const blob = await deps.blobs.get(request.params.key);
    if (!blob) throw apiErrors.mediaNotFound();
    reply
      .header('content-type', blob.contentType)
      .header('content-length', blob.size)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff');
    return reply.send(blob.stream);
  });
}
