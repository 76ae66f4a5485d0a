// The image creation routes: generations (JSON or multipart with a reference image), edits (JSON or
// multipart), variations (multipart).

import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import { type ImageEndpoint, IMAGE_ENDPOINTS } from '../../catalog/types.ts';
import { MAX_CLIENT_IMAGE_BYTES } from '../../fetch/guard.ts';
import { createImagesOnce } from '../../idempotency/create.ts';
import { jsonFingerprint, multipartFingerprint } from '../../idempotency/fingerprint.ts';
import { readIdempotencyKey } from '../../idempotency/header.ts';
import { type CreateResult, createImages } from '../../pipeline/generate.ts';
import type { Uploads } from '../../pipeline/inputs.ts';
import type { NewIdempotencyKey } from '../../tasks/store.ts';
import { jsonPieces } from '../../util/json-pieces.ts';
import { waitPlan } from '../../tasks/wait-plan.ts';
import type { AppDeps } from '../app.ts';
import { abortSignalOf } from '../abort.ts';
import { imageStreamTo } from '../image-stream.ts';
import { parsePrefer } from '../prefer.ts';
import { type MultipartBody, readMultipart } from '../multipart.ts';

/** Edits take up to 16 sources and a mask. */
const MAX_IMAGE_PARTS = 17;

export function imageRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'images' | 'limits'>): void {
  const create = (endpoint: ImageEndpoint, multipartOnly = false) => async (request: FastifyRequest, reply: FastifyReply) => {
    const caller = await deps.auth.caller(request);
    const key = readIdempotencyKey(request.headers['idempotency-key'], request.raw.rawHeaders);
    const wait = waitPlan(deps.images.tasks, caller.syncWaitMs, parsePrefer(request.headers.prefer));
    const ctx = { caller, requestId: request.id, signal: abortSignalOf(reply), stream: imageStreamTo(reply), dryRun: isDryRun(request), wait };
    const scope = { accountId: caller.accountId, endpoint };
    let create: (idempotencyKey?: NewIdempotencyKey) => Promise<CreateResult>;
    let fingerprint: () => string;
    if (request.isMultipart() || multipartOnly) {
      const { body, uploads, form } = await multipartBody(request);
      create = (idempotencyKey) => createImages(deps.images, ctx, endpoint, body, { multipart: true, uploads, idempotencyKey });
      fingerprint = () => multipartFingerprint(scope, form);
    } else {
      const body = jsonObject(request);
      create = (idempotencyKey) => createImages(deps.images, ctx, endpoint, body, { idempotencyKey });
      fingerprint = () => jsonFingerprint(scope, body);
    }
    // A dry run creates nothing, so there is nothing for a key to answer from: it is simply quoted again.
    if (key === undefined || ctx.dryRun) return sendCreateResult(reply, await create());
    const keyed = await createImagesOnce(deps.images, { ...scope, key, fingerprint: fingerprint() }, ctx, create);
    if (keyed.replayed) reply.header('idempotent-replayed', 'true');
    return sendCreateResult(reply, keyed.result);
  };
  // JSON generations and edits may carry their images as data URLs (the OpenAI SDK's generate call is
  // JSON only): their bodies may be as large as a multipart upload.
  const imagesInBody = { bodyLimit: deps.limits.multipart_body_bytes };
  app.post('/v1/images/generations', imagesInBody, create(IMAGE_ENDPOINTS.generations));
  app.post('/v1/images/edits', imagesInBody, create(IMAGE_ENDPOINTS.edits));
  app.post('/v1/images/variations', create(IMAGE_ENDPOINTS.variations, true));
}

/** Text fields become the body (as strings, coerced by the contract); image parts become uploads. */
async function multipartBody(request: FastifyRequest): Promise<{ body: Record<string, unknown>; uploads: Uploads; form: MultipartBody }> {
  const parsed = await readMultipart(request, { maxFileBytes: MAX_CLIENT_IMAGE_BYTES, maxFiles: MAX_IMAGE_PARTS });
  const uploads: Uploads = { images: [] };
  for (const file of parsed.files) {
    if (file.field === 'image' || file.field === 'image[]') uploads.images.push(file);
    else if (file.field === 'mask' && !uploads.mask) uploads.mask = file;
    else throw apiErrors.invalidRequest(`Unexpected file part '${file.field}': send images as 'image' (or 'image[]') and the mask as 'mask'.`, file.field, 'unsupported_parameter');
  }
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(parsed.fields)) {
    if (Array.isArray(value) && value.length > 1) throw apiErrors.invalidRequest(`${name}: sent more than once.`, name);
    body[name] = Array.isArray(value) ? value[0] : value;
  }
  return { body, uploads, form: parsed };
}

function sendCreateResult(reply: FastifyReply, result: CreateResult): FastifyReply {
  if (result.kind === 'streamed') return reply;
  if (result.preferenceApplied) reply.header('preference-applied', result.preferenceApplied);
  if (result.kind === 'inline') reply.header('x-billing-transaction-id', result.billingTransactionId);
  if (result.kind === 'task') reply.header('x-task-id', result.taskId);
  // Inline base64 images go out as the pieces they came in, not inside one JSON string.
  const json = jsonPieces(result.body);
  if (json) return reply.type('application/json; charset=utf-8').header('content-length', json.length).send(Readable.from(json.pieces));
  return reply.send(result.body);
}

/** `X-Easel-Dry-Run: 1` validates and quotes without holding money or calling an upstream. */
function isDryRun(request: FastifyRequest): boolean {
  const value = request.headers['x-easel-dry-run'];
  return value === '1' || value === 'true';
}

function jsonObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw apiErrors.invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
  }
  return body as Record<string, unknown>;
}
