// Turns what an upstream handed back into what the client asked for: the image stored in the blob
// store (its key; the URL is made when it is shown) or inline base64. Storing failures fail the request: never a silent fallback.
// An upstream URL asked for as a URL streams from the upstream into the blob store, never whole in memory.
// An image the upstream sent as base64 goes to a b64_json answer as the text it came in (no decode and
// re-encode), and into the blob store decoded piece by piece.

import { ApiError, apiErrors } from '../api/errors.ts';
import type { ResponseFormat } from '../catalog/types.ts';
import type { OpenedImage } from '../fetch/download.ts';
import type { UpstreamImage } from '../providers/types.ts';
import type { BlobStore } from '../storage/blobs/types.ts';
import { Base64Text } from '../util/base64-text.ts';
import { readAll } from '../util/bytes.ts';
import { crashPoint } from '../util/crash-points.ts';
import { sniffImageType } from '../util/image-type.ts';
import { inSpan } from '../util/spans.ts';

export interface DeliveredImage {
  /** The blob store key of the stored image (format url). */
  key?: string;
  /** The image as base64 for the answer: written out as its pieces (util/json-pieces.ts), never one string. */
  b64_json?: Base64Text;
  revised_prompt?: string;
}

export interface DeliveryContext {
  blobs: BlobStore;
  /** Opens an upstream result URL (with the channel's trust rules), its type sniffed. */
  open: (url: string) => Promise<OpenedImage>;
}


export async function deliverImages(images: UpstreamImage[], format: ResponseFormat, ctx: DeliveryContext): Promise<DeliveredImage[]> {
  return inSpan('easel.deliver', { 'easel.images': images.length, 'easel.response_format': format }, () => Promise.all(images.map((image) => deliverOne(image, format, ctx))));
}

async function deliverOne(image: UpstreamImage, format: ResponseFormat, ctx: DeliveryContext): Promise<DeliveredImage> {
  const out: DeliveredImage = {};
  if (image.base64) {
    const base64 = image.base64;
    const mime = sniffImageType(base64.head(SNIFF_BYTES)) ?? notAnImage();
    if (format === 'b64_json') out.b64_json = base64;
    else if (base64.decodedLength <= STREAM_ABOVE_BYTES) out.key = await store(() => ctx.blobs.put(base64.decode(), mime));
    else out.key = await store(() => ctx.blobs.putStream(base64.decodedStream(), mime));
  } else if (image.bytes) {
    const mime = sniffImageType(image.bytes) ?? notAnImage();
    if (format === 'b64_json') out.b64_json = Base64Text.encode(image.bytes);
    else out.key = await store(() => ctx.blobs.put(image.bytes!, mime));
  } else if (image.url) {
    const opened = await ctx.open(image.url);
    try {
      if (format === 'b64_json') {
        out.b64_json = Base64Text.encode(await readAll(opened.chunks));
      } else if (opened.declaredBytes !== undefined && opened.declaredBytes <= STREAM_ABOVE_BYTES) {
        // A small image costs less read whole and written once than streamed chunk by chunk.
        const bytes = await readAll(opened.chunks);
        out.key = await store(() => ctx.blobs.put(bytes, opened.mime));
      } else {
        out.key = await store(() => ctx.blobs.putStream(opened.chunks, opened.mime));
      }
    } catch (err) {
      opened.cancel();
      throw err;
    }
  } else {
    throw apiErrors.upstreamError('The image provider returned no image.');
  }
  if (image.revisedPrompt) out.revised_prompt = image.revisedPrompt;
  return out;
}

/** Upstream results larger than this (or of unknown size) stream into the blob store. */
const STREAM_ABOVE_BYTES = 1024 * 1024;

/** Bytes sniffImageType reads (WebP's RIFF header is the longest, 12). */
const SNIFF_BYTES = 16;

async function store(put: () => Promise<string>): Promise<string> {
  try {
    const key = await put();
    crashPoint('during_delivery');
    return key;
  } catch (err) {
    // A download that failed while streaming is the upstream's fault, not the store's.
    if (err instanceof ApiError) throw err;
    throw apiErrors.storageUnavailable();
  }
}

function notAnImage(): never {
  throw apiErrors.upstreamError('The image provider returned something that is not a PNG, JPEG or WebP image.');
}
