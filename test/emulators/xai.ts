// The xAI image API as upstreams.md §4 describes it: POST /v1/images/generations (JSON), Bearer auth,
// aspect_ratio + resolution (lowercase 1k|2k), `size`/`style` refused, JPEG images as b64_json or as a
// temporary URL served here, `usage.cost_in_usd_ticks`, and silent moderation (HTTP 200, no image).
// Errors use xAI's native form {code, error}, where `code` is the gRPC status description.
//
// POST /v1/images/edits takes the same fields plus `image` or `images` (1–3 https/data-URI sources).
//
// Behaviours: 'moderate' (every image withheld with respect_moderation:false; detail.withheld limits
// it to the first N), 'moderate_all' (empty data: the whole request blocked).

import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import sharp from 'sharp';
import { Emulator, fakeImage, recordedOf } from './kit.ts';

export const XAI_TEST_KEY = 'xai-emulator-test-key-0123456789';

export const XAI_MODELS = ['grok-imagine-image', 'grok-imagine-image-quality', 'grok-imagine-image-2.0', 'grok-imagine-image-pro', 'grok-2-image', 'grok-2-image-1212'];
export const XAI_RATIOS = ['1:1', '3:4', '4:3', '9:16', '16:9', '2:3', '3:2', '9:19.5', '19.5:9', '9:20', '20:9', '1:2', '2:1', 'auto'];
const FIELDS = new Set(['model', 'prompt', 'n', 'response_format', 'aspect_ratio', 'resolution', 'quality', 'user']);
const UNSUPPORTED = new Set(['size', 'style']);
/** Edits name their sources as `image` (one) or `images` (several), each {url, type:'image_url'}. */
const EDIT_FIELDS = new Set(['image', 'images']);
export const XAI_MAX_EDIT_SOURCES = 3;

/** 1k output sizes per ratio as observed from grok-imagine (landscape side; portrait swaps). 2k doubles them. */
const SIZES_1K: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '4:3': [1280, 896],
  '3:2': [1296, 864],
  '16:9': [1408, 768],
  '2:1': [1408, 704],
  '20:9': [1280, 576],
  '19.5:9': [1248, 576],
};

/** $0.02 and $0.05 per image; 10,000,000,000 ticks = 1 USD. */
const TICKS_PER_IMAGE: Record<string, number> = { 'grok-imagine-image-quality': 500_000_000, 'grok-imagine-image-pro': 500_000_000 };
const DEFAULT_TICKS = 200_000_000;

/** gRPC status descriptions, which xAI puts in `code`. */
function grpcDescription(status: number): string {
  if (status === 400) return 'Client specified an invalid argument';
  if (status === 401) return 'The request does not have valid authentication credentials';
  if (status === 403) return 'The caller does not have permission to execute the specified operation';
  if (status === 404) return 'Some requested entity was not found';
  if (status === 422) return 'Client specified an invalid argument';
  if (status === 429) return 'Some resource has been exhausted';
  if (status === 503) return 'The service is currently unavailable';
  return 'Internal error';
}

export function xaiImageSize(ratio: string | undefined, resolution: string | undefined): { width: number; height: number } {
  const r = !ratio || ratio === 'auto' ? '1:1' : ratio;
  const [a, b] = r.split(':').map(Number);
  const landscapeKey = a >= b ? r : `${b}:${a}`;
  const [long, short] = SIZES_1K[landscapeKey] ?? [1024, 1024];
  const scale = resolution === '2k' ? 2 : 1;
  return a >= b ? { width: long * scale, height: short * scale } : { width: short * scale, height: long * scale };
}

/** Like xAI does in its messages: only the first and last two characters of a key. */
function maskKey(key: string): string {
  return key.length > 4 ? `${key.slice(0, 2)}***${key.slice(-2)}` : '***';
}

export function createXaiEmulator(): Emulator {
  const emulator = new Emulator('xai', { errorBody: (status, message) => ({ code: grpcDescription(status), error: message }) });
  const fail = (reply: FastifyReply, status: number, message: string) => emulator.error(reply, status, message);

  const answer = async (request: FastifyRequest, reply: FastifyReply, edit: boolean) => {
    const auth = request.headers.authorization;
    if (!auth) return fail(reply, 401, 'Missing bearer authentication in header');
    const key = /^Bearer (.+)$/.exec(auth)?.[1] ?? '';
    // xAI answers a wrong key with 400 INVALID_ARGUMENT, not 401.
    if (key !== XAI_TEST_KEY) return fail(reply, 400, `Incorrect API key provided: ${maskKey(key)}. You can obtain an API key from https://console.x.ai.`);

    const body = recordedOf(request).json;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return fail(reply, 422, 'Failed to deserialize the JSON body into the target type: expected a JSON object');
    }
    for (const field of Object.keys(body)) {
      if (UNSUPPORTED.has(field)) return fail(reply, 400, `Argument not supported: ${field}`);
      if (!FIELDS.has(field) && !(edit && EDIT_FIELDS.has(field))) {
        return fail(reply, 422, `Failed to deserialize the JSON body into the target type: unknown field \`${field}\``);
      }
    }
    const invalid = validate(body) ?? (edit ? validateSources(body) : undefined);
    if (invalid) return fail(reply, invalid.status, invalid.message);

    const n: number = body.n ?? 1;
    const model: string = body.model ?? 'grok-imagine-image';
    const revised = `${body.prompt} (revised by the xAI emulator)`;
    const usage = { cost_in_usd_ticks: (TICKS_PER_IMAGE[model] ?? DEFAULT_TICKS) * n };

    const behaviour = emulator.takeBehaviour(request.url);
    if (behaviour?.name === 'moderate_all') return reply.send({ data: [], usage: { cost_in_usd_ticks: 0 } });
    const withheld = behaviour?.name === 'moderate' ? Number(behaviour.detail?.withheld ?? n) : 0;

    // An edit without aspect_ratio keeps the first source's shape.
    const ratio = body.aspect_ratio ?? (edit ? await sourceRatio(body) : undefined);
    const { width, height } = xaiImageSize(ratio, body.resolution);
    const asUrl = (body.response_format ?? 'url') === 'url';
    const bytes = await fakeImage(width, height, 'jpeg');
    const data = Array.from({ length: n }, (_, i) => {
      if (i < withheld) return { url: null, mime_type: null, revised_prompt: revised, respect_moderation: false };
      const payload = asUrl ? { url: `${baseOf(request)}/xai-imgen/xai-tmp-imgen-${width}x${height}-${randomUUID()}.jpeg` } : { b64_json: bytes.toString('base64') };
      return { ...payload, mime_type: 'image/jpeg', revised_prompt: revised, respect_moderation: true };
    });
    return reply.send({ data, usage });
  };

  emulator.app.post('/v1/images/generations', (request, reply) => answer(request, reply, false));
  emulator.app.post('/v1/images/edits', (request, reply) => answer(request, reply, true));

  // Temporary result URLs; the size lives in the name, so nothing is kept per request.
  emulator.app.get('/xai-imgen/:name', async (request, reply) => {
    const m = /^xai-tmp-imgen-(\d+)x(\d+)-[0-9a-f-]+\.jpeg$/.exec((request.params as { name: string }).name);
    if (!m) return reply.status(404).send('Not Found');
    const bytes = await fakeImage(Number(m[1]), Number(m[2]), 'jpeg');
    return reply.header('content-type', 'image/jpeg').send(bytes);
  });

  return emulator;
}

function baseOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host}`;
}

function validate(body: Record<string, any>): { status: number; message: string } | undefined {
  if (body.prompt === undefined) return { status: 422, message: 'Failed to deserialize the JSON body into the target type: missing field `prompt`' };
  if (typeof body.prompt !== 'string' || body.prompt.trim() === '') return { status: 400, message: 'prompt must be a non-empty string' };
  if (body.model !== undefined && !XAI_MODELS.includes(body.model)) {
    return { status: 404, message: `The model ${body.model} does not exist or your team does not have access to it.` };
  }
  if (body.n !== undefined && (!Number.isInteger(body.n) || body.n < 1 || body.n > 10)) return { status: 400, message: 'n must be between 1 and 10' };
  if (body.response_format !== undefined && !['url', 'b64_json'].includes(body.response_format)) {
    return { status: 422, message: `Failed to deserialize the JSON body into the target type: response_format: unknown variant \`${body.response_format}\`, expected \`url\` or \`b64_json\`` };
  }
  if (body.aspect_ratio !== undefined && !XAI_RATIOS.includes(body.aspect_ratio)) return { status: 400, message: `Invalid aspect_ratio: ${body.aspect_ratio}` };
  // Lowercase only: `2K` is not a resolution xAI knows.
  if (body.resolution !== undefined && !['1k', '2k'].includes(body.resolution)) return { status: 400, message: `Invalid resolution: ${body.resolution}` };
  if (body.quality !== undefined && !['low', 'medium', 'high'].includes(body.quality)) return { status: 400, message: `Invalid quality: ${body.quality}` };
  return undefined;
}

function validateSources(body: Record<string, any>): { status: number; message: string } | undefined {
  if (body.image !== undefined && body.images !== undefined) return { status: 400, message: 'Specify either image or images, not both' };
  const sources: unknown[] = body.image !== undefined ? [body.image] : Array.isArray(body.images) ? body.images : [];
  if (sources.length === 0) return { status: 400, message: 'At least one image is required for an edit' };
  if (sources.length > XAI_MAX_EDIT_SOURCES) return { status: 400, message: `At most ${XAI_MAX_EDIT_SOURCES} images are supported` };
  for (const source of sources as Array<Record<string, unknown> | null>) {
    const url = source?.url;
    if (source?.type !== 'image_url' || typeof url !== 'string') return { status: 422, message: 'Failed to deserialize the JSON body into the target type: image: expected {url, type: "image_url"}' };
    if (!/^https:\/\//.test(url) && !/^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+=*$/.test(url)) {
      return { status: 400, message: 'Image url must be an https URL or a base64 data URI of a PNG, JPEG or WebP image' };
    }
  }
  return undefined;
}

/** The table ratio nearest to the first source's shape (data URIs only; anything else is drawn square). */
async function sourceRatio(body: Record<string, any>): Promise<string> {
  const url: string = (body.image ?? body.images?.[0])?.url ?? '';
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0) return '1:1';
  try {
    const { width, height } = await sharp(Buffer.from(url.slice(comma + 1), 'base64')).metadata();
    if (!width || !height) return '1:1';
    // Distance on a log scale, so 2:1 and 1:2 are equally far from 1:1.
    const distance = (r: string) => {
      const [a, b] = r.split(':').map(Number);
      return Math.abs(Math.log((a / b) * (height / width)));
    };
    return XAI_RATIOS.filter((r) => r !== 'auto').reduce((best, r) => (distance(r) < distance(best) ? r : best));
  } catch {
    return '1:1';
  }
}
