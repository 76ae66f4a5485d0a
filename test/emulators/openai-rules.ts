// The rules OpenAI's image endpoints apply and the answers they give, shared by the OpenAI emulator
// (./openai.ts) and the Azure OpenAI emulator (./azure.ts), which validates and answers the same way:
// per-model validation of generations (GPT image models reject `response_format`; dall-e-3 makes n=1;
// fixed DALL·E sizes; the gpt-image-2 size rule), the ImagesResponse with `usage`, SSE events, and
// result URLs this emulator serves itself.

import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { type Emulator, type Fault, fakeImage, parseSize } from './kit.ts';

/** One OpenAI error, before it is wrapped in the provider's envelope. */
export interface WireError {
  status: number;
  message: string;
  type: string | null;
  param: string | null;
  code: string | null;
}

export type Family = 'gpt-image' | 'dall-e-2' | 'dall-e-3';
export type Format = 'png' | 'jpeg' | 'webp';

/** Models the generations endpoint knows (CreateImageRequest.model enum). */
export const OPENAI_IMAGE_MODELS: Readonly<Record<string, Family>> = {
  'gpt-image-2': 'gpt-image',
  'gpt-image-2-2026-04-21': 'gpt-image',
  'gpt-image-1.5': 'gpt-image',
  'gpt-image-1': 'gpt-image',
  'gpt-image-1-mini': 'gpt-image',
  'dall-e-3': 'dall-e-3',
  'dall-e-2': 'dall-e-2',
};

const KNOWN_FIELDS = new Set([
  'prompt', 'model', 'n', 'quality', 'response_format', 'output_format', 'output_compression',
  'stream', 'partial_images', 'size', 'moderation', 'background', 'style', 'user',
]);
const GPT_ONLY_FIELDS = ['output_format', 'output_compression', 'background', 'moderation', 'stream', 'partial_images'];
const PROMPT_MAX: Record<Family, number> = { 'gpt-image': 32000, 'dall-e-3': 4000, 'dall-e-2': 1000 };
const QUALITIES: Record<Family, string[]> = {
  'gpt-image': ['auto', 'low', 'medium', 'high'],
  'dall-e-3': ['auto', 'standard', 'hd'],
  'dall-e-2': ['auto', 'standard'],
};
const DALL_E_SIZES: Record<'dall-e-2' | 'dall-e-3', string[]> = {
  'dall-e-2': ['256x256', '512x512', '1024x1024'],
  'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
};
/** The older GPT image models take three sizes; gpt-image-2 takes any size within its rule. */
const GPT_FIXED_SIZES = ['1024x1024', '1536x1024', '1024x1536'];
/** Image output tokens per megapixel by quality (GPT Image token table at 1024x1024). */
const OUTPUT_TOKENS_PER_MP: Record<string, number> = { low: 272, medium: 1056, high: 4160 };
/** Input tokens per source image of an edit (an emulator figure; OpenAI's depends on size and fidelity). */
const INPUT_TOKENS_PER_IMAGE = 256;

/** A validated generations request. */
export interface GenerationPlan {
  model: string;
  family: Family;
  prompt: string;
  n: number;
  width: number;
  height: number;
  format: Format;
  /** What the GPT image models echo back: low|medium|high. */
  quality: string;
  background: 'transparent' | 'opaque';
  /** DALL·E only; GPT image models always answer b64. */
  responseFormat: 'url' | 'b64_json';
  stream: boolean;
  partialImages: number;
  /** Edits: source images, counted as input image tokens. */
  inputImages?: number;
}

export const invalid = (param: string, message: string, code = 'invalid_value'): WireError => ({ status: 400, message, type: 'invalid_request_error', param, code });

/**
 * OpenAI's checks for POST /images/generations, in the order it reports them. `model` forces the model
 * (Azure: the deployment decides, and a body `model` is ignored).
 */
export function planGeneration(body: unknown, opts: { model?: string } = {}): GenerationPlan | WireError {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return invalid('', 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.', 'invalid_json');
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!KNOWN_FIELDS.has(key)) return invalid(key, `Unknown parameter: '${key}'.`, 'unknown_parameter');
  }
  if (typeof b.prompt !== 'string' || b.prompt.length === 0) {
    return invalid('prompt', "Missing required parameter: 'prompt'.", 'missing_required_parameter');
  }
  if (b.model !== undefined && b.model !== null && typeof b.model !== 'string') return invalid('model', "Invalid type for 'model': expected a string.", 'invalid_type');
  const gptOnlyPresent = GPT_ONLY_FIELDS.some((f) => b[f] !== undefined && b[f] !== null);
  // The spec: default dall-e-2 unless a GPT-image-only parameter is present.
  const model = opts.model ?? ((b.model as string | null | undefined) || (gptOnlyPresent ? 'gpt-image-1.5' : 'dall-e-2'));
  const family = OPENAI_IMAGE_MODELS[model];
  if (!family) return { status: 404, message: `The model \`${model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' };
  const gpt = family === 'gpt-image';

  if (gpt && b.response_format !== undefined) return invalid('response_format', "Unknown parameter: 'response_format'.", 'unknown_parameter');
  if (family !== 'dall-e-3' && b.style !== undefined && b.style !== null) return invalid('style', `The 'style' parameter is only supported for dall-e-3.`);
  if (!gpt) {
    const field = GPT_ONLY_FIELDS.find((f) => b[f] !== undefined && b[f] !== null);
    if (field) return invalid(field, `The '${field}' parameter is only supported for the GPT image models.`, 'unknown_parameter');
  }
  if (b.prompt.length > PROMPT_MAX[family]) {
    return invalid('prompt', `Invalid 'prompt': string too long. Expected a string with maximum length ${PROMPT_MAX[family]}, but got a string with length ${b.prompt.length} instead.`, 'string_above_max_length');
  }

  const n = b.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n)) return invalid('n', "Invalid type for 'n': expected an integer.", 'invalid_type');
  if (n < 1 || n > 10) return invalid('n', `Invalid 'n': integer ${n < 1 ? 'below minimum' : 'above maximum'} value. Expected a value ${n < 1 ? '>= 1' : '<= 10'}, but got ${n} instead.`, n < 1 ? 'integer_below_min_value' : 'integer_above_max_value');
  if (family === 'dall-e-3' && n !== 1) return invalid('n', 'You must provide n=1 for this model.');

  const quality = b.quality ?? 'auto';
  if (typeof quality !== 'string' || !QUALITIES[family].includes(quality)) {
    return invalid('quality', `Invalid value: '${String(quality)}'. Supported values are: ${QUALITIES[family].map((q) => `'${q}'`).join(', ')}.`);
  }
  if (b.style !== undefined && b.style !== null && b.style !== 'vivid' && b.style !== 'natural') {
    return invalid('style', `Invalid value: '${String(b.style)}'. Supported values are: 'vivid' and 'natural'.`);
  }
  const responseFormat = b.response_format ?? 'url';
  if (responseFormat !== 'url' && responseFormat !== 'b64_json') {
    return invalid('response_format', `Invalid value: '${String(responseFormat)}'. Supported values are: 'url' and 'b64_json'.`);
  }

  const size = checkSize(family, model, b.size);
  if ('status' in size) return size;

  const format = (b.output_format ?? 'png') as Format;
  if (!['png', 'jpeg', 'webp'].includes(format)) return invalid('output_format', `Invalid value: '${String(format)}'. Supported values are: 'png', 'jpeg', and 'webp'.`);
  const compression = b.output_compression;
  if (compression !== undefined && compression !== null) {
    if (typeof compression !== 'number' || !Number.isInteger(compression) || compression < 0 || compression > 100) {
      return invalid('output_compression', 'Invalid output_compression: expected an integer between 0 and 100.');
    }
    if (format === 'png' && compression < 100) return invalid('output_compression', 'Compression less than 100 is not supported for PNG output format.');
  }
  const background = b.background ?? 'auto';
  if (!['transparent', 'opaque', 'auto'].includes(background as string)) {
    return invalid('background', `Invalid value: '${String(background)}'. Supported values are: 'transparent', 'opaque', and 'auto'.`);
  }
  if (background === 'transparent' && format === 'jpeg') return invalid('background', 'Transparent background requires output_format png or webp.');
  if (b.moderation !== undefined && b.moderation !== null && b.moderation !== 'low' && b.moderation !== 'auto') {
    return invalid('moderation', `Invalid value: '${String(b.moderation)}'. Supported values are: 'low' and 'auto'.`);
  }
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') return invalid('stream', "Invalid type for 'stream': expected a boolean.", 'invalid_type');
  const partials = b.partial_images ?? 0;
  if (typeof partials !== 'number' || !Number.isInteger(partials) || partials < 0 || partials > 3) {
    return invalid('partial_images', 'Invalid partial_images: expected an integer between 0 and 3.');
  }
  if (b.user !== undefined && typeof b.user !== 'string') return invalid('user', "Invalid type for 'user': expected a string.", 'invalid_type');

  return {
    model,
    family,
    prompt: b.prompt,
    n,
    ...size,
    format: gpt ? format : 'png',
    quality: quality === 'auto' ? (gpt ? 'medium' : 'standard') : quality,
    background: background === 'transparent' ? 'transparent' : 'opaque',
    responseFormat: gpt ? 'b64_json' : (responseFormat as 'url' | 'b64_json'),
    stream: b.stream === true,
    partialImages: partials,
  };
}

function checkSize(family: Family, model: string, raw: unknown): { width: number; height: number } | WireError {
  const value = raw ?? (family === 'gpt-image' ? 'auto' : '1024x1024');
  if (typeof value !== 'string') return invalid('size', "Invalid type for 'size': expected a string.", 'invalid_type');
  if (family !== 'gpt-image') {
    if (!DALL_E_SIZES[family].includes(value)) return invalid('size', 'The size is not supported by this model.', 'invalid_size');
    return parseSize(value)!;
  }
  if (value === 'auto') return { width: 1024, height: 1024 };
  const px = parseSize(value);
  const flexible = model.startsWith('gpt-image-2');
  if (!px || (!flexible && !GPT_FIXED_SIZES.includes(value))) {
    return invalid('size', `Invalid value: '${value}'. Supported values are: 'auto', ${GPT_FIXED_SIZES.map((s) => `'${s}'`).join(', ')}.`);
  }
  if (flexible) {
    const { width, height } = px;
    const long = Math.max(width, height);
    const short = Math.min(width, height);
    const pixels = width * height;
    if (width % 16 || height % 16 || long > 3840 || long > short * 3 || pixels < 655_360 || pixels > 8_294_400) {
      return invalid('size', `Invalid size '${value}': width and height must be multiples of 16, the aspect ratio between 1:3 and 3:1, the longest edge at most 3840 and the total between 655,360 and 8,294,400 pixels.`);
    }
  }
  return px;
}

/** OpenAI's error envelope: all four keys, always. */
export function openaiErrorBody(e: Omit<WireError, 'status'>): { error: Omit<WireError, 'status'> } {
  return { error: { message: e.message, type: e.type, param: e.param, code: e.code } };
}

/**
 * Where this emulator serves a DALL·E result image: on itself, pre-signed with an expiry like OpenAI's
 * blob URLs (/private/img-....png?se=...&sig=...). Downloads are recorded, so tests can check that
 * Easel sends no credentials with them.
 */
export const IMAGE_ROUTE = '/private';
/** OpenAI: "URLs are only valid for 60 minutes after the image has been generated". */
const URL_LIFETIME_MS = 60 * 60 * 1000;

function imageUrl(emulator: Emulator, plan: GenerationPlan): string {
  const expires = new Date(Date.now() + URL_LIFETIME_MS).toISOString();
  return `${emulator.url}${IMAGE_ROUTE}/img-${randomBytes(12).toString('hex')}.png?size=${plan.width}x${plan.height}&se=${encodeURIComponent(expires)}&sig=${randomBytes(16).toString('base64url')}`;
}

/** The ImagesResponse for a plan; `extraItemFields` lets Azure add its content-filter annotations. */
export async function imagesResponse(emulator: Emulator, plan: GenerationPlan, extraItemFields: Record<string, unknown> = {}) {
  const bytes = await fakeImage(plan.width, plan.height, plan.format);
  const b64 = plan.responseFormat === 'b64_json' ? bytes.toString('base64') : '';
  const data = Array.from({ length: plan.n }, () => {
    const item: Record<string, unknown> = plan.responseFormat === 'b64_json' ? { b64_json: b64 } : { url: imageUrl(emulator, plan) };
    if (plan.family === 'dall-e-3') item.revised_prompt = `A detailed rendering of: ${plan.prompt}`;
    return { ...item, ...extraItemFields };
  });
  const body: Record<string, unknown> = { created: Math.floor(Date.now() / 1000), data };
  if (plan.family === 'gpt-image') {
    Object.assign(body, {
      background: plan.background,
      output_format: plan.format,
      size: `${plan.width}x${plan.height}`,
      quality: plan.quality,
      usage: usageFor(plan),
    });
  }
  return body;
}

/** Token usage in ImageGenUsage shape: text tokens from the prompt, image tokens scaled by area and n. */
export function usageFor(plan: GenerationPlan) {
  const text = Math.max(1, Math.ceil(plan.prompt.length / 4));
  const images = (plan.inputImages ?? 0) * INPUT_TOKENS_PER_IMAGE;
  const perImage = Math.round(OUTPUT_TOKENS_PER_MP[plan.quality] * ((plan.width * plan.height) / (1024 * 1024)));
  const output = perImage * plan.n;
  return {
    input_tokens: text + images,
    input_tokens_details: { text_tokens: text, image_tokens: images },
    output_tokens: output,
    output_tokens_details: { image_tokens: output, text_tokens: 0 },
    total_tokens: text + images + output,
  };
}

/** The stream behaviours (inject({kind:'behaviour', name, detail:{after}})): what happens after `after` events. */
export const STREAM_BEHAVIOURS = ['stream_break', 'stream_stall', 'stream_error'] as const;
type StreamBehaviour = (typeof STREAM_BEHAVIOURS)[number];

/** OpenAI's words for a failure reported inside a stream (the SDKs raise any event carrying `error`). */
const STREAM_ERROR = { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: 'server_error' };

/**
 * `stream: true` on a GPT image model: `partial_images` partial events, then the completed event with
 * usage, each written as it is made (`detail.pace_ms` apart); no [DONE] line. A stream behaviour
 * misbehaves after `detail.after` events (default 1): 'stream_break' cuts the connection,
 * 'stream_stall' stops sending and never ends, 'stream_error' sends an error event and ends.
 */
export async function sendStream(
  emulator: Emulator,
  reply: FastifyReply,
  plan: GenerationPlan,
  prefix: 'image_generation' | 'image_edit' = 'image_generation',
  behaviour?: Extract<Fault, { kind: 'behaviour' }>,
) {
  const b64 = (await fakeImage(plan.width, plan.height, plan.format)).toString('base64');
  const common = { b64_json: b64, created_at: Math.floor(Date.now() / 1000), size: `${plan.width}x${plan.height}`, quality: plan.quality, background: plan.background, output_format: plan.format };
  const event = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
  const events = Array.from({ length: plan.partialImages }, (_, i) => event(`${prefix}.partial_image`, { ...common, partial_image_index: i }));
  events.push(event(`${prefix}.completed`, { ...common, usage: usageFor(plan) }));
  const fault = STREAM_BEHAVIOURS.includes(behaviour?.name as StreamBehaviour) ? (behaviour?.name as StreamBehaviour) : undefined;
  const after = Number(behaviour?.detail?.after ?? 1);
  const paceMs = Number(behaviour?.detail?.pace_ms ?? 0);

  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': `req_${randomBytes(16).toString('hex')}` });
  for (const [index, text] of events.entries()) {
    if (fault && index === after) return misbehave(emulator, reply, fault);
    if (!(await write(out, text))) return;
    if (paceMs > 0) await new Promise((r) => setTimeout(r, paceMs));
  }
  out.end();
}

function misbehave(emulator: Emulator, reply: FastifyReply, fault: StreamBehaviour): void {
  if (fault === 'stream_break') reply.raw.socket?.destroy();
  else if (fault === 'stream_stall') emulator.holdOpen(reply);
  else reply.raw.end(`event: error\ndata: ${JSON.stringify({ type: 'error', error: STREAM_ERROR })}\n\n`);
}

/** Writes one event and waits until it is flushed; false when the reader has gone. */
function write(out: FastifyReply['raw'], text: string): Promise<boolean> {
  if (out.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => out.write(text, (err) => resolve(!err)));
}

/** Serves the signed result URLs; no API key (they are pre-signed), 403 once expired. */
export function registerImageRoute(emulator: Emulator): void {
  emulator.app.get(`${IMAGE_ROUTE}/:file`, async (request, reply) => {
    const { size, se } = request.query as { size?: string; se?: string };
    const px = parseSize(size);
    const expires = se ? Date.parse(se) : NaN;
    if (!px || Number.isNaN(expires)) return reply.status(404).send('The specified blob does not exist.');
    if (expires < Date.now()) return reply.status(403).send('Signed expiry time has expired.');
    return reply.status(200).header('content-type', 'image/png').send(await fakeImage(px.width, px.height, 'png'));
  });
}


/** Behaviour 'moderate': the refusal each model family really sends. */
export function moderationError(family: Family): WireError {
  return family === 'gpt-image'
    ? { status: 400, type: 'image_generation_user_error', param: null, code: 'moderation_blocked', message: 'Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID. safety_violations=[violence].' }
    : { status: 400, type: 'invalid_request_error', param: null, code: 'content_policy_violation', message: 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.' };
}

