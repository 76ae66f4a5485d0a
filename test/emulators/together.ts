// Together AI's image endpoint as upstreams.md §9.3 and docs.together.ai describe it:
// POST /v1/images/generations (JSON), Bearer auth, width/height in multiples of 8, steps, n 1–4,
// response_format `base64` | `url` (the answer's key is `b64_json` either way it is spelled),
// JPEG by default, errors as {"error":{message,type,param,code}}.
//
// Behaviours: 'moderate' (the safety checker refuses with 422, as Together documents).

import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Emulator, fakeImage, recordedOf } from './kit.ts';

export const TOGETHER_TEST_KEY = 'together-emulator-test-key-0123456789';

export const TOGETHER_MODELS = ['black-forest-labs/FLUX.1-schnell', 'black-forest-labs/FLUX.1-schnell-Free', 'black-forest-labs/FLUX.1.1-pro', 'black-forest-labs/FLUX.1-dev'];
/** FLUX.1 [schnell] takes 1–12 steps; the other FLUX models up to 50. */
export const SCHNELL_MAX_STEPS = 12;
const OTHER_MAX_STEPS = 50;
/** Together: "Keep dimensions to multiples of 8". */
export const DIMENSION_MULTIPLE = 8;
/** Not a published limit: a ceiling that keeps the emulator from drawing absurd canvases. */
const EMULATOR_MAX_EDGE = 2048;

function errorType(status: number): string {
  if (status === 401) return 'invalid_request_error';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function createTogetherEmulator(): Emulator {
  const emulator = new Emulator('together', {
    errorBody: (status, message) => ({ error: { message, type: errorType(status), param: null, code: status === 401 ? 'invalid_api_key' : null } }),
  });
  const fail = (reply: FastifyReply, status: number, message: string) => emulator.error(reply, status, message);

  emulator.app.post('/v1/images/generations', async (request, reply) => {
    const key = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (key !== TOGETHER_TEST_KEY) {
      return fail(reply, 401, 'Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys.');
    }
    const body = recordedOf(request).json;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(reply, 400, 'Request body must be a JSON object');
    const invalid = validate(body);
    if (invalid) return fail(reply, invalid.status, invalid.message);

    if (emulator.takeBehaviour(request.url)?.name === 'moderate') {
      return fail(reply, 422, 'Your request was flagged as potentially NSFW by the safety checker. Please modify the prompt and try again.');
    }

    const width: number = body.width ?? 1024;
    const height: number = body.height ?? 1024;
    const format: 'jpeg' | 'png' = body.output_format ?? 'jpeg';
    const n: number = body.n ?? 1;
    // No response_format means a URL, as in Together's own examples.
    const asUrl = (body.response_format ?? 'url') === 'url';
    const bytes = await fakeImage(width, height, format);
    const data = Array.from({ length: n }, (_, index) =>
      asUrl
        ? { index, url: `${baseOf(request)}/imgproxy/${width}x${height}-${randomUUID()}.${format}`, type: 'url' }
        : { index, b64_json: bytes.toString('base64'), type: 'b64_json' },
    );
    return reply.send({ id: `emu-${randomUUID()}`, model: body.model, object: 'list', data });
  });

  // Result URLs; the size and format live in the name, so nothing is kept per request.
  emulator.app.get('/imgproxy/:name', async (request, reply) => {
    const m = /^(\d+)x(\d+)-[0-9a-f-]+\.(jpeg|png)$/.exec((request.params as { name: string }).name);
    if (!m) return reply.status(404).send('Not Found');
    const format = m[3] as 'jpeg' | 'png';
    return reply.header('content-type', `image/${format}`).send(await fakeImage(Number(m[1]), Number(m[2]), format));
  });

  return emulator;
}

function baseOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host}`;
}

function validate(body: Record<string, any>): { status: number; message: string } | undefined {
  if (typeof body.model !== 'string') return { status: 400, message: 'model is required' };
  if (!TOGETHER_MODELS.includes(body.model)) {
    return { status: 404, message: `Unable to access model ${body.model}. Please visit https://api.together.ai/models to view the list of supported models.` };
  }
  if (typeof body.prompt !== 'string' || body.prompt.trim() === '') return { status: 400, message: 'prompt is required' };
  for (const edge of ['width', 'height'] as const) {
    const value = body[edge];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < DIMENSION_MULTIPLE || value > EMULATOR_MAX_EDGE) return { status: 400, message: `${edge} must be an integer between ${DIMENSION_MULTIPLE} and ${EMULATOR_MAX_EDGE}` };
    if (value % DIMENSION_MULTIPLE !== 0) return { status: 400, message: `${edge} must be a multiple of ${DIMENSION_MULTIPLE}` };
  }
  const maxSteps = body.model.includes('schnell') ? SCHNELL_MAX_STEPS : OTHER_MAX_STEPS;
  if (body.steps !== undefined && (!Number.isInteger(body.steps) || body.steps < 1 || body.steps > maxSteps)) {
    return { status: 400, message: `steps must be between 1 and ${maxSteps}` };
  }
  if (body.n !== undefined && (!Number.isInteger(body.n) || body.n < 1 || body.n > 4)) return { status: 400, message: 'n must be between 1 and 4' };
  if (body.seed !== undefined && !Number.isInteger(body.seed)) return { status: 400, message: 'seed must be an integer' };
  // The request spelling is `base64`, not OpenAI's `b64_json`.
  if (body.response_format !== undefined && !['base64', 'url'].includes(body.response_format)) {
    return { status: 400, message: `response_format must be one of 'base64', 'url'` };
  }
  if (body.output_format !== undefined && !['jpeg', 'png'].includes(body.output_format)) return { status: 400, message: `output_format must be one of 'jpeg', 'png'` };
  return undefined;
}
