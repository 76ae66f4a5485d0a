// OpenAI Images emulator (upstreams.md §1, §12): POST /v1/images/generations, /images/edits
// (multipart or JSON) and /images/variations (multipart) with Bearer auth; the rules and answers
// live in ./openai-rules.ts and ./openai-edits.ts; this file is the server: auth, behaviours, the
// error envelope and OpenAI's response headers.

import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Emulator, type RecordedRequest, recordedOf } from './kit.ts';
import { planEdit, planVariation } from './openai-edits.ts';
import { type GenerationPlan, type WireError, imagesResponse, moderationError, openaiErrorBody, planGeneration, registerImageRoute, sendStream } from './openai-rules.ts';

export { IMAGE_ROUTE } from './openai-rules.ts';

export const OPENAI_TEST_KEY = 'sk-test-openai-emulator-4f1c2a';

/** Bearer auth in OpenAI's words; the key in the message is masked as OpenAI masks it. */
function authError(header: unknown): WireError | undefined {
  const value = typeof header === 'string' ? header : '';
  const key = /^Bearer\s+(.+)$/i.exec(value)?.[1]?.trim();
  if (!key) {
    return { status: 401, type: 'invalid_request_error', param: null, code: null, message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)." };
  }
  if (key !== OPENAI_TEST_KEY) {
    const masked = key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(Math.min(20, key.length - 7))}${key.slice(-4)}` : '***';
    return { status: 401, type: 'invalid_request_error', param: null, code: 'invalid_api_key', message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.` };
  }
  return undefined;
}

function statusError(status: number, message: string) {
  const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : null;
  return openaiErrorBody({ message, type, param: null, code });
}

/**
 * Behaviours (inject({kind:'behaviour', name})): 'moderate' (the family's safety refusal), 'empty'
 * (200 with no image), 'retired' (404 model_not_found, as after the DALL·E shutdown), and on a
 * `stream: true` request 'stream_break', 'stream_stall', 'stream_error' (openai-rules.ts sendStream).
 */
export function createOpenaiEmulator(): Emulator {
  const emulator = new Emulator('openai', { errorBody: statusError });
  const send = (reply: FastifyReply, e: WireError) => reply.status(e.status).header('content-type', 'application/json').send(JSON.stringify(openaiErrorBody(e)));

  emulator.app.addHook('onSend', async (_request, reply) => {
    reply.header('x-request-id', `req_${randomBytes(16).toString('hex')}`);
    reply.header('openai-processing-ms', '42');
  });
  // Fastify's own body errors (bad JSON, wrong content type) answered in OpenAI's envelope.
  emulator.app.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? 400 : 500;
    return send(reply, { status, type: status === 400 ? 'invalid_request_error' : 'server_error', param: null, code: null, message: status === 400 ? 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.' : 'The server had an error while processing your request.' });
  });

  /** What every image endpoint does once the request is valid: behaviours, then the answer. */
  const answer = async (request: FastifyRequest, reply: FastifyReply, plan: GenerationPlan, events: 'image_generation' | 'image_edit') => {
    const behaviour = emulator.takeBehaviour(recordedOf(request).path);
    if (behaviour?.name === 'moderate') return send(reply, moderationError(plan.family));
    if (behaviour?.name === 'retired') return send(reply, { status: 404, type: 'invalid_request_error', param: null, code: 'model_not_found', message: `The model \`${plan.model}\` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations` });
    if (behaviour?.name === 'empty') return reply.status(200).send({ created: Math.floor(Date.now() / 1000), data: [] });
    if (plan.stream) return sendStream(emulator, reply, plan, events, behaviour);
    return reply.status(200).send(await imagesResponse(emulator, plan));
  };
  const route = (path: string, plan: (recorded: RecordedRequest) => GenerationPlan | WireError | Promise<GenerationPlan | WireError>, events: 'image_generation' | 'image_edit') =>
    emulator.app.post(path, async (request, reply) => {
      const denied = authError(request.headers.authorization);
      if (denied) return send(reply, denied);
      const planned = await plan(recordedOf(request));
      return 'status' in planned ? send(reply, planned) : answer(request, reply, planned, events);
    });

  route('/v1/images/generations', (recorded) => planGeneration(recorded.json), 'image_generation');
  route('/v1/images/edits', (recorded) => planEdit(recorded), 'image_edit');
  route('/v1/images/variations', planVariation, 'image_generation');
  registerImageRoute(emulator);
  return emulator;
}
