// Stability SD 3.5: one multipart call makes one image, asked for as raw bytes (`accept: image/*`) so
// no base64 round trip. The verdict travels in the `finish-reason` header: CONTENT_FILTERED means the
// image was generated but blurred by Stability's moderation, so it is never delivered; the request
// fails as moderated instead.

import type { NormalizedImageRequest } from '../../catalog/types.ts';
import { sniffImageType } from '../../util/image-type.ts';
import { callUpstream, extractMessage, joinUrl, multipartBody, type UpstreamResponse } from '../http.ts';
import { type CallContext, defineProvider, type GenerateResult, UpstreamError } from '../types.ts';
import { STABILITY_HEADERS, STABILITY_MODERATION_NAMES, STABILITY_SD3_PATH, type StabilitySd3Request } from './wire.ts';

/** A header value Stability documents as ≤ 256 characters; anything else is not sent. */
const CLIENT_USER_ID = /^[\x21-\x7e]{1,256}$/;

/** The sd3 fields; they travel as multipart parts. */
function generateBody(req: NormalizedImageRequest, upstreamModel: string): StabilitySd3Request {
  const wire: StabilitySd3Request = { prompt: req.prompt, mode: 'text-to-image', model: upstreamModel };
  if (req.aspectRatio) wire.aspect_ratio = req.aspectRatio;
  if (req.negativePrompt) wire.negative_prompt = req.negativePrompt;
  if (req.seed !== undefined) wire.seed = req.seed;
  if (req.outputFormat === 'png' || req.outputFormat === 'jpeg') wire.output_format = req.outputFormat;
  return wire;
}

/** 403 is moderation when the body names it so; otherwise the status rules apply (403 → auth). */
function classifyStabilityError(status: number, body: string): UpstreamError | undefined {
  if (status !== 403 && status !== 422) return undefined;
  let name: unknown;
  try {
    name = JSON.parse(body)?.name;
  } catch {
    return undefined;
  }
  if ((STABILITY_MODERATION_NAMES as readonly unknown[]).includes(name)) {
    return new UpstreamError('moderated', extractMessage(body) || 'the request was flagged by moderation', { status });
  }
  return undefined;
}

/** The answer is the image itself (raw bytes), with the verdict in the finish-reason header. */
function readImages(res: UpstreamResponse): GenerateResult {
  const finishReason = res.headers.get(STABILITY_HEADERS.finishReason);
  if (finishReason === 'CONTENT_FILTERED') {
    throw new UpstreamError('moderated', 'the image was filtered by the upstream moderation', { status: res.status });
  }
  if (finishReason !== null && finishReason !== 'SUCCESS') {
    throw new UpstreamError('upstream_fault', 'the upstream finished without an image', { status: res.status });
  }
  const mime = sniffImageType(res.body);
  if (!mime || !(res.headers.get('content-type') ?? '').startsWith('image/')) {
    throw new UpstreamError('upstream_fault', 'the upstream answered without an image', { status: res.status });
  }
  return { images: [{ bytes: res.body, mime }] };
}

async function generate(req: NormalizedImageRequest, ctx: CallContext): Promise<GenerateResult> {
  const headers: Record<string, string> = { authorization: `Bearer ${ctx.channel.apiKey}`, accept: 'image/*' };
  if (req.user && CLIENT_USER_ID.test(req.user)) headers[STABILITY_HEADERS.clientUserId] = req.user;
  const res = await callUpstream({
    method: 'POST',
    url: joinUrl(ctx.channel.baseUrl, STABILITY_SD3_PATH),
    headers,
    form: multipartBody(generateBody(req, ctx.upstreamModel)),
    signal: ctx.signal,
    classify: classifyStabilityError,
  });
  return readImages(res);
}

export const stabilityProvider = defineProvider({
  name: 'stability',
  defaultBaseUrl: 'https://api.stability.ai',
  maxImagesPerCall: 1,
  generate,
});
