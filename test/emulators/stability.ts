// Stability AI Stable Image v2beta, SD 3.5 (upstreams.md §8): `authorization: Bearer`, multipart
// only (even text-only), `accept: image/*` answers raw bytes with `finish-reason`/`seed` headers and
// `accept: application/json` answers {image, finish_reason, seed}. Every error is JSON
// {"id":"<32 hex>","name":"...","errors":["..."]}, even though success is binary.
//
// Behaviours: 'filtered' (200 with finish-reason CONTENT_FILTERED: the image is "blurred") and
// 'moderate' (403 content_moderation).

import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import sharp from 'sharp';
import { Emulator, type RecordedPart, fakeImage, partsToFields, recordedOf } from './kit.ts';

export const STABILITY_TEST_KEY = 'sk-stability-test-7b31d0';
export const STABILITY_SD3 = '/v2beta/stable-image/generate/sd3';
export const STABILITY_MODELS = ['sd3.5-large', 'sd3.5-large-turbo', 'sd3.5-medium', 'sd3.5-flash', 'sd3-large', 'sd3-large-turbo', 'sd3-medium'] as const;

/** The ~1 MP size SD 3.5 renders for each text-to-image aspect ratio. */
export const STABILITY_RATIO_SIZES: Readonly<Record<string, readonly [number, number]>> = {
  '1:1': [1024, 1024], '16:9': [1344, 768], '9:16': [768, 1344], '21:9': [1536, 640], '9:21': [640, 1536],
  '3:2': [1216, 832], '2:3': [832, 1216], '5:4': [1088, 896], '4:5': [896, 1088],
};

const STYLE_PRESETS = ['3d-model', 'analog-film', 'anime', 'cinematic', 'comic-book', 'digital-art', 'enhance', 'fantasy-art', 'isometric', 'line-art', 'low-poly', 'modeling-compound', 'neon-punk', 'origami', 'photographic', 'pixel-art', 'tile-texture'];
const ENUMS: Record<string, readonly string[]> = {
  mode: ['text-to-image', 'image-to-image'],
  model: STABILITY_MODELS,
  aspect_ratio: Object.keys(STABILITY_RATIO_SIZES),
  // sd3 has no webp, unlike core/ultra.
  output_format: ['png', 'jpeg'],
  style_preset: STYLE_PRESETS,
};
const MAX_TEXT = 10_000;
const MAX_SEED = 4_294_967_294;

const NAMES: Record<number, string> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 413: 'payload_too_large', 422: 'invalid_request', 429: 'rate_limit_exceeded', 500: 'internal_error', 502: 'bad_gateway', 503: 'service_unavailable' };

export class StabilityEmulator extends Emulator {
  constructor() {
    super('stability', { errorBody: (status, message) => envelope(NAMES[status] ?? 'error', message) });

    this.app.post(STABILITY_SD3, async (request, reply) => {
      const auth = request.headers.authorization;
      if (!auth) return this.fail(reply, 401, 'unauthorized', 'authorization: is required');
      if (!safeEqual(auth, `Bearer ${STABILITY_TEST_KEY}`)) return this.fail(reply, 401, 'unauthorized', 'authorization: invalid API key');

      const recorded = recordedOf(request);
      if (!recorded.parts) return this.fail(reply, 400, 'bad_request', 'content-type: must be multipart/form-data');
      const accept = acceptMode(request.headers.accept);
      if (!accept) return this.fail(reply, 400, 'bad_request', 'accept: must be image/* or application/json');

      const { fields, files } = partsToFields(recorded.parts);
      const invalid = validate(fields, files);
      if (invalid) return this.fail(reply, 400, 'bad_request', invalid);

      const behaviour = this.takeBehaviour(recorded.path);
      if (behaviour?.name === 'moderate') {
        return this.fail(reply, 403, 'content_moderation', 'Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.');
      }

      const format = (fields.output_format ?? 'png') as 'png' | 'jpeg';
      const [width, height] = await outputSize(fields, files);
      const image = await fakeImage(width, height, format);
      const seed = fields.seed && fields.seed !== '0' ? Number(fields.seed) : randomInt(1, 2 ** 32 - 2);
      const finishReason = behaviour?.name === 'filtered' ? 'CONTENT_FILTERED' : 'SUCCESS';
      reply.header('x-request-id', randomBytes(16).toString('hex'));
      if (accept === 'json') {
        // A Buffer, so Fastify leaves the `type=image/png` parameter of the content type alone.
        return reply
          .status(200)
          .header('content-type', `application/json; type=image/${format}`)
          .send(Buffer.from(JSON.stringify({ image: image.toString('base64'), finish_reason: finishReason, seed })));
      }
      return reply.status(200).header('content-type', `image/${format}`).header('finish-reason', finishReason).header('seed', String(seed)).send(image);
    });
  }

  /** A connection that never sent a request is not "idle" to Node, and would hold close() for a minute. */
  override async close(): Promise<void> {
    this.app.server.closeAllConnections();
    await super.close();
  }

  /** Stability's error envelope with a specific `name` (the kit's faults use the per-status default). */
  fail(reply: FastifyReply, status: number, name: string, message: string): FastifyReply {
    return reply.status(status).header('content-type', 'application/json').send(JSON.stringify(envelope(name, message)));
  }
}

function envelope(name: string, message: string) {
  return { id: randomBytes(16).toString('hex'), name, errors: [message] };
}

/** `image/*` is the default; anything but it or JSON is refused. */
function acceptMode(accept: string | undefined): 'bytes' | 'json' | undefined {
  if (!accept || accept === '*/*' || accept.startsWith('image/*')) return 'bytes';
  if (accept.startsWith('application/json')) return 'json';
  return undefined;
}

function validate(fields: Record<string, string>, files: RecordedPart[]): string | undefined {
  if (!fields.prompt) return 'prompt: is required';
  if (fields.prompt.length > MAX_TEXT) return `prompt: must be at most ${MAX_TEXT} characters`;
  if ((fields.negative_prompt ?? '').length > MAX_TEXT) return `negative_prompt: must be at most ${MAX_TEXT} characters`;
  for (const [name, allowed] of Object.entries(ENUMS)) {
    const value = fields[name];
    if (value !== undefined && !allowed.includes(value)) return `${name}: must be one of ${allowed.join(', ')}`;
  }
  if (fields.seed !== undefined && (!/^\d+$/.test(fields.seed) || Number(fields.seed) > MAX_SEED)) return `seed: must be an integer between 0 and ${MAX_SEED}`;
  if (fields.cfg_scale !== undefined && !(Number(fields.cfg_scale) >= 1 && Number(fields.cfg_scale) <= 10)) return 'cfg_scale: must be between 1 and 10';
  if (fields.mode === 'image-to-image') {
    if (!files.some((f) => f.name === 'image')) return 'image: is required';
    const strength = Number(fields.strength);
    if (fields.strength === undefined || !(strength >= 0 && strength <= 1)) return 'strength: is required and must be between 0 and 1';
    if (fields.aspect_ratio !== undefined) return 'aspect_ratio: cannot be used with image-to-image';
  }
  return undefined;
}

/** Text-to-image follows aspect_ratio; image-to-image keeps the input's size (rounded to 64). */
async function outputSize(fields: Record<string, string>, files: RecordedPart[]): Promise<readonly [number, number]> {
  const input = files.find((f) => f.name === 'image');
  if (fields.mode !== 'image-to-image' || !input?.bytes) return STABILITY_RATIO_SIZES[fields.aspect_ratio ?? '1:1'];
  const meta = await sharp(input.bytes).metadata().catch(() => undefined);
  const round = (v: number | undefined) => Math.max(64, Math.round((v ?? 1024) / 64) * 64);
  return [round(meta?.width), round(meta?.height)];
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createStabilityEmulator(): StabilityEmulator {
  return new StabilityEmulator();
}
