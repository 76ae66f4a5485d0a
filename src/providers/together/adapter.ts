// Together AI (upstreams.md §9.3): hosted FLUX.1 [schnell] behind an OpenAI-like JSON endpoint that
// takes exact width/height. Its safety checker refuses with 422 (docs.together.ai images overview).

import { outputDimensions } from '../../catalog/dimensions.ts';
import type { NormalizedImageRequest } from '../../catalog/types.ts';
import { callUpstream, extractMessage, joinUrl, parseJson } from '../http.ts';
import { type CallContext, defineProvider, type GenerateResult, type UpstreamImage, UpstreamError } from '../types.ts';
import type { TogetherGenerationRequest, TogetherImageResponse } from './wire.ts';

/** Together returns 1–4 images per call. */
const TOGETHER_MAX_IMAGES_PER_CALL = 4;
/** FLUX.1 [schnell] is distilled for 4 steps; Together's own default (20) is meant for the dev/pro models. */
const TOGETHER_SCHNELL_STEPS = 4;

export function generateBody(req: NormalizedImageRequest, model: string): TogetherGenerationRequest {
  const { width, height } = typeof req.size === 'object' ? req.size : outputDimensions(req);
  const body: TogetherGenerationRequest = {
    model,
    prompt: req.prompt,
    width,
    height,
    steps: TOGETHER_SCHNELL_STEPS,
    n: req.n,
    // Inline bytes: a CDN URL would cost Easel a second fetch before it can store the image.
    response_format: 'base64',
  };
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.negativePrompt) body.negative_prompt = req.negativePrompt;
  return body;
}

/** 422 is the safety checker's answer; a 400/422 that names it is a moderation outcome too. */
export function classifyTogetherError(status: number, text: string): UpstreamError | undefined {
  if (status !== 400 && status !== 422) return undefined;
  const message = extractMessage(text);
  if (status === 422 || /nsfw|safety|flagged/i.test(message)) {
    return new UpstreamError('moderated', message || 'the request was refused by the safety checker', { status });
  }
  return undefined;
}

export function readImages(body: TogetherImageResponse, status: number): GenerateResult {
  if (!body || !Array.isArray(body.data) || body.data.length === 0) {
    throw new UpstreamError('upstream_fault', 'the upstream answer has no images', { status });
  }
  const ordered = [...body.data].sort((a, b) => (a?.index ?? 0) - (b?.index ?? 0));
  const images = ordered.map((item): UpstreamImage => {
    if (item?.b64_json) return { bytes: Buffer.from(item.b64_json, 'base64') };
    if (item?.url) return { url: item.url };
    throw new UpstreamError('upstream_fault', 'the upstream answered with an image entry that has no image', { status });
  });
  return { images };
}

async function generate(req: NormalizedImageRequest, ctx: CallContext): Promise<GenerateResult> {
  const res = await callUpstream({
    url: joinUrl(ctx.channel.baseUrl, '/images/generations'),
    headers: { authorization: `Bearer ${ctx.channel.apiKey}` },
    json: generateBody(req, ctx.upstreamModel),
    signal: ctx.signal,
    classify: classifyTogetherError,
  });
  return readImages(parseJson<TogetherImageResponse>(res), res.status);
}

export const togetherProvider = defineProvider({
  name: 'together',
  defaultBaseUrl: 'https://api.together.xyz/v1',
  maxImagesPerCall: TOGETHER_MAX_IMAGES_PER_CALL,
  generate,
});
