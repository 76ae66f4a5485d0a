// Ideogram 3.0: one multipart call makes up to 8 images, handed back as expiring URLs that the
// pipeline downloads. Unsafe images come back as `is_image_safe:false` with no URL; a prompt that
// fails the safety check is a 422.

import type { NormalizedImageRequest } from '../../catalog/types.ts';
import { callUpstream, extractMessage, joinUrl, multipartBody, parseJson } from '../http.ts';
import { type CallContext, defineProvider, type GenerateResult, UpstreamError, type UpstreamImage } from '../types.ts';
import {
  IDEOGRAM_GENERATE_PATH,
  IDEOGRAM_MAX_IMAGES_PER_CALL,
  type IdeogramAspectRatio,
  type IdeogramGenerateRequest,
  type IdeogramGenerateResponse,
  type IdeogramRenderingSpeed,
} from './wire.ts';

/** The generate fields; they travel as multipart parts. */
function generateBody(req: NormalizedImageRequest): IdeogramGenerateRequest {
  // Routing fans out above maxImagesPerCall; the clamp only keeps a call inside NumImages.
  const wire: IdeogramGenerateRequest = { prompt: req.prompt, num_images: Math.min(req.n, IDEOGRAM_MAX_IMAGES_PER_CALL) };
  if (req.aspectRatio) wire.aspect_ratio = req.aspectRatio.replace(':', 'x') as IdeogramAspectRatio;
  // The catalogue exposes rendering_speed as `quality`, lower-cased.
  if (req.quality) wire.rendering_speed = req.quality.toUpperCase() as IdeogramRenderingSpeed;
  if (req.expandPrompt !== undefined) wire.magic_prompt = req.expandPrompt ? 'ON' : 'OFF';
  if (req.negativePrompt) wire.negative_prompt = req.negativePrompt;
  if (req.seed !== undefined) wire.seed = req.seed;
  return wire;
}

/** The only documented 422 of generate is GenerateImageSafetyError. */
function classifyIdeogramError(status: number, body: string): UpstreamError | undefined {
  if (status === 422) return new UpstreamError('moderated', extractMessage(body) || 'the prompt failed the safety check', { status });
  return undefined;
}

/** The images of a generate answer; `prompt` is the client's, so a Magic Prompt rewrite can be told from it. */
function readImages(body: IdeogramGenerateResponse, status: number, prompt: string): GenerateResult {
  if (!body || !Array.isArray(body.data) || body.data.length === 0) {
    throw new UpstreamError('upstream_fault', 'the upstream answered without images', { status });
  }
  const safe = body.data.filter((item) => item?.is_image_safe !== false);
  // Some images withheld: deliver the rest. All withheld: that is a moderation outcome, not a fault.
  if (safe.length === 0) throw new UpstreamError('moderated', 'every image was withheld by the safety check', { status });
  const images: UpstreamImage[] = [];
  for (const item of safe) {
    if (typeof item.url !== 'string' || !/^https?:\/\//.test(item.url)) continue;
    const image: UpstreamImage = { url: item.url };
    // `prompt` is the Magic Prompt rewrite when one happened.
    if (typeof item.prompt === 'string' && item.prompt && item.prompt !== prompt) image.revisedPrompt = item.prompt;
    images.push(image);
  }
  if (images.length === 0) throw new UpstreamError('upstream_fault', 'the upstream answered without image URLs', { status });
  return { images };
}

async function generate(req: NormalizedImageRequest, ctx: CallContext): Promise<GenerateResult> {
  const res = await callUpstream({
    method: 'POST',
    url: joinUrl(ctx.channel.baseUrl, IDEOGRAM_GENERATE_PATH),
    headers: { 'api-key': ctx.channel.apiKey, accept: 'application/json' },
    form: multipartBody(generateBody(req)),
    signal: ctx.signal,
    classify: classifyIdeogramError,
  });
  return readImages(parseJson<IdeogramGenerateResponse>(res), res.status, req.prompt);
}

export const ideogramProvider = defineProvider({
  name: 'ideogram',
  defaultBaseUrl: 'https://api.ideogram.ai',
  maxImagesPerCall: IDEOGRAM_MAX_IMAGES_PER_CALL,
  generate,
});
