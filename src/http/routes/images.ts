// The image creation routes and the task status routes.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidRequest } from '../../api/errors.ts';
import { IMAGE_ENDPOINTS } from '../../catalog/types.ts';
import { type CreateResult, createImages } from '../../pipeline/generate.ts';
import type { Services } from '../../services.ts';
import { authenticate } from '../auth.ts';
import { abortSignalOf } from '../abort.ts';

export function imageRoutes(app: FastifyInstance, services: Services): void {
  app.post('/v1/images/generations', async (request, reply) => {
    const caller = await authenticate(services, request);
    const result = await createImages(services, { caller, requestId: request.id, signal: abortSignalOf(request), dryRun: isDryRun(request) }, IMAGE_ENDPOINTS.generations, jsonObject(request));
    return sendCreateResult(reply, result);
  });
}

export function sendCreateResult(reply: FastifyReply, result: CreateResult): FastifyReply {
  if (result.kind === 'inline') reply.header('x-billing-transaction-id', result.billingTransactionId);
  if (result.kind === 'task') reply.header('x-task-id', result.taskId);
  return reply.send(result.body);
}

/** `X-Easel-Dry-Run: 1` validates and quotes without holding money or calling an upstream. */
export function isDryRun(request: FastifyRequest): boolean {
  const value = request.headers['x-easel-dry-run'];
  return value === '1' || value === 'true';
}

function jsonObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
  }
  return body as Record<string, unknown>;
}
