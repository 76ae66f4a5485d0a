// OpenAI's checks for POST /images/edits (multipart CreateImageEditRequest, or JSON
// EditImageBodyJsonParam for GPT image models) and POST /images/variations (multipart, dall-e-2),
// upstreams.md §1.3-1.4. The fields both share with generations are checked by planGeneration.

import sharp from 'sharp';
import { type RecordedPart, type RecordedRequest, partsToFields } from './kit.ts';
import { type GenerationPlan, type WireError, OPENAI_IMAGE_MODELS, invalid, planGeneration } from './openai-rules.ts';

/** The spec's default edit model. */
const DEFAULT_EDIT_MODEL = 'gpt-image-1.5';
const EDIT_MODELS = new Set([...Object.keys(OPENAI_IMAGE_MODELS).filter((m) => m !== 'dall-e-3'), 'chatgpt-image-latest']);
const MULTIPART_EDIT_FIELDS = new Set([
  'prompt', 'model', 'n', 'size', 'quality', 'response_format', 'output_format', 'output_compression',
  'background', 'input_fidelity', 'user', 'stream', 'partial_images',
]);
const JSON_EDIT_FIELDS = new Set([
  'images', 'mask', 'prompt', 'model', 'n', 'quality', 'input_fidelity', 'size', 'user', 'output_format',
  'output_compression', 'moderation', 'background', 'stream', 'partial_images',
]);
const VARIATION_FIELDS = new Set(['model', 'n', 'response_format', 'size', 'user']);
const NUMERIC = new Set(['n', 'output_compression', 'partial_images']);
const MAX_SOURCES = 16;
const GPT_MAX_BYTES = 50 * 1024 * 1024;
const DALL_E_MAX_BYTES = 4 * 1024 * 1024;

interface Upload {
  bytes: Buffer;
  label: string;
}

/** Multipart strings typed as JSON would be: numbers and booleans where OpenAI expects them. */
function typedFields(fields: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = NUMERIC.has(key) && /^-?\d+$/.test(value) ? Number(value) : key === 'stream' && /^(true|false)$/.test(value) ? value === 'true' : value;
  }
  return out;
}

async function inspect(upload: Upload): Promise<{ format: string; width: number; height: number } | WireError> {
  try {
    const meta = await sharp(upload.bytes).metadata();
    if (meta.format && meta.width && meta.height) return { format: meta.format, width: meta.width, height: meta.height };
  } catch {
    // Falls through to the error below.
  }
  return invalid(upload.label, `Invalid image file or mode for ${upload.label}, please check your image file.`, 'invalid_image_format');
}

/** Source and mask rules: GPT image models take up to 16 png/jpeg/webp < 50 MB; dall-e-2 one square PNG < 4 MB. */
async function checkUploads(model: string, sources: Upload[], mask: Upload | undefined, opts = { requireSource: true }): Promise<WireError | undefined> {
  const dallE = model === 'dall-e-2';
  if (sources.length === 0 && opts.requireSource) return invalid('image', "Missing required parameter: 'image'.", 'missing_required_parameter');
  if (sources.length > (dallE ? 1 : MAX_SOURCES)) return invalid('image', `Invalid 'image': expected at most ${dallE ? 1 : MAX_SOURCES} images, but got ${sources.length}.`, 'array_above_max_length');
  let first: { width: number; height: number } | undefined;
  for (const upload of sources) {
    if (upload.bytes.length > (dallE ? DALL_E_MAX_BYTES : GPT_MAX_BYTES)) return invalid(upload.label, `Invalid ${upload.label}: the file is larger than ${dallE ? '4' : '50'} MB.`, 'image_too_large');
    const meta = await inspect(upload);
    if ('status' in meta) return meta;
    if (dallE ? meta.format !== 'png' : !['png', 'jpeg', 'webp'].includes(meta.format)) {
      return invalid(upload.label, `Invalid image format for ${upload.label}: ${dallE ? 'dall-e-2 requires a PNG' : 'supported formats are png, jpeg and webp'}.`, 'invalid_image_format');
    }
    if (dallE && meta.width !== meta.height) return invalid(upload.label, 'Invalid input image - image must be square.', 'invalid_image_dimensions');
    first ??= meta;
  }
  if (mask) {
    const meta = await inspect(mask);
    if ('status' in meta) return meta;
    if (meta.format !== 'png') return invalid('mask', 'Invalid mask: it must be a PNG.', 'invalid_image_format');
    if (first && (meta.width !== first.width || meta.height !== first.height)) return invalid('mask', 'Invalid mask image: mask and image must have the same dimensions.', 'invalid_image_dimensions');
  }
  return undefined;
}

function fileParts(parts: RecordedPart[], ...names: string[]): Upload[] {
  return parts.filter((p) => p.bytes && names.includes(p.name)).map((p, i) => ({ bytes: p.bytes!, label: `image ${i + 1}` }));
}

/** A data: URL's bytes; https URLs and file ids are accepted unfetched (the emulator has no network). */
function refUpload(ref: unknown, label: string): Upload | WireError | undefined {
  if (!ref || typeof ref !== 'object' || Array.isArray(ref)) return invalid(label, `Invalid '${label}': expected an object with image_url or file_id.`, 'invalid_type');
  const r = ref as Record<string, unknown>;
  const keys = Object.keys(r);
  if (keys.length !== 1 || !['image_url', 'file_id'].includes(keys[0]) || typeof r[keys[0]] !== 'string') {
    return invalid(label, `Invalid '${label}': provide exactly one of image_url or file_id.`);
  }
  const url = r.image_url as string | undefined;
  if (url === undefined) return undefined;
  const data = /^data:image\/(png|jpeg|webp);base64,(.+)$/s.exec(url);
  if (data) return { bytes: Buffer.from(data[2], 'base64'), label };
  if (!/^https:\/\//.test(url)) return invalid(label, `Invalid '${label}.image_url': expected an https or data: URL.`, 'invalid_url');
  return undefined;
}

/** Checks an edit (multipart or JSON; `model` forces the model, as Azure's deployment does) and plans the answer. */
export async function planEdit(recorded: RecordedRequest, opts: { model?: string } = {}): Promise<GenerationPlan | WireError> {
  let fields: Record<string, unknown>;
  let sources: Upload[];
  let mask: Upload | undefined;
  let count: number;
  if (recorded.parts) {
    const split = partsToFields(recorded.parts);
    fields = typedFields(split.fields);
    const unknown = Object.keys(fields).find((k) => !MULTIPART_EDIT_FIELDS.has(k));
    if (unknown) return invalid(unknown, `Unknown parameter: '${unknown}'.`, 'unknown_parameter');
    sources = fileParts(recorded.parts, 'image', 'image[]');
    mask = fileParts(recorded.parts, 'mask')[0];
    count = sources.length;
  } else {
    const body = recorded.json;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return invalid('', 'We could not parse the JSON body of your request.', 'invalid_json');
    fields = { ...body };
    const unknown = Object.keys(fields).find((k) => !JSON_EDIT_FIELDS.has(k));
    if (unknown) return invalid(unknown, `Unknown parameter: '${unknown}'.`, 'unknown_parameter');
    const refs = fields.images;
    if (!Array.isArray(refs) || refs.length === 0) return invalid('images', "Missing required parameter: 'images'.", 'missing_required_parameter');
    sources = [];
    for (const [i, ref] of refs.entries()) {
      const upload = refUpload(ref, `images[${i}]`);
      if (upload && 'status' in upload) return upload;
      if (upload) sources.push(upload);
    }
    const maskUpload = fields.mask === undefined ? undefined : refUpload(fields.mask, 'mask');
    if (maskUpload && 'status' in maskUpload) return maskUpload;
    mask = maskUpload;
    count = refs.length;
    delete fields.images;
    delete fields.mask;
  }
  const model = opts.model ?? ((fields.model as string | undefined) || DEFAULT_EDIT_MODEL);
  if (!EDIT_MODELS.has(model)) return invalid('model', `Invalid value: '${model}'. Supported values are: ${[...EDIT_MODELS].map((m) => `'${m}'`).join(', ')}.`);
  if (model === 'dall-e-2' && !recorded.parts) return invalid('model', 'JSON edits support GPT image models only; dall-e-2 edits require multipart/form-data.');
  if (count > MAX_SOURCES) return invalid('images', `Invalid 'images': array too long. Expected at most ${MAX_SOURCES} items, but got ${count}.`, 'array_above_max_length');
  if (fields.input_fidelity !== undefined) {
    if (model === 'dall-e-2' || model === 'gpt-image-1-mini') return invalid('input_fidelity', `input_fidelity is not supported for ${model}.`);
    if (fields.input_fidelity !== 'high' && fields.input_fidelity !== 'low') return invalid('input_fidelity', `Invalid value: '${String(fields.input_fidelity)}'. Supported values are: 'high' and 'low'.`);
  }
  // JSON sources given as https URLs or file ids are not fetched: only uploaded bytes are inspected.
  const problem = await checkUploads(model, sources, mask, { requireSource: !!recorded.parts });
  if (problem) return problem;

  const { input_fidelity: _fidelity, model: _model, ...rest } = fields;
  const plan = planGeneration(rest, { model: model === 'chatgpt-image-latest' ? 'gpt-image-1.5' : model });
  return 'status' in plan ? plan : { ...plan, inputImages: count };
}

/** Checks a variation (multipart only, dall-e-2, one square PNG) and plans the answer. */
export async function planVariation(recorded: RecordedRequest): Promise<GenerationPlan | WireError> {
  if (!recorded.parts) {
    const type = String(recorded.headers['content-type'] ?? '').split(';')[0];
    return invalid('', `Invalid Content-Type header (${type || 'none'}), expected multipart/form-data.`, 'invalid_content_type');
  }
  const fields = typedFields(partsToFields(recorded.parts).fields);
  const unknown = Object.keys(fields).find((k) => !VARIATION_FIELDS.has(k));
  if (unknown) return invalid(unknown, `Unknown parameter: '${unknown}'.`, 'unknown_parameter');
  const model = (fields.model as string | undefined) || 'dall-e-2';
  if (model !== 'dall-e-2') return invalid('model', `Invalid value: '${model}'. Supported values are: 'dall-e-2'.`);
  const problem = await checkUploads(model, fileParts(recorded.parts, 'image'), undefined);
  if (problem) return problem;
  const { model: _model, ...rest } = fields;
  // Variations have no prompt; the generation rules need one to check the other fields.
  const plan = planGeneration({ ...rest, prompt: 'variation' }, { model });
  return 'status' in plan ? plan : { ...plan, prompt: '' };
}
