// Google Gemini native image generation (upstreams.md §3.1–3.3): one generateContent call makes one
// image, so Easel fans out for n > 1. Google answers refusals with HTTP 200 (a prompt block, a safety
// finishReason, or a text-only reply), so the success body is read with care rather than trusted.
//
// A 200 that carries no image and no safety signal (finishReason NO_IMAGE, or the model replying in
// text) is `bad_request`, not `moderated`: the model declined to draw this prompt, often because it
// did not read as an image request, and calling a second channel would pay for the same refusal.
// Only explicit safety signals (the block reasons below) become the moderation error.

import type { NormalizedImageRequest } from '../../catalog/types.ts';
import { callUpstream, extractMessage, joinUrl, parseJson, retryAfterMs } from '../http.ts';
import { type CallContext, defineProvider, type GenerateResult, type UpstreamImage, UpstreamError } from '../types.ts';
import type {
  GeminiCandidate,
  GeminiErrorBody,
  GeminiErrorDetail,
  GeminiGenerateContentRequest,
  GeminiGenerateContentResponse,
  GeminiImageConfig,
  GeminiImageSize,
  GeminiPart,
} from './wire.ts';

/** Gemini image models return one image per call and reject candidateCount > 1. */
const GEMINI_IMAGES_PER_CALL = 1;

/** finishReason values that mean the output (or the prompt) was stopped by a content policy. */
const BLOCKING_FINISH_REASONS: ReadonlySet<string> = new Set([
  'SAFETY',
  'IMAGE_SAFETY',
  'PROHIBITED_CONTENT',
  'IMAGE_PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  // Recitation is Google refusing to reproduce protected material: a policy outcome, not a fault.
  'RECITATION',
  'IMAGE_RECITATION',
]);

/** ErrorInfo reasons that say the channel's key (or its project) cannot be used. */
const AUTH_REASONS: ReadonlySet<string> = new Set(['API_KEY_INVALID', 'API_KEY_SERVICE_BLOCKED', 'SERVICE_DISABLED', 'CONSUMER_SUSPENDED']);

/** Easel's resolution tiers are lowercase (`2k`); Gemini wants `2K` and rejects the lowercase form. */
const IMAGE_SIZES: Readonly<Record<string, GeminiImageSize>> = { '512': '512', '1k': '1K', '2k': '2K', '4k': '4K' };

export function generateBody(req: NormalizedImageRequest): GeminiGenerateContentRequest {
  const parts: GeminiPart[] = [{ text: req.prompt }];
  for (const image of req.images ?? []) parts.push({ inlineData: { mimeType: image.mime, data: image.bytes.toString('base64') } });

  const imageConfig: GeminiImageConfig = {};
  if (req.aspectRatio) imageConfig.aspectRatio = req.aspectRatio;
  if (req.resolution) imageConfig.imageSize = IMAGE_SIZES[req.resolution.toLowerCase()] ?? (req.resolution.toUpperCase() as GeminiImageSize);

  return {
    contents: [{ role: 'user', parts }],
    generationConfig: {
      // TEXT as well as IMAGE: gemini-2.0 image generation refuses IMAGE alone.
      responseModalities: ['TEXT', 'IMAGE'],
      candidateCount: GEMINI_IMAGES_PER_CALL,
      // Prompt-only models (gemini-2.0) get no imageConfig at all.
      ...(Object.keys(imageConfig).length > 0 ? { imageConfig } : {}),
    },
  };
}

/** `models/{model}:generateContent`; a model_map entry may carry Google's own `models/` prefix. */
function generateContentPath(upstreamModel: string): string {
  return `/models/${encodeURIComponent(upstreamModel.replace(/^models\//, ''))}:generateContent`;
}

/**
 * Google's envelope says more than the status: a bad key is a 400 with ErrorInfo API_KEY_INVALID,
 * an unusable project (region, billing) is FAILED_PRECONDITION, and a 429 names its wait in RetryInfo.
 */
function classifyGeminiError(status: number, text: string, headers: Headers): UpstreamError | undefined {
  const error = parseErrorBody(text);
  const message = extractMessage(text);
  const details = Array.isArray(error?.details) ? error.details : [];
  if (details.some((d) => typeof d?.reason === 'string' && AUTH_REASONS.has(d.reason))) {
    return new UpstreamError('auth', message || 'the upstream rejected the API key', { status });
  }
  if (status === 400 && error?.status === 'FAILED_PRECONDITION') {
    return new UpstreamError('auth', message || 'the upstream project cannot use this API', { status });
  }
  if (status === 429) {
    return new UpstreamError('rate_limited', message || 'the upstream quota is exhausted', {
      status,
      retryAfterMs: retryDelayMs(details) ?? retryAfterMs(headers),
    });
  }
  return undefined;
}

function parseErrorBody(text: string): GeminiErrorBody['error'] | undefined {
  try {
    const body = JSON.parse(text) as Partial<GeminiErrorBody> | null;
    return body && typeof body.error === 'object' && body.error !== null ? body.error : undefined;
  } catch {
    return undefined;
  }
}

/** google.rpc.RetryInfo.retryDelay is a protobuf Duration in JSON: "30s", "1.5s". */
function retryDelayMs(details: GeminiErrorDetail[]): number | undefined {
  for (const detail of details) {
    if (!String(detail?.['@type'] ?? '').endsWith('google.rpc.RetryInfo')) continue;
    const m = /^(\d+(?:\.\d+)?)s$/.exec(String(detail.retryDelay ?? ''));
    if (m) return Math.round(Number(m[1]) * 1000);
  }
  return undefined;
}

/** Thinking models may show interim images in `thought` parts; the answer is the last other image. */
function finalImage(parts: GeminiPart[] | undefined): UpstreamImage | undefined {
  if (!Array.isArray(parts)) return undefined;
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i];
    const blob = part?.inlineData;
    if (part?.thought === true || !blob || typeof blob.data !== 'string' || !String(blob.mimeType ?? '').startsWith('image/')) continue;
    return { bytes: Buffer.from(blob.data, 'base64'), mime: blob.mimeType };
  }
  return undefined;
}

function hasText(candidate: GeminiCandidate): boolean {
  return (candidate.content?.parts ?? []).some((p) => p?.thought !== true && typeof p?.text === 'string' && p.text.trim() !== '');
}

export function readImages(body: GeminiGenerateContentResponse, status: number): GenerateResult {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new UpstreamError('upstream_fault', 'the upstream answer is not a generateContent response', { status });
  }
  const blockReason = body.promptFeedback?.blockReason;
  if (blockReason) throw new UpstreamError('moderated', `the upstream blocked the prompt (${blockReason})`, { status });

  const candidate = Array.isArray(body.candidates) ? body.candidates[0] : undefined;
  if (!candidate || typeof candidate !== 'object') {
    throw new UpstreamError('upstream_fault', 'the upstream answered with no candidate', { status });
  }
  const finishReason = typeof candidate.finishReason === 'string' ? candidate.finishReason : undefined;
  if (finishReason && BLOCKING_FINISH_REASONS.has(finishReason)) {
    throw new UpstreamError('moderated', `the upstream withheld the image (${finishReason})`, { status });
  }

  const image = finalImage(candidate.content?.parts);
  if (image && image.bytes!.length > 0) {
    return { images: [image], ...(body.usageMetadata ? { usage: { ...body.usageMetadata } } : {}) };
  }
  if (image || (!hasText(candidate) && (!finishReason || finishReason === 'STOP'))) {
    throw new UpstreamError('upstream_fault', 'the upstream answered without content', { status });
  }
  // The model's own words stay out of the message: they are upstream output, not Easel's to relay.
  throw new UpstreamError('bad_request', `the model answered without an image (finishReason ${finishReason ?? 'unknown'}); rephrase the prompt as an image request`, { status });
}

async function generate(req: NormalizedImageRequest, ctx: CallContext): Promise<GenerateResult> {
  const res = await callUpstream({
    url: joinUrl(ctx.channel.baseUrl, generateContentPath(ctx.upstreamModel)),
    // The header, not ?key=: keys in URLs end up in proxy and access logs.
    headers: { 'x-goog-api-key': ctx.channel.apiKey },
    json: generateBody(req),
    signal: ctx.signal,
    classify: classifyGeminiError,
  });
  return readImages(parseJson<GeminiGenerateContentResponse>(res), res.status);
}

export const geminiProvider = defineProvider({
  name: 'gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
  maxImagesPerCall: GEMINI_IMAGES_PER_CALL,
  generate,
});
