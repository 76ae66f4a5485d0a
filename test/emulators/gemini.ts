// The Gemini API's generateContent as upstreams.md §3.1–3.3 describes it: POST
// /v1beta/models/{model}:generateContent (and :streamGenerateContent, SSE with ?alt=sse), key in
// x-goog-api-key or ?key=, camelCase or snake_case fields (proto JSON takes both), unknown fields
// refused, aspectRatio/imageSize checked per model, candidateCount > 1 refused, one image per call
// as base64 inlineData, thought parts with an interim image on the 3.x models, usageMetadata with
// IMAGE modality counts, and Google's {error:{code,message,status,details}} envelope.
//
// Behaviours: 'moderate' (finishReason IMAGE_SAFETY, or detail.finishReason), 'block_prompt'
// (promptFeedback.blockReason, detail.blockReason), 'text_only' (a text reply with no image;
// detail.finishReason e.g. NO_IMAGE), 'quota' (429 RESOURCE_EXHAUSTED with RetryInfo, detail.retryDelay),
// 'precondition' (400 FAILED_PRECONDITION: user location not supported), 'parts' (the candidate's
// parts scripted by detail.parts: [{image:[w,h], thought?}|{text, thought?}]).

import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import sharp from 'sharp';
import { Emulator, type Fault, fakeImage, recordedOf, sizeForRatio } from './kit.ts';
import { toCamelKeys, unknownField } from './gemini-fields.ts';
import { GEMINI_EMULATED_MODELS, type GeminiModelSpec, imageTokens, outputSize } from './gemini-models.ts';

export const GEMINI_TEST_KEY = 'AIzaSyEasel-gemini-emulator-test-key-000';
/** The API version prefix of the real base URL; a channel's base_url is `${emulator.url}${GEMINI_API_PREFIX}`. */
export const GEMINI_API_PREFIX = '/v1beta';
/** Google's default wait in a quota error's RetryInfo when a test does not pick one. */
export const GEMINI_DEFAULT_RETRY_DELAY = '30s';

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const INPUT_MIME_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif']);
const MODALITIES = new Set(['TEXT', 'IMAGE', 'AUDIO']);
const TROUBLESHOOTING = 'https://developers.generativeai.google/guide/troubleshooting';

interface GoogleError {
  status: number;
  message: string;
  statusName?: string;
  details?: unknown[];
}

function envelope(e: GoogleError) {
  return { error: { code: e.status, message: e.message, status: e.statusName ?? STATUS_NAMES[e.status] ?? 'UNKNOWN', ...(e.details ? { details: e.details } : {}) } };
}

function send(reply: FastifyReply, e: GoogleError): FastifyReply {
  return reply.status(e.status).header('content-type', 'application/json; charset=UTF-8').send(JSON.stringify(envelope(e)));
}

const invalid = (message: string): GoogleError => ({ status: 400, message });

/** The body Google sends for a bad key: 400 (not 401) with ErrorInfo API_KEY_INVALID. */
const badKey: GoogleError = {
  status: 400,
  message: 'API key not valid. Please pass a valid API key.',
  details: [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
    { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
  ],
};

const noKey: GoogleError = {
  status: 403,
  message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
};

function quotaError(model: string, retryDelay: string): GoogleError {
  return {
    status: 429,
    message: `You exceeded your current quota, please check your plan and billing details. Please retry in ${retryDelay}.`,
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier', quotaDimensions: { model, location: 'global' }, quotaValue: '10' }],
      },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
    ],
  };
}

/** What a key from a region (or a project without billing) the API does not serve gets. */
const unsupportedLocation: GoogleError = { status: 400, statusName: 'FAILED_PRECONDITION', message: 'User location is not supported for the API use.' };

function notFound(model: string, method: string): GoogleError {
  return {
    status: 404,
    message: `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
  };
}

/** What the handler validated and will draw. */
interface ImageJob {
  model: string;
  spec: GeminiModelSpec;
  prompt: string;
  inputImages: Array<{ width: number; height: number }>;
  wantsImage: boolean;
  aspectRatio?: string;
  imageSize: string;
}

/** The checks Google's front end and the model make, in the order a caller meets them. */
async function validate(model: string, spec: GeminiModelSpec, raw: unknown): Promise<ImageJob | GoogleError> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return invalid('Invalid JSON payload received. Expected an object.');
  const unknown = unknownField(raw);
  if (unknown) return invalid(unknown);
  const body = toCamelKeys(raw) as Record<string, any>;

  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) return invalid('* GenerateContentRequest.contents: contents is not specified\n');
  const texts: string[] = [];
  const inputImages: ImageJob['inputImages'] = [];
  for (const [i, content] of contents.entries()) {
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model') {
      return invalid('Please use a valid role: user, model.');
    }
    if (!Array.isArray(content.parts) || content.parts.length === 0) {
      return invalid(`* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`);
    }
    for (const [j, part] of content.parts.entries()) {
      if (typeof part.text === 'string') texts.push(part.text);
      if (part.inlineData) {
        const checked = await checkInputImage(part.inlineData, `contents[${i}].parts[${j}].inline_data`);
        if ('status' in checked) return checked;
        inputImages.push(checked);
      }
    }
  }
  if (inputImages.length > spec.maxInputImages) {
    return invalid(`Too many input images: ${inputImages.length}. models/${model} accepts at most ${spec.maxInputImages}.`);
  }
  if (spec.legacy && body.systemInstruction) return invalid(`Developer instruction is not enabled for models/${model}`);

  const config = (body.generationConfig ?? {}) as Record<string, any>;
  const modalities: string[] = [];
  for (const [i, m] of (Array.isArray(config.responseModalities) ? config.responseModalities : []).entries()) {
    const upper = String(m).toUpperCase();
    if (!MODALITIES.has(upper)) {
      return invalid(`Invalid value at 'generation_config.response_modalities[${i}]' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), "${m}"`);
    }
    modalities.push(upper);
  }
  // gemini-2.0 image generation only runs with both modalities spelled out.
  if (spec.legacy && !(modalities.includes('TEXT') && modalities.includes('IMAGE'))) {
    return invalid(`Model does not support the requested response modalities: ${modalities.map((m) => m.toLowerCase()).join(',') || 'text'}`);
  }
  if (modalities.includes('AUDIO')) return invalid(`Model does not support the requested response modalities: ${modalities.map((m) => m.toLowerCase()).join(',')}`);
  if (config.candidateCount !== undefined && config.candidateCount !== 1) return invalid(`Multiple candidates is not enabled for models/${model}`);
  if (config.responseMimeType !== undefined) return invalid('Parameter response_mime_type is not supported for generating image response.');

  const imageConfig = config.imageConfig as Record<string, unknown> | undefined;
  // [unverified] The prompt-only legacy model takes no imageConfig; callers report errors for unsupported options.
  if (imageConfig && spec.legacy) return invalid(`Image config is not supported for models/${model}.`);
  const aspectRatio = imageConfig?.aspectRatio as string | undefined;
  if (aspectRatio !== undefined && !spec.ratios.includes(aspectRatio)) {
    return invalid(`Unsupported aspect ratio: ${aspectRatio}. Supported values: ${spec.ratios.join(', ')}.`);
  }
  const imageSize = imageConfig?.imageSize as string | undefined;
  if (imageSize !== undefined && !spec.imageSizes.includes(imageSize)) {
    return invalid(`Unsupported image size: ${imageSize}. models/${model} supports ${spec.imageSizes.join(', ')}.`);
  }
  return {
    model,
    spec,
    prompt: texts.join('\n'),
    inputImages,
    wantsImage: modalities.length === 0 || modalities.includes('IMAGE'),
    aspectRatio,
    imageSize: imageSize ?? '1K',
  };
}

async function checkInputImage(blob: Record<string, unknown>, path: string): Promise<{ width: number; height: number } | GoogleError> {
  const mimeType = String(blob.mimeType ?? '');
  if (!mimeType) return invalid(`* GenerateContentRequest.${path}.mime_type: mime_type is required.\n`);
  if (!INPUT_MIME_TYPES.has(mimeType)) return invalid(`Unsupported MIME type: ${mimeType}`);
  if (typeof blob.data !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(blob.data)) {
    return invalid(`Invalid value at '${path}.data' (TYPE_BYTES), Base64 decoding failed`);
  }
  try {
    const meta = await sharp(Buffer.from(blob.data, 'base64')).metadata();
    if (meta.width && meta.height) return { width: meta.width, height: meta.height };
  } catch {
    // fall through: Google says the same whatever broke
  }
  return invalid(`Unable to process input image. Please retry or report in ${TROUBLESHOOTING}`);
}

const base64Cache = new Map<string, Promise<string>>();

/** Base64 of a fake PNG, cached per size so the emulator stays cheap under load. */
function pngBase64(width: number, height: number): Promise<string> {
  const key = `${width}x${height}`;
  let cached = base64Cache.get(key);
  if (!cached) {
    cached = fakeImage(width, height, 'png').then((b) => b.toString('base64'));
    base64Cache.set(key, cached);
  }
  return cached;
}

const textTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function usageMetadata(job: ImageJob, outputImageTokens: number, outputText: string, thoughts: number) {
  const promptText = textTokens(job.prompt);
  const promptImages = job.inputImages.length * job.spec.inputImageTokens;
  const candidatesText = outputText ? textTokens(outputText) : 0;
  const candidates = candidatesText + outputImageTokens;
  const candidatesTokensDetails = [
    ...(candidatesText ? [{ modality: 'TEXT', tokenCount: candidatesText }] : []),
    ...(outputImageTokens ? [{ modality: 'IMAGE', tokenCount: outputImageTokens }] : []),
  ];
  return {
    promptTokenCount: promptText + promptImages,
    ...(candidates ? { candidatesTokenCount: candidates } : {}),
    totalTokenCount: promptText + promptImages + candidates + thoughts,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptText }, ...(promptImages ? [{ modality: 'IMAGE', tokenCount: promptImages }] : [])],
    ...(candidatesTokensDetails.length ? { candidatesTokensDetails } : {}),
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
  };
}

const THOUGHT_TOKENS = 212;
const REPLY_TEXT = "Here's the image you asked for.";
const REFUSAL_TEXT = "I can't create that image. I can help with a different idea, though.";
/** What a caller that asked for TEXT only gets from an image model: words, no picture. */
const DESCRIPTION_TEXT = 'Picture a small banana plated like fine dining, under warm light.';

/** The chunks of one answer: the 3.x models think first (text + an interim image), then answer. */
async function answer(job: ImageJob, behaviour: Extract<Fault, { kind: 'behaviour' }> | undefined): Promise<Array<Record<string, unknown>>> {
  const meta = { modelVersion: job.model, responseId: randomUUID().replace(/-/g, '').slice(0, 22) };
  const detail = behaviour?.detail ?? {};
  switch (behaviour?.name) {
    case 'block_prompt':
      return [{ promptFeedback: { blockReason: detail.blockReason ?? 'PROHIBITED_CONTENT' }, usageMetadata: usageMetadata(job, 0, '', 0), ...meta }];
    case 'moderate':
      return [{ candidates: [{ finishReason: detail.finishReason ?? 'IMAGE_SAFETY', index: 0 }], usageMetadata: usageMetadata(job, 0, '', 0), ...meta }];
    case 'parts':
      return [{ candidates: [{ content: { role: 'model', parts: await scriptedParts(detail.parts as ScriptedPart[]) }, finishReason: 'STOP', index: 0 }], ...meta }];
  }
  if (behaviour?.name === 'text_only' || !job.wantsImage) {
    const text = behaviour?.name === 'text_only' ? REFUSAL_TEXT : DESCRIPTION_TEXT;
    const finishReason = behaviour?.name === 'text_only' ? (detail.finishReason ?? 'STOP') : 'STOP';
    return [{ candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason, index: 0 }], usageMetadata: usageMetadata(job, 0, text, 0), ...meta }];
  }

  const size = outputSize(job.spec, job.aspectRatio ?? followInput(job), job.imageSize);
  const image = { inlineData: { mimeType: 'image/png', data: await pngBase64(size.width, size.height) } };
  const usage = usageMetadata(job, imageTokens(job.spec, job.imageSize), REPLY_TEXT, job.spec.thinks ? THOUGHT_TOKENS : 0);
  if (!job.spec.thinks) {
    return [{ candidates: [{ content: { role: 'model', parts: [{ text: REPLY_TEXT }, image] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage, ...meta }];
  }
  const interim = sizeForRatio(job.aspectRatio ?? '1:1', 0.25);
  const thinking = [
    { text: '**Composing the scene**\n\nI am laying out the subject and the light before rendering.', thought: true },
    { inlineData: { mimeType: 'image/png', data: await pngBase64(interim.width, interim.height) }, thought: true },
  ];
  const signature = Buffer.from(randomUUID()).toString('base64');
  return [
    { candidates: [{ content: { role: 'model', parts: thinking }, index: 0 }], ...meta },
    { candidates: [{ content: { role: 'model', parts: [{ text: REPLY_TEXT, thoughtSignature: signature }, { ...image, thoughtSignature: signature }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage, ...meta },
  ];
}

type ScriptedPart = { image: [number, number]; thought?: boolean } | { text: string; thought?: boolean };

async function scriptedParts(parts: ScriptedPart[] = []): Promise<unknown[]> {
  return Promise.all(
    parts.map(async (p) =>
      'image' in p
        ? { inlineData: { mimeType: 'image/png', data: await pngBase64(p.image[0], p.image[1]) }, ...(p.thought ? { thought: true } : {}) }
        : { text: p.text, ...(p.thought ? { thought: true } : {}) },
    ),
  );
}

/** Without an aspectRatio an edit keeps the first reference's shape (nearest ratio the model offers). */
function followInput(job: ImageJob): string {
  const first = job.inputImages[0];
  if (!first) return '1:1';
  const target = Math.log(first.width / first.height);
  const distance = (r: string) => {
    const [a, b] = r.split(':').map(Number);
    return Math.abs(Math.log(a / b) - target);
  };
  return [...job.spec.ratios].sort((x, y) => distance(x) - distance(y))[0];
}

/** A one-shot answer is the chunks merged: parts concatenated, the last chunk's finish and usage. */
function merge(chunks: Array<Record<string, any>>): Record<string, unknown> {
  if (chunks.length === 1) return chunks[0];
  const last = chunks[chunks.length - 1];
  const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
  return { ...last, candidates: [{ ...last.candidates[0], content: { role: 'model', parts } }] };
}

function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-goog-api-key'];
  if (typeof header === 'string' && header) return header;
  return recordedOf(request).query.key || undefined;
}

export function createGeminiEmulator(): Emulator {
  const emulator = new Emulator('gemini', { errorBody: (status, message) => envelope({ status, message }) });

  // Google answers unparseable JSON in its own envelope, not Fastify's.
  emulator.app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? 400 : 500;
    return send(reply, status === 400 ? invalid(`Invalid JSON payload received. ${err.message}`) : { status, message: 'An internal error has occurred.' });
  });

  emulator.app.post(`${GEMINI_API_PREFIX}/models/*`, async (request, reply) => {
    const target = (request.params as Record<string, string>)['*'] ?? '';
    const colon = target.lastIndexOf(':');
    const model = colon === -1 ? target : target.slice(0, colon);
    const method = colon === -1 ? '' : target.slice(colon + 1);

    const key = apiKeyOf(request);
    if (!key) return send(reply, noKey);
    if (key !== GEMINI_TEST_KEY) return send(reply, badKey);

    const spec = GEMINI_EMULATED_MODELS[model];
    if (!spec || (method !== 'generateContent' && method !== 'streamGenerateContent')) return send(reply, notFound(model, method || 'generateContent'));

    const behaviour = emulator.takeBehaviour(recordedOf(request).path);
    if (behaviour?.name === 'quota') return send(reply, quotaError(model, String(behaviour.detail?.retryDelay ?? GEMINI_DEFAULT_RETRY_DELAY)));
    if (behaviour?.name === 'precondition') return send(reply, unsupportedLocation);

    const job = await validate(model, spec, recordedOf(request).json);
    if ('status' in job) return send(reply, job);
    const chunks = await answer(job, behaviour);

    if (method === 'generateContent') return reply.header('content-type', 'application/json; charset=UTF-8').send(JSON.stringify(merge(chunks)));
    // Streaming: SSE `data:` lines with no event names and no [DONE] under ?alt=sse, else one JSON array.
    if (recordedOf(request).query.alt === 'sse') {
      return reply.header('content-type', 'text/event-stream').send(chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join(''));
    }
    return reply.header('content-type', 'application/json; charset=UTF-8').send(JSON.stringify(chunks));
  });

  return emulator;
}
