// The image creation routes.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidRequest } from '../../api/errors.ts';
import { generateImages } from '../../pipeline/generate.ts';
import type { Services } from '../../services.ts';
import { authenticate } from '../auth.ts';
import { abortSignalOf } from '../abort.ts';

export function imageRoutes(app: FastifyInstance, services: Services): void {
  app.post('/v1/images/generations', async (request, reply) => {
    const caller = await authenticate(services, request);
    const body = jsonObject(request);
    const response = await generateImages(services, caller, body, abortSignalOf(request));
    reply.send(response);
  });
}

function jsonObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
  }
  return body as Record<string, unknown>;
}
