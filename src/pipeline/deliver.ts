// Turns what an upstream handed back into what the client asked for: Easel URLs (the image stored
// in the blob store) or inline base64. Storing failures fail the request: never a silent fallback.

import { ApiError } from '../api/errors.ts';
import type { ResponseFormat } from '../catalog/types.ts';
import type { UpstreamImage } from '../providers/types.ts';
import type { BlobStore } from '../storage/blobs/types.ts';
import { sniffImageType } from '../util/image-type.ts';

export interface DeliveredImage {
  url?: string;
  b64_json?: string;
  revised_prompt?: string;
}

export interface DeliveryContext {
  blobs: BlobStore;
  publicUrl: string;
  /** Downloads an upstream result URL (with the channel's trust rules); set by routing for real providers. */
  download?: (url: string) => Promise<Buffer>;
}

export async function deliverImages(images: UpstreamImage[], format: ResponseFormat, ctx: DeliveryContext): Promise<DeliveredImage[]> {
  return Promise.all(images.map((image) => deliverOne(image, format, ctx)));
}

async function deliverOne(image: UpstreamImage, format: ResponseFormat, ctx: DeliveryContext): Promise<DeliveredImage> {
  const bytes = image.bytes ?? (await download(image, ctx));
  const mime = sniffImageType(bytes);
  if (!mime) {
    throw new ApiError('The image provider returned something that is not a PNG, JPEG or WebP image.', {
      status: 502,
      type: 'upstream_error',
      code: 'upstream_error',
      hints: { retryable: true },
    });
  }
  const out: DeliveredImage = {};
  if (format === 'b64_json') {
    out.b64_json = bytes.toString('base64');
  } else {
    let key: string;
    try {
      key = await ctx.blobs.put(bytes, mime);
    } catch {
      throw new ApiError('The generated image could not be stored, so no URL can be returned. Please retry.', {
        status: 503,
        type: 'server_error',
        code: 'storage_unavailable',
        hints: { retryable: true },
      });
    }
    out.url = `${ctx.publicUrl}/media/${key}`;
  }
  if (image.revisedPrompt) out.revised_prompt = image.revisedPrompt;
  return out;
}

async function download(image: UpstreamImage, ctx: DeliveryContext): Promise<Buffer> {
  if (!image.url || !ctx.download) {
    throw new ApiError('The image provider returned no image.', { status: 502, type: 'upstream_error', code: 'upstream_error' });
  }
  return ctx.download(image.url);
}
