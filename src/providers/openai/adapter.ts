// OpenAI Images: POST {base}/images/generations, /images/edits and /images/variations with a Bearer
// key. The request building, the response reading and the error reading are exported because Azure
// OpenAI speaks the same bodies: its adapter reuses them and changes only the URL, the auth header
// and the error envelope.
//
// What differs by model (DALL·E's response_format, one image per call on dall-e-3, multipart-only
// edits) is catalogue data, ModelEntry.wire.openai / .azure, handed in with the call.

import type { FormData } from 'undici';
import type { OpenAIImagesWire } from '../../catalog/model-entry.ts';
import { sizeParam } from '../../catalog/size-rules.ts';
import type { InputImage, NormalizedImageRequest, ResponseFormat } from '../../catalog/types.ts';
import { Base64Text } from '../../util/base64-text.ts';
import { imageFromBase64 } from '../base64-image.ts';
import { extractMessage, joinUrl, multipartBody, type OpenedUpstream, openUpstream, readJsonWithImages, transportError, type UpstreamCall, type WireBody } from '../http.ts';
import { readSse } from '../sse.ts';
import {
  type CallContext,
  type Channel,
  defineProvider,
  type GenerateResult,
  type StreamedImageFields,
  type UpstreamImage,
  UpstreamError,
  type UpstreamStreamEvent,
} from '../types.ts';
import {
  type CreateImageRequest,
  type CreateImageVariationFields,
  type EditImageJsonRequest,
  type ErrorBody,
  type ImageItem,
  type ImageStreamEventBody,
  type ImagesResponse,
  MAX_IMAGE_URL_CHARS,
  OPENAI_MODERATION_CODES,
  STREAM_EVENT_PREFIX,
  type StreamEventPrefix,
} from './wire.ts';

/** OpenAI's `n` ceiling per call. */
const OPENAI_MAX_IMAGES_PER_CALL = 10;

/** Images one call may ask for, given the model's wire facts; routing fans out above it. */
export function imagesPerCall(facts: OpenAIImagesWire | undefined): number {
  return Math.min(facts?.imagesPerCall ?? OPENAI_MAX_IMAGES_PER_CALL, OPENAI_MAX_IMAGES_PER_CALL);
}

/** Channel option naming what DALL·E is asked to return; b64_json saves the download hop and outlives the 60-minute URLs. */
const UPSTREAM_RESPONSE_FORMAT_OPTION = 'upstream_response_format';

const MIME = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;

/** What a model that takes response_format is asked to return on this channel (b64_json unless the channel says url). */
function upstreamResponseFormat(channel: Channel): 'url' | 'b64_json' {
  return channel.options[UPSTREAM_RESPONSE_FORMAT_OPTION] === 'url' ? 'url' : 'b64_json';
}

/** What the call names besides the request: the model (absent on Azure), response_format, and how edits may travel. */
export interface WireChoice {
  model?: string;
  responseFormat?: 'url' | 'b64_json';
  /** The model has no JSON edit body (DALL·E 2). */
  multipartEditsOnly?: boolean;
}

/** The WireChoice for one call: `model` is the name to send (undefined on Azure), `facts` the catalogue's wire data for the model. */
export function wireChoice(ctx: CallContext, facts: OpenAIImagesWire | undefined, model: string | undefined): WireChoice {
  return {
    model,
    responseFormat: facts?.takesResponseFormat ? upstreamResponseFormat(ctx.channel) : undefined,
    multipartEditsOnly: facts?.multipartEditsOnly,
  };
}

/**
 * The generations body for OpenAI and Azure alike. Only fields the model's contract let through are
 * set on the request, so this maps names and never filters by model, with two exceptions the upstream
 * forces: `response_format` only where the model takes it (the wire choice names it: DALL·E), and
 * `output_compression` only with jpeg/webp.
 * `input_fidelity` is never in a normalized request and so is never sent.
 */
export function generateBody(req: NormalizedImageRequest, wire: WireChoice): CreateImageRequest {
  const body: CreateImageRequest = { prompt: req.prompt, n: req.n };
  if (wire.model !== undefined) body.model = wire.model;
  if (req.size !== undefined) body.size = sizeParam(req.size);
  if (req.quality !== undefined) body.quality = req.quality;
  if (req.style !== undefined) body.style = req.style;
  if (req.background !== undefined) body.background = req.background;
  if (req.outputFormat !== undefined) body.output_format = req.outputFormat;
  if (req.outputCompression !== undefined && (req.outputFormat === 'jpeg' || req.outputFormat === 'webp')) {
    body.output_compression = req.outputCompression;
  }
  if (req.moderation !== undefined) body.moderation = req.moderation;
  if (req.user !== undefined) body.user = req.user;
  if (wire.responseFormat !== undefined) body.response_format = wire.responseFormat;
  return body;
}

/**
 * An ImagesResponse as readJsonWithImages reads it: each `b64_json` as Base64Text, or as the decoded
 * bytes when decoded as read; a string where the key came escaped (JSON.parse read it).
 */
export type ImagesResponseRead = Omit<ImagesResponse, 'data'> & { data?: Array<Omit<ImageItem, 'b64_json'> & { b64_json?: Base64Text | Buffer | string }> };

/** The key of ImagesResponse's base64 images, which readJsonWithImages keeps out of the parsed text. */
const IMAGE_KEY = 'b64_json';

/**
 * Sends the call and reads its ImagesResponse (OpenAI and Azure alike), the images never whole as
 * strings. An image the client wants as a URL is decoded as it comes (the blob store takes bytes);
 * one wanted as b64_json keeps its text. Either serves both formats, so a create that turns into a
 * task (stored as a URL) or a format that changes is still answered right.
 */
export async function postImages(call: UpstreamCall, format: ResponseFormat): Promise<GenerateResult> {
  const opened = await openUpstream(call);
  return readImages(await readJsonWithImages<ImagesResponseRead>(opened, call.signal, IMAGE_KEY, format === 'url'), opened.status);
}

/** Images (base64 or upstream URLs) and usage from an ImagesResponse; no image at all is an upstream fault. */
export function readImages(body: ImagesResponseRead, status: number): GenerateResult {
  const items = Array.isArray(body?.data) ? body.data : [];
  const mime = MIME[body?.output_format ?? 'png'] ?? MIME.png;
  const images: UpstreamImage[] = [];
  for (const item of items) {
    const image = readItem(item, mime, status);
    if (image) images.push(image);
  }
  if (images.length === 0) throw new UpstreamError('upstream_fault', 'the upstream answered without an image', { status });
  const result: GenerateResult = { images };
  if (body.usage && typeof body.usage === 'object') result.usage = { ...body.usage };
  return result;
}

function readItem(item: NonNullable<ImagesResponseRead['data']>[number] | undefined, mime: string, status: number): UpstreamImage | undefined {
  if (!item || typeof item !== 'object') return undefined;
  let image: UpstreamImage;
  if ((typeof item.b64_json === 'string' || item.b64_json instanceof Base64Text || Buffer.isBuffer(item.b64_json)) && item.b64_json.length > 0) {
    image = imageFromBase64(item.b64_json, { mime }, status);
  } else if (typeof item.url === 'string' && /^https?:\/\//i.test(item.url)) {
    image = { url: item.url };
  } else {
    return undefined;
  }
  if (typeof item.revised_prompt === 'string' && item.revised_prompt) image.revisedPrompt = item.revised_prompt;
  return image;
}

/** The `error` object of an OpenAI-shaped error body, if the body is one. */
export function errorObject(text: string): (NonNullable<ErrorBody['error']> & Record<string, unknown>) | undefined {
  try {
    const body = JSON.parse(text) as ErrorBody;
    return body && typeof body.error === 'object' && body.error ? (body.error as NonNullable<ErrorBody['error']> & Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * OpenAI's own error codes where the status alone misleads: a safety refusal is a 400 that must not
 * be retried elsewhere as if malformed, and `model_not_found` (a DALL·E model retired on this account)
 * says the channel cannot serve the model, not that the client asked wrongly, so it fails over.
 */
export function classifyOpenAIError(status: number, text: string): UpstreamError | undefined {
  const code = errorObject(text)?.code;
  if (typeof code !== 'string') return undefined;
  if (OPENAI_MODERATION_CODES.includes(code)) {
    return new UpstreamError('moderated', extractMessage(text) || 'rejected by the safety system', { status });
  }
  if (code === 'model_not_found') {
    return new UpstreamError('upstream_fault', 'the channel does not serve this model (model_not_found)', { status });
  }
  return undefined;
}

/**
 * The multipart edit body (OpenAI and Azure): the generation fields as parts, one source as `image`
 * or several as repeated `image[]` (the SDK's spelling), and the mask. The multipart variant has no
 * `moderation` field, so it is left out here (see editBody).
 */
export function editFormBody(req: NormalizedImageRequest, wire: WireChoice): { form: FormData } {
  const sources = req.images ?? [];
  if (sources.length === 0) throw new UpstreamError('bad_request', 'the edit has no source image to upload');
  const { moderation: _dropped, ...fields } = generateBody(req, wire);
  const name = sources.length > 1 ? 'image[]' : 'image';
  const files = sources.map((image, i) => ({ name, image, basename: `image-${i + 1}` }));
  if (req.mask) files.push({ name: 'mask', image: req.mask, basename: 'mask' });
  return { form: multipartBody(fields, files) };
}

const dataUrl = (image: InputImage) => `data:${image.mime};base64,${image.bytes.toString('base64')}`;

/**
 * How a GPT image edit travels. Every source arrives as bytes (the pipeline fetched and measured any
 * URL the client gave), and multipart carries any size of upload, so it is the default; the JSON
 * variant is used when the client set `moderation` (only JSON has that field) and every upload fits
 * in a data URL. DALL·E 2 edits are multipart only.
 */
export function editBody(req: NormalizedImageRequest, wire: WireChoice): WireBody {
  const uploads = [...(req.images ?? []), ...(req.mask ? [req.mask] : [])];
  const fitsJson = uploads.every((image) => Math.ceil(image.bytes.length / 3) * 4 + 32 <= MAX_IMAGE_URL_CHARS);
  const json = !wire.multipartEditsOnly && req.moderation !== undefined && fitsJson;
  if (!json) return editFormBody(req, wire);
  const { response_format: _never, style: _none, ...fields } = generateBody(req, wire);
  const images = (req.images ?? []).map((image) => ({ image_url: dataUrl(image) }));
  if (images.length === 0) throw new UpstreamError('bad_request', 'the edit has no source image');
  const body: EditImageJsonRequest = { ...fields, images };
  if (req.mask) body.mask = { image_url: dataUrl(req.mask) };
  return { json: body };
}

/** The variations body (DALL·E 2, multipart): one square PNG and the few fields the endpoint has. */
function varyBody(req: NormalizedImageRequest, wire: WireChoice): { form: FormData } {
  const image = req.images?.[0];
  if (!image) throw new UpstreamError('bad_request', 'the variation has no source image to upload');
  const fields: CreateImageVariationFields = { model: wire.model, n: req.n, user: req.user, response_format: wire.responseFormat };
  if (req.size !== undefined && req.size !== 'auto') fields.size = sizeParam(req.size);
  return { form: multipartBody(fields, [{ name: 'image', image, basename: 'image' }]) };
}

/**
 * The stream's own fields added to a generations or edit body: `stream: true`, and `partial_images`
 * when the client asked for a number (the upstream's default is 0: the final image only).
 */
export function withStream(body: WireBody, req: NormalizedImageRequest): WireBody {
  const fields: Pick<CreateImageRequest, 'stream' | 'partial_images'> = { stream: true };
  if (req.partialImages !== undefined) fields.partial_images = req.partialImages;
  if (!body.form) return { json: { ...(body.json as object), ...fields } };
  for (const [name, value] of Object.entries(fields)) body.form.append(name, String(value));
  return body;
}

/** One event's data may be this long: the largest gpt-image-2 PNG (8.3 MP) is far below it as base64. */
const MAX_STREAM_EVENT_CHARS = 96 * 1024 * 1024;

/** How a provider's stream is read: the endpoint's event names, and its reading of an error. */
export interface StreamReading {
  prefix: StreamEventPrefix;
  classify: (status: number, text: string) => UpstreamError | undefined;
  signal: AbortSignal;
}

/**
 * Reads an image event stream (OpenAI and Azure alike): each partial image and then the completed
 * event go to `onEvent` as they arrive, and the completed image is the result, with its usage. An
 * error event, a stream that ends before its completed event, or a connection cut midway is an
 * UpstreamError. An upstream that answered the request whole (JSON) is read as a stream of only its
 * completed event.
 */
export async function readImageStream(opened: OpenedUpstream, how: StreamReading, onEvent: (event: UpstreamStreamEvent) => void): Promise<GenerateResult> {
  if (!/^text\/event-stream/i.test(opened.headers.get('content-type') ?? '')) return wholeAnswerAsStream(opened, how.signal, onEvent);
  try {
    for await (const message of readSse(opened.body, MAX_STREAM_EVENT_CHARS)) {
      const event = parseStreamEvent(message.data, opened.status);
      if (event.error) {
        const text = JSON.stringify({ error: event.error });
        throw how.classify(opened.status, text) ?? new UpstreamError('upstream_fault', extractMessage(text) || 'the upstream stream reported an error', { status: opened.status });
      }
      const fields = eventFields(event);
      if (event.type === `${how.prefix}.partial_image`) {
        onEvent({ kind: 'partial', index: Number(event.partial_image_index ?? 0), b64: streamedBase64(event, opened.status), fields });
      } else if (event.type === `${how.prefix}.completed`) {
        const b64 = streamedBase64(event, opened.status);
        const usage = event.usage && typeof event.usage === 'object' ? { ...event.usage } : undefined;
        onEvent({ kind: 'completed', b64, fields, usage });
        const image = imageFromBase64(b64, { mime: MIME[event.output_format ?? 'png'] ?? MIME.png }, opened.status);
        return usage ? { images: [image], usage } : { images: [image] };
      }
    }
  } catch (err) {
    throw err instanceof UpstreamError ? err : transportError(err, how.signal);
  } finally {
    // Past the completed event nothing more is read: the connection is let go rather than drained.
    opened.body.destroy();
  }
  throw new UpstreamError('upstream_fault', 'the upstream stream ended before its final image', { status: opened.status });
}

async function wholeAnswerAsStream(opened: OpenedUpstream, signal: AbortSignal, onEvent: (event: UpstreamStreamEvent) => void): Promise<GenerateResult> {
  const body = await readJsonWithImages<ImagesResponseRead>(opened, signal, IMAGE_KEY);
  const result = readImages(body, opened.status);
  const base64 = result.images[0].base64;
  if (!base64) throw new UpstreamError('upstream_fault', 'the upstream answered a stream request with an image URL', { status: opened.status });
  onEvent({ kind: 'completed', b64: base64.toString(), fields: eventFields(body), usage: result.usage });
  return { ...result, images: result.images.slice(0, 1) };
}

function parseStreamEvent(data: string, status: number): ImageStreamEventBody {
  try {
    const event = JSON.parse(data) as ImageStreamEventBody;
    if (event && typeof event === 'object') return event;
  } catch {
    // fall through
  }
  throw new UpstreamError('upstream_fault', 'the upstream sent a stream event that is not JSON', { status });
}

function streamedBase64(event: ImageStreamEventBody, status: number): string {
  if (typeof event.b64_json === 'string' && event.b64_json.length > 0) return event.b64_json;
  throw new UpstreamError('upstream_fault', 'the upstream sent a stream event without its image', { status });
}

/** The settings an event (or a whole answer) echoes, as they came. */
function eventFields(event: ImageStreamEventBody | ImagesResponseRead): StreamedImageFields {
  const fields: StreamedImageFields = {};
  if ('created_at' in event && typeof event.created_at === 'number') fields.created_at = event.created_at;
  for (const key of ['size', 'quality', 'background', 'output_format'] as const) {
    if (typeof event[key] === 'string') fields[key] = event[key];
  }
  return fields;
}

/** The model named in every OpenAI body, and what the catalogue says of it on this protocol. */
const openaiWire = (ctx: CallContext): WireChoice => wireChoice(ctx, ctx.wire.openai, ctx.upstreamModel);

const bearer = (ctx: CallContext) => ({ authorization: `Bearer ${ctx.channel.apiKey}` });

async function post(path: string, body: WireBody, req: NormalizedImageRequest, ctx: CallContext): Promise<GenerateResult> {
  return postImages({ url: joinUrl(ctx.channel.baseUrl, path), headers: bearer(ctx), ...body, signal: ctx.signal, classify: classifyOpenAIError }, req.responseFormat);
}

async function postStream(operation: 'generations' | 'edits', body: WireBody, ctx: CallContext, onEvent: (event: UpstreamStreamEvent) => void): Promise<GenerateResult> {
  const opened = await openUpstream({ url: joinUrl(ctx.channel.baseUrl, `images/${operation}`), headers: bearer(ctx), ...body, signal: ctx.signal, classify: classifyOpenAIError });
  return readImageStream(opened, { prefix: STREAM_EVENT_PREFIX[operation], classify: classifyOpenAIError, signal: ctx.signal }, onEvent);
}

export const openaiProvider = defineProvider({
  name: 'openai',
  defaultBaseUrl: 'https://api.openai.com/v1',
  maxImagesPerCall: (_req, ctx) => imagesPerCall(ctx?.wire.openai),
  generate: async (req, ctx) => post('images/generations', { json: generateBody(req, openaiWire(ctx)) }, req, ctx),
  edit: async (req, ctx) => post('images/edits', editBody(req, openaiWire(ctx)), req, ctx),
  vary: async (req, ctx) => post('images/variations', varyBody(req, openaiWire(ctx)), req, ctx),
  generateStream: async (req, ctx, onEvent) => postStream('generations', withStream({ json: generateBody(req, openaiWire(ctx)) }, req), ctx, onEvent),
  editStream: async (req, ctx, onEvent) => postStream('edits', withStream(editBody(req, openaiWire(ctx)), req), ctx, onEvent),
});
