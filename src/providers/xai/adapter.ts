// xAI Grok Imagine (upstreams.md §4): JSON in, JSON out, for generations and edits alike. Selectors
// are aspect_ratio + resolution; size/style are never sent because xAI rejects them. Moderation is
// silent (HTTP 200 with no image), so the success body is read with care rather than trusted.

import type { NormalizedImageRequest } from '../../catalog/types.ts';
import { callUpstream, extractMessage, joinUrl, parseJson } from '../http.ts';
import { type CallContext, defineProvider, type GenerateResult, type UpstreamImage, UpstreamError } from '../types.ts';
import type { XaiEditRequest, XaiGenerationRequest, XaiImageItem, XaiImageRef, XaiImageResponse, XaiNativeError, XaiOpenAiStyleError } from './wire.ts';

/** xAI makes 1–10 images per call. */
const XAI_MAX_IMAGES_PER_CALL = 10;

export function generateBody(req: NormalizedImageRequest, model: string): XaiGenerationRequest {
  const body: XaiGenerationRequest = {
    model,
    prompt: req.prompt,
    n: req.n,
    // Inline bytes: a temporary imgen URL would cost a second round trip and can expire before Easel fetches it.
    response_format: 'b64_json',
  };
  if (req.aspectRatio) body.aspect_ratio = req.aspectRatio;
  if (req.resolution) body.resolution = req.resolution.toLowerCase() as XaiGenerationRequest['resolution'];
  if (req.quality) body.quality = req.quality as XaiGenerationRequest['quality'];
  if (req.user) body.user = req.user;
  return body;
}

/** Sources travel inline as data URIs: Easel has already fetched and checked them, so xAI need not. */
export function editBody(req: NormalizedImageRequest, model: string): XaiEditRequest {
  const sources: XaiImageRef[] = (req.images ?? []).map((img) => ({ url: `data:${img.mime};base64,${img.bytes.toString('base64')}`, type: 'image_url' }));
  if (sources.length === 0) throw new UpstreamError('bad_request', 'the edit has no source image');
  const body: XaiEditRequest = generateBody(req, model);
  if (sources.length === 1) body.image = sources[0];
  else body.images = sources;
  return body;
}

/**
 * xAI answers a wrong key with 400 INVALID_ARGUMENT "Incorrect API key provided" rather than 401, and
 * refuses some prompts with a 400 naming moderation: neither is the client's malformed request.
 */
export function classifyXaiError(status: number, text: string): UpstreamError | undefined {
  if (status !== 400 && status !== 422) return undefined;
  // Match on the raw wording (the scrubbed message has "API key ..." redacted); report the scrubbed one.
  const raw = rawMessage(text);
  if (/(incorrect|invalid|missing) api key/i.test(raw)) return new UpstreamError('auth', 'the upstream refused the channel\'s API key', { status });
  if (/moderation|content policy/i.test(raw)) return new UpstreamError('moderated', extractMessage(text), { status });
  return undefined;
}

/** The error text of either xAI form, {code, error} or {error:{message}}; never leaves this module. */
function rawMessage(text: string): string {
  try {
    const body = JSON.parse(text) as Partial<XaiNativeError> | Partial<XaiOpenAiStyleError> | null;
    const value = typeof body?.error === 'string' ? body.error : body?.error?.message;
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

function toImage(item: XaiImageItem): UpstreamImage | undefined {
  const mime = item.mime_type ?? undefined;
  const revisedPrompt = item.revised_prompt ?? undefined;
  if (item.b64_json) return { bytes: Buffer.from(item.b64_json, 'base64'), mime, revisedPrompt };
  if (item.url) return { url: item.url, mime, revisedPrompt };
  return undefined;
}

export function readImages(body: XaiImageResponse, status: number): GenerateResult {
  if (!body || !Array.isArray(body.data)) {
    throw new UpstreamError('upstream_fault', 'the upstream answer has no image list', { status });
  }
  // An empty list is how xAI says the whole request was blocked.
  if (body.data.length === 0) throw new UpstreamError('moderated', 'the upstream withheld every image (content moderation)', { status });
  const images: UpstreamImage[] = [];
  let withheld = 0;
  for (const item of body.data) {
    const image = toImage(item ?? {});
    if (image) images.push(image);
    else if (item?.respect_moderation === false) withheld++;
    else throw new UpstreamError('upstream_fault', 'the upstream answered with an image entry that has no image', { status });
  }
  // Some images passed, some were withheld: deliver (and bill) the ones that exist.
  if (images.length === 0) throw new UpstreamError('moderated', `the upstream withheld all ${withheld} image(s) (content moderation)`, { status });
  return { images, ...(body.usage ? { usage: { ...body.usage } } : {}) };
}

async function post(path: string, json: XaiGenerationRequest, ctx: CallContext): Promise<GenerateResult> {
  const res = await callUpstream({
    url: joinUrl(ctx.channel.baseUrl, path),
    headers: { authorization: `Bearer ${ctx.channel.apiKey}` },
    json,
    signal: ctx.signal,
    classify: classifyXaiError,
  });
  return readImages(parseJson<XaiImageResponse>(res), res.status);
}

export const xaiProvider = defineProvider({
  name: 'xai',
  defaultBaseUrl: 'https://api.x.ai/v1',
  maxImagesPerCall: XAI_MAX_IMAGES_PER_CALL,
  generate: async (req, ctx) => post('/images/generations', generateBody(req, ctx.upstreamModel), ctx),
  edit: async (req, ctx) => post('/images/edits', editBody(req, ctx.upstreamModel), ctx),
});
