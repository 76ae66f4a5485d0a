// Input images of a request — multipart uploads, client URLs (through the SSRF guard), /v1/files ids —
// fetched, sniffed and measured before any money is reserved, then checked against the operation's
// rules. For durability they are also kept in the blob store, so a task can be resumed by any worker.

import type { Kysely } from 'kysely';
import { apiErrors } from '../api/errors.ts';
import { requireModel, resolveModel } from '../catalog/catalog.ts';
import { findOperation } from '../catalog/operations.ts';
import type { ImageRef, InputImage, NormalizedImageRequest } from '../catalog/types.ts';
import { ClientImageFetcher, FetchBudget, MAX_CLIENT_IMAGE_BYTES } from '../fetch/guard.ts';
import type { UploadedFile } from '../api/requests.ts';
import type { BlobStore } from '../storage/blobs/types.ts';
import type { Database } from '../storage/db/schema.ts';
import { findFile } from '../storage/db/files.ts';
import { readAll } from '../util/bytes.ts';
import { probeImage } from '../util/image-probe.ts';

export interface Uploads {
  images: UploadedFile[];
  mask?: UploadedFile;
}

interface Source {
  /** The request field, for error messages: `image_urls[1]`, `images[0].file_id`, `mask`. */
  field: string;
  load: () => Promise<{ bytes: Buffer }>;
}

/** What reading a request's input images takes. */
export interface InputSources {
  db: Kysely<Database>;
  blobs: BlobStore;
  /** Client URLs may reach private and loopback addresses (fetch.allow_private_addresses). */
  allowPrivateAddresses: boolean;
}

/**
 * Fills req.images and req.mask from whatever the request named, or throws a 400/413 naming the input.
 * Afterwards every image the request named by URL, file id or upload is loaded: adapters rely on it.
 */
export async function resolveInputs(sources: InputSources, accountId: string, req: NormalizedImageRequest, uploads: Uploads, signal: AbortSignal): Promise<void> {
  // One guarded fetcher per request (it owns a connection pool), made only when a URL is fetched.
  let fetcher: ClientImageFetcher | undefined;
  const budget = new FetchBudget();
  const fetchUrl = (url: string, field: string) => {
    fetcher ??= new ClientImageFetcher({ allowPrivate: sources.allowPrivateAddresses });
    return fetcher.fetch(url, { field, signal, budget });
  };
  const fromUrl = (url: string, field: string): Source =>
    url.startsWith('data:') ? { field, load: async () => decodeDataUrl(url, field, budget) } : { field, load: () => fetchUrl(url, field) };
  const fromRef = (ref: ImageRef): Source =>
    'url' in ref ? fromUrl(ref.url, ref.field) : { field: ref.field, load: () => loadFile(sources, accountId, req.model, ref.fileId, ref.field) };
  const fromUpload = (file: UploadedFile, field: string): Source => ({ field, load: async () => ({ bytes: file.bytes }) });

  const images: Source[] = [
    ...uploads.images.map((f, i) => fromUpload(f, uploads.images.length > 1 ? `image[${i}]` : 'image')),
    ...(req.imageRefs ?? []).map(fromRef),
    ...(req.referenceImageUrls ?? []).map((u, i) => fromUrl(u, `reference_image_urls[${i}]`)),
  ];
  const mask: Source | undefined = uploads.mask ? fromUpload(uploads.mask, 'mask') : req.maskRef ? fromRef(req.maskRef) : req.maskUrl ? fromUrl(req.maskUrl, 'mask_url') : undefined;
  if (images.length === 0 && !mask) return;

  try {
    const loaded = await Promise.all([...images, ...(mask ? [mask] : [])].map((s) => measure(s)));
    req.images = loaded.slice(0, images.length);
    if (mask) req.mask = loaded[images.length];
  } finally {
    await fetcher?.close();
  }
  checkRules(req);
}

/**
 * The guarantee adapters build on: every image the request names (URLs, file ids, uploads) is loaded
 * into req.images / req.mask. It holds after resolveInputs and after hydrateRequest; a request that
 * breaks it is a bug here, never something to send upstream half-read.
 */
export function assertInputsLoaded(req: NormalizedImageRequest): void {
  const named = (req.imageRefs?.length ?? 0) + (req.referenceImageUrls?.length ?? 0);
  const maskNamed = req.maskRef !== undefined || req.maskUrl !== undefined;
  if ((req.images?.length ?? 0) < named || (maskNamed && !req.mask)) {
    throw new Error(`input images were not loaded before the upstream call (${named} named, ${req.images?.length ?? 0} loaded)`);
  }
}

/** `data:image/...;base64,...` inputs (OpenAI's JSON edits accept them): decoded within the same limits as fetched ones. */
function decodeDataUrl(url: string, field: string, budget: FetchBudget): { bytes: Buffer } {
  const m = /^data:(image\/(?:png|jpeg|webp));base64,([A-Za-z0-9+/=\s]*)$/.exec(url);
  if (!m) throw apiErrors.invalidRequest(`${field}: a data URL must be data:image/png|jpeg|webp;base64,...`, field, 'invalid_image_url');
  const bytes = Buffer.from(m[2], 'base64');
  if (bytes.length > MAX_CLIENT_IMAGE_BYTES) throw apiErrors.payloadTooLarge(`${field}: the image is larger than ${MAX_CLIENT_IMAGE_BYTES / (1024 * 1024)} MiB.`, field);
  budget.charge(bytes.length, field);
  return { bytes };
}

async function measure(source: Source): Promise<InputImage> {
  const { bytes } = await source.load();
  const probed = await probeImage(bytes);
  if (!probed) throw apiErrors.invalidRequest(`${source.field}: not a readable PNG, JPEG or WebP image.`, source.field, 'unsupported_image_type');
  return { bytes, mime: probed.mime, width: probed.width, height: probed.height, source: source.field };
}

/** A /v1/files upload of this account, bound to the model it was uploaded for (tokenlab-api.md §2.2). */
async function loadFile(sources: InputSources, accountId: string, model: string, fileId: string, field: string): Promise<{ bytes: Buffer }> {
  const file = await findFile(sources.db, accountId, fileId);
  const blob = file ? await sources.blobs.get(file.blob_key) : undefined;
  if (!file || !blob) throw apiErrors.invalidRequest(`${field}: no file '${fileId.slice(0, 100)}' for this account.`, field, 'file_not_found');
  if (resolveModel(file.model)?.id !== model) {
    throw apiErrors.invalidRequest(`${field}: the file was uploaded for '${file.model}', not '${model}'; upload it again with model=${model}.`, field, 'file_model_mismatch');
  }
  return { bytes: await readAll(blob.stream) };
}

/** The operation's own rules on its inputs (DALL·E 2: one square PNG under 4 MB), and mask ⇔ image size. */
function checkRules(req: NormalizedImageRequest): void {
  const op = findOperation(requireModel(req.model, 400), req.endpoint, req.operation);
  const rules = op?.inputRules;
  const all = [...(req.images ?? []), ...(req.mask ? [req.mask] : [])];
  for (const image of rules ? all : []) {
    if (rules!.formats && !rules!.formats.includes(image.mime)) {
      throw apiErrors.invalidRequest(`${image.source}: ${req.model} takes ${rules!.formats.map((f) => f.slice(6).toUpperCase()).join(' or ')} images only.`, image.source, 'unsupported_image_type');
    }
    if (rules!.square && image.width !== image.height) {
      throw apiErrors.invalidRequest(`${image.source}: ${req.model} takes square images only (got ${image.width}x${image.height}).`, image.source, 'invalid_image_dimensions');
    }
    if (rules!.maxBytes && image.bytes.length > rules!.maxBytes) {
      throw apiErrors.payloadTooLarge(`${image.source}: ${req.model} takes images up to ${rules!.maxBytes / (1024 * 1024)} MiB.`, image.source);
    }
  }
  const first = req.images?.[0];
  if (req.mask && first && (req.mask.width !== first.width || req.mask.height !== first.height)) {
    throw apiErrors.invalidRequest(`mask: must have the same size as the image (${first.width}x${first.height}), got ${req.mask.width}x${req.mask.height}.`, 'mask', 'invalid_image_dimensions');
  }
}

/** How input images are written into the task record: by blob key, never inline bytes. */
interface StoredInput extends Omit<InputImage, 'bytes'> {
  blobKey: string;
}

/** The request as the task row keeps it: input images moved to the blob store. */
export async function serializeRequest(req: NormalizedImageRequest, blobs: BlobStore): Promise<unknown> {
  const store = async (image: InputImage): Promise<StoredInput> => {
    const { bytes, ...rest } = image;
    return { ...rest, blobKey: await blobs.put(bytes, image.mime) };
  };
  return {
    ...req,
    images: req.images ? await Promise.all(req.images.map(store)) : undefined,
    mask: req.mask ? await store(req.mask) : undefined,
  };
}

/** The request back from the task row, its input images read from the blob store. */
export async function hydrateRequest(stored: unknown, blobs: BlobStore): Promise<NormalizedImageRequest> {
  const req = stored as NormalizedImageRequest & { images?: StoredInput[]; mask?: StoredInput };
  const load = async (image: StoredInput): Promise<InputImage> => {
    const blob = await blobs.get(image.blobKey);
    if (!blob) throw apiErrors.inputExpired();
    const { blobKey: _key, ...rest } = image;
    return { ...rest, bytes: await readAll(blob.stream) };
  };
  return {
    ...req,
    images: req.images ? await Promise.all(req.images.map(load)) : undefined,
    mask: req.mask ? await load(req.mask) : undefined,
  };
}

/** The blob keys of a stored request's inputs, for the sweeper. */
export function inputBlobKeys(stored: unknown): string[] {
  const req = stored as { images?: StoredInput[]; mask?: StoredInput };
  return [...(req.images ?? []), ...(req.mask ? [req.mask] : [])].map((i) => i.blobKey).filter(Boolean);
}
