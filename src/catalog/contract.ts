// The contract engine. Every image request passes here before any money moves or any upstream is
// called: the model is resolved, the operation chosen, every field checked against what that model's
// operation accepts, and the request normalized into the one shape the adapters consume. All rules
// come from the catalogue data; nothing here knows a model by name.

import { type ValidationIssue, apiErrors } from '../api/errors.ts';
import { listModels, requireModel } from './catalog.ts';
import { MISPLACED_FIELDS, knownFields, prepareBody, rootField, typeIssues } from './contract-input.ts';
import type { EnumParam, ModelEntry, OperationContract } from './model-entry.ts';
import { contractHints, supportedParameters } from './operations.ts';
import { selectOperation } from './operation-select.ts';
import { checkSize, mapSizeToSelectors, parseSize } from './size-rules.ts';
import { IMAGE_ENDPOINTS, type ImageEndpoint, type ImageRef, type NormalizedImageRequest, type ResponseFormat } from './types.ts';

export interface ValidateOptions {
  /** The body came from multipart/form-data: scalars are strings, URL lists comma-separated. */
  multipart?: boolean;
  /** Image file parts in a multipart body (`image`, `image[]`); undefined when the caller does not count them. */
  imageFiles?: number;
  /** A multipart `mask` file part is present. */
  maskFile?: boolean;
}

type Body = Record<string, unknown>;

/** The model a request without `model` gets: OpenAI's defaults (dall-e-3 generates, dall-e-2 edits and varies). */
const DEFAULT_MODEL: Readonly<Record<ImageEndpoint, string>> = {
  [IMAGE_ENDPOINTS.generations]: 'dall-e-3',
  [IMAGE_ENDPOINTS.edits]: 'dall-e-2',
  [IMAGE_ENDPOINTS.variations]: 'dall-e-2',
};

const ENUM_PARAMS: readonly EnumParam[] = ['quality', 'style', 'background', 'output_format', 'moderation', 'aspect_ratio', 'resolution'];

export function validateImageRequest(endpoint: ImageEndpoint, rawBody: Body, opts: ValidateOptions = {}): NormalizedImageRequest {
  const body = prepareBody(endpoint, rawBody, opts.multipart ?? false);
  // OpenAI's own defaults when the field is absent (the SDKs let callers omit it); reported in `normalized`.
  const defaultedModel = body.model === undefined ? DEFAULT_MODEL[endpoint] : undefined;
  const requestedModel = body.model ?? defaultedModel;
  if (typeof requestedModel !== 'string' || requestedModel.trim() === '') {
    throw apiErrors.validationFailed([{ field: 'model', message: 'Model is required. Pick one from GET /v1/models?recommended_for=image.', code: 'missing_required_parameter' }]);
  }
  const entry = requireModel(requestedModel, 400);
  const op = selectOperation(entry, endpoint, body, requestedModel, opts);
  const hints = contractHints(entry, op);

  const issues: ValidationIssue[] = [];
  const rejected = checkFieldsAllowed(entry, op, endpoint, body, requestedModel, issues);
  const typeBad = new Set<string>();
  const checkable = Object.fromEntries(Object.entries(body).filter(([k]) => !rejected.has(k) && !entry.dropped.includes(k)));
  for (const issue of typeIssues(endpoint, checkable)) {
    issues.push(issue);
    typeBad.add(rootField(issue.field));
  }
  const ok = (key: string) => body[key] !== undefined && !rejected.has(key) && !typeBad.has(key);

  checkPrompt(op, body, typeBad, issues);
  if (ok('n') && (body.n as number) > op.maxN) {
    issues.push({ field: 'n', message: `${requestedModel} returns at most ${op.maxN} image(s) per request for ${op.operation}.`, code: 'invalid_value' });
  }
  if (ok('seed') && op.seedMax !== undefined && (body.seed as number) > op.seedMax) {
    issues.push({ field: 'seed', message: `${requestedModel} takes seeds from 0 to ${op.seedMax}.`, code: 'invalid_value' });
  }
  for (const param of ENUM_PARAMS) {
    const allowed = op.values[param];
    if (ok(param) && allowed && !allowed.includes(body[param] as string)) {
      issues.push({ field: param, message: `'${String(body[param])}' is not allowed for ${requestedModel}; allowed: ${allowed.join(', ')}.`, code: 'invalid_value' });
    }
  }
  if (ok('output_compression') && ok('compression') && body.output_compression !== body.compression) {
    issues.push({ field: 'compression', message: 'compression is an alias of output_compression; send one, or the same value in both.', code: 'invalid_value' });
  }
  checkStreaming(body, ok, issues);
  const sizing = ok('size') ? checkSizeField(op, body.size as string, issues) : {};
  checkImageInputs(endpoint, op, body, rejected, typeBad, opts, issues);

  if (issues.length > 0) throw apiErrors.validationFailed(issues, hints);
  const req = normalize(entry, op, endpoint, body, requestedModel, sizing);
  if (defaultedModel) req.normalized = { model: defaultedModel, ...req.normalized };
  return req;
}

/** Marks fields outside the operation's contract; returns the set of rejected field names. */
function checkFieldsAllowed(entry: ModelEntry, op: OperationContract, endpoint: ImageEndpoint, body: Body, model: string, issues: ValidationIssue[]): Set<string> {
  const known = knownFields(endpoint);
  const accepted = new Set(supportedParameters(entry, op));
  const rejected = new Set<string>();
  const reject = (field: string, message: string) => {
    rejected.add(field);
    issues.push({ field, message, code: 'unsupported_parameter' });
  };
  for (const key of Object.keys(body)) {
    if (key === 'model' || (key === 'operation' && endpoint === IMAGE_ENDPOINTS.generations)) continue;
    // Easel's own field on every model: the gateway notifies it, no upstream ever sees it.
    if (key === 'callback_url') continue;
    // Removed before forwarding by the contract (gpt-image-2 input_fidelity): accepted, never passed on.
    if (entry.dropped.includes(key)) continue;
    const misplaced = MISPLACED_FIELDS[endpoint][key];
    if (misplaced) reject(key, misplaced);
    else if (!known.has(key)) reject(key, `Unknown parameter '${key}'.`);
    else if (key === 'stream') {
      if (body.stream === true && !op.streaming) reject(key, notStreamingMessage(endpoint, model));
    } else if (key === 'async') {
      if (body.async === true && !entry.asyncAllowed) {
        reject(key, `${model} does not offer async: true; it ${entry.delivery === 'task' ? 'answers with a task on its own when it needs one' : 'answers inline'}. Omit async.`);
      }
    } else if (!accepted.has(key)) reject(key, notSupportedMessage(entry, op, key, model));
  }
  return rejected;
}

/** `stream: true` where the operation answers whole: the message names the models that stream on this endpoint. */
function notStreamingMessage(endpoint: ImageEndpoint, model: string): string {
  const streaming = listModels().filter((m) => m.operations.some((o) => o.endpoint === endpoint && o.streaming)).map((m) => m.id);
  const offered = streaming.length > 0 ? `stream: true is offered only by ${streaming.join(', ')} on ${endpoint}` : `no model streams on ${endpoint}`;
  return `${offered}; ${model} answers with the whole image: omit stream or send false. To avoid waiting, use async: true where the model allows it.`;
}

/** A stream carries one image and answers while the client waits: n above 1 and async: true do not fit it. */
function checkStreaming(body: Body, ok: (key: string) => boolean, issues: ValidationIssue[]): void {
  if (!ok('stream') || body.stream !== true) return;
  if (ok('n') && (body.n as number) !== 1) issues.push({ field: 'n', message: 'A stream carries one image: send n = 1 with stream: true.', code: 'invalid_value' });
  if (ok('async') && body.async === true) issues.push({ field: 'async', message: 'stream: true answers while the client waits; it cannot be async. Send one or the other.', code: 'invalid_value' });
}

function notSupportedMessage(entry: ModelEntry, op: OperationContract, key: string, model: string): string {
  const elsewhere = entry.operations.filter((o) => o !== op && o.parameters.includes(key as never));
  if (elsewhere.length > 0) {
    const where = elsewhere.map((o) => `${o.operation} (${o.endpoint})`).join(', ');
    return `${key} is not available for ${op.operation} on ${model}; it is only accepted for ${where}. Omit it.`;
  }
  return `${key} is not supported by ${model}. Supported parameters: ${supportedParameters(entry, op).join(', ')}.`;
}

function checkPrompt(op: OperationContract, body: Body, typeBad: Set<string>, issues: ValidationIssue[]): void {
  if (op.promptMaxLength === undefined || typeBad.has('prompt')) return;
  const prompt = body.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    issues.push({ field: 'prompt', message: 'Prompt is required.', code: 'missing_required_parameter' });
  } else if (prompt.length > op.promptMaxLength) {
    issues.push({ field: 'prompt', message: `Prompt is ${prompt.length} characters; this model takes at most ${op.promptMaxLength}.`, code: 'invalid_value' });
  }
}

interface Sizing {
  size?: { width: number; height: number } | 'auto';
  aspectRatio?: string;
  resolution?: string;
}

function checkSizeField(op: OperationContract, value: string, issues: ValidationIssue[]): Sizing {
  if (!op.size) return {};
  if (op.size.kind === 'aspect-alias') {
    const mapped = mapSizeToSelectors(value, op.values.aspect_ratio ?? [], op.values.resolution ?? []);
    if (!mapped.ok) issues.push({ field: 'size', message: mapped.message, code: 'invalid_value' });
    return mapped.ok ? { aspectRatio: mapped.aspectRatio, resolution: mapped.resolution } : {};
  }
  const checked = checkSize(op.size, value);
  if (!checked.ok) issues.push({ field: 'size', message: checked.message, code: 'invalid_value' });
  return checked.ok ? { size: checked.size } : {};
}

/** Counts reference/source images and checks them against the operation's limits. */
function checkImageInputs(
  endpoint: ImageEndpoint,
  op: OperationContract,
  body: Body,
  rejected: Set<string>,
  typeBad: Set<string>,
  opts: ValidateOptions,
  issues: ValidationIssue[],
): void {
  if (opts.maskFile && !op.parameters.includes('mask')) {
    issues.push({ field: 'mask', message: `${op.operation} on this model takes no mask.`, code: 'unsupported_parameter' });
  }
  const files = opts.imageFiles ?? 0;
  // In multipart, files may be counted later by the image-inputs layer; do not demand them here.
  const filesUnknown = opts.multipart === true && opts.imageFiles === undefined;
  const fields = endpoint === IMAGE_ENDPOINTS.edits ? ['image_url', 'image_urls', 'images'] : ['image_url', 'image_urls', 'reference_image_urls'];
  const given = fields.filter((f) => body[f] !== undefined && !rejected.has(f));
  if (given.some((f) => typeBad.has(f))) return;
  const count = given.reduce((n, f) => n + (Array.isArray(body[f]) ? (body[f] as unknown[]).length : 1), 0) + files;

  if (op.maxInputImages === undefined) {
    if (files > 0) issues.push({ field: 'image', message: `${op.operation} takes no input image; for reference images use operation image-to-image where the model offers it.`, code: 'unsupported_parameter' });
    return;
  }
  if (endpoint === IMAGE_ENDPOINTS.edits && given.length > 1) {
    issues.push({ field: given[1], message: `Send exactly one of image_url, image_urls or images (got ${given.join(', ')}).`, code: 'invalid_value' });
  }
  if (count === 0 && !filesUnknown) {
    const field = endpoint === IMAGE_ENDPOINTS.generations ? 'image_urls' : 'image';
    const how = endpoint === IMAGE_ENDPOINTS.generations ? 'image_url or image_urls (or a multipart image file)' : endpoint === IMAGE_ENDPOINTS.edits ? 'image_url, image_urls or images[] (or multipart image files)' : 'a multipart image file';
    issues.push({ field, message: `${op.operation} needs at least one input image: send ${how}.`, code: 'missing_required_parameter' });
  } else if (count > op.maxInputImages) {
    issues.push({ field: files > 0 ? 'image' : (given.at(-1) ?? 'image'), message: `${count} input images given; this model takes at most ${op.maxInputImages} for ${op.operation}.`, code: 'too_many_images' });
  }
  if (endpoint === IMAGE_ENDPOINTS.edits) checkEditRefs(body, rejected, typeBad, issues);
}

function checkEditRefs(body: Body, rejected: Set<string>, typeBad: Set<string>, issues: ValidationIssue[]): void {
  if (Array.isArray(body.images) && !rejected.has('images') && !typeBad.has('images')) {
    (body.images as Array<Record<string, unknown>>).forEach((ref, i) => {
      if ((ref.image_url === undefined) === (ref.file_id === undefined)) {
        issues.push({ field: `images[${i}]`, message: 'Each images[] item needs exactly one of image_url or file_id.', code: 'invalid_value' });
      }
    });
  }
  const mask = body.mask as Record<string, unknown> | undefined;
  if (mask && !rejected.has('mask') && !typeBad.has('mask') && (mask.image_url === undefined) === (mask.file_id === undefined)) {
    issues.push({ field: 'mask', message: 'mask needs exactly one of image_url or file_id.', code: 'invalid_value' });
  }
}

function toRef(item: Record<string, unknown>, field: string): ImageRef {
  return typeof item.file_id === 'string' ? { fileId: item.file_id, field: `${field}.file_id` } : { url: item.image_url as string, field: `${field}.image_url` };
}

/** The request in the one shape the adapters consume: the contract's choices filled in, unset keys dropped. */
function normalize(entry: ModelEntry, op: OperationContract, endpoint: ImageEndpoint, body: Body, requestedModel: string, sizing: Sizing): NormalizedImageRequest {
  const req: NormalizedImageRequest = {
    model: entry.id,
    requestedModel,
    endpoint,
    operation: op.operation,
    prompt: typeof body.prompt === 'string' ? body.prompt : '',
    n: (body.n as number | undefined) ?? 1,
    responseFormat: (body.response_format as ResponseFormat | undefined) ?? 'url',
    async: body.async === true,
    stream: body.stream === true ? true : undefined,
    callbackUrl: stringField(body, 'callback_url'),
  };
  // What the contract chose rather than the client sent, reported back so the client sees what it got.
  const normalized: Record<string, string> = {};
  setSelectors(req, body, sizing, normalized);
  applyDefaults(req, op, body, normalized);
  setOutputOptions(req, body);
  if (endpoint === IMAGE_ENDPOINTS.generations) setReferenceImages(req, body);
  else if (endpoint === IMAGE_ENDPOINTS.edits) setEditSources(req, body);
  if (Object.keys(normalized).length > 0) req.normalized = normalized;
  return withoutUnsetKeys(req);
}

function stringField(body: Body, key: string): string | undefined {
  return typeof body[key] === 'string' ? (body[key] as string) : undefined;
}

/** Size, aspect ratio, resolution, quality and style: as sent, else as the size alias mapped them. */
function setSelectors(req: NormalizedImageRequest, body: Body, sizing: Sizing, normalized: Record<string, string>): void {
  const aspectRatio = stringField(body, 'aspect_ratio');
  const resolution = stringField(body, 'resolution');
  req.size = sizing.size;
  req.aspectRatio = aspectRatio ?? sizing.aspectRatio;
  req.resolution = resolution ?? sizing.resolution;
  if (!aspectRatio && sizing.aspectRatio) normalized.aspect_ratio = sizing.aspectRatio;
  if (!resolution && sizing.resolution) normalized.resolution = sizing.resolution;
  req.quality = stringField(body, 'quality');
  req.style = stringField(body, 'style');
}

/** The operation's defaults for the selectors neither the client nor the size alias set. */
function applyDefaults(req: NormalizedImageRequest, op: OperationContract, body: Body, normalized: Record<string, string>): void {
  for (const [param, value] of Object.entries(op.defaults ?? {})) {
    if (body[param] !== undefined || normalized[param] !== undefined) continue;
    normalized[param] = value;
    if (param === 'size') req.size = value === 'auto' ? 'auto' : parseSize(value);
    else if (param === 'aspect_ratio') req.aspectRatio = value;
    else if (param === 'resolution') req.resolution = value;
    else if (param === 'quality') req.quality = value;
    else if (param === 'style') req.style = value;
  }
}

function setOutputOptions(req: NormalizedImageRequest, body: Body): void {
  req.background = stringField(body, 'background');
  req.outputFormat = stringField(body, 'output_format') as NormalizedImageRequest['outputFormat'];
  req.outputCompression = (body.output_compression ?? body.compression) as number | undefined;
  req.moderation = stringField(body, 'moderation');
  req.negativePrompt = stringField(body, 'negative_prompt');
  req.seed = body.seed as number | undefined;
  req.user = stringField(body, 'user');
  req.partialImages = body.partial_images as number | undefined;
  req.expandPrompt = body.expand_prompt as boolean | undefined;
}

/** Generations: image_url and image_urls become one list of references; reference_image_urls and the mask URL pass as sent. */
function setReferenceImages(req: NormalizedImageRequest, body: Body): void {
  const refs = urlRefs(body);
  if (refs.length) req.imageRefs = refs;
  if (body.reference_image_urls) req.referenceImageUrls = body.reference_image_urls as string[];
  req.maskUrl = stringField(body, 'mask_url');
}

/** Edits: image_url, image_urls and images[] become one list of references (URLs or file ids), and the mask one more. */
function setEditSources(req: NormalizedImageRequest, body: Body): void {
  const items = (body.images as Array<Record<string, unknown>> | undefined) ?? [];
  const refs: ImageRef[] = [...urlRefs(body), ...items.map((item, i) => toRef(item, `images[${i}]`))];
  if (refs.length) req.imageRefs = refs;
  if (body.mask) req.maskRef = toRef(body.mask as Record<string, unknown>, 'mask');
}

/** image_url, then image_urls, each named by the field it was sent in. */
function urlRefs(body: Body): ImageRef[] {
  const imageUrl = stringField(body, 'image_url');
  const imageUrls = (body.image_urls as string[] | undefined) ?? [];
  return [...(imageUrl ? [{ url: imageUrl, field: 'image_url' }] : []), ...imageUrls.map((url, i) => ({ url, field: `image_urls[${i}]` }))];
}

/** Drops unset keys so the adapters (and tests) see only what the contract produced. */
function withoutUnsetKeys(req: NormalizedImageRequest): NormalizedImageRequest {
  for (const key of Object.keys(req) as Array<keyof NormalizedImageRequest>) if (req[key] === undefined) delete req[key];
  return req;
}
