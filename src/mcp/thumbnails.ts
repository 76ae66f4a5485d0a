// A small picture of each result for the agent to look at: the image itself stays at its URL, the
// tool result carries a WebP no larger than THUMBNAIL_MAX_SIDE on its longer side (a few kB, where
// the full image would be megabytes of base64 in the model's context).

import sharp from 'sharp';
import type { EaselClient } from './client.ts';

export const THUMBNAIL_MAX_SIDE = 256;

export interface ImageContent {
  type: 'image';
  data: string;
  mimeType: string;
}

/** Decoding stops past this many input pixels (sharp's guard against decompression bombs). */
const MAX_INPUT_PIXELS = 100_000_000;

export async function thumbnail(bytes: Buffer): Promise<ImageContent> {
  const webp = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
    .resize({ width: THUMBNAIL_MAX_SIDE, height: THUMBNAIL_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 75 })
    .toBuffer();
  return { type: 'image', data: webp.toString('base64'), mimeType: 'image/webp' };
}

/**
 * Thumbnails of the images in an API answer's `data` that Easel serves itself, in order. One that
 * cannot be fetched or decoded is left out: its URL in the text still says where the image is.
 */
export async function thumbnailsOf(body: Record<string, unknown>, client: EaselClient, signal?: AbortSignal): Promise<ImageContent[]> {
  const urls = (Array.isArray(body.data) ? body.data : []).map((item) => (item as { url?: unknown }).url).filter((url): url is string => typeof url === 'string');
  const made: ImageContent[] = [];
  // One at a time: only one source image is held in memory.
  for (const url of urls) {
    try {
      const bytes = await client.ownImage(url, signal);
      if (bytes) made.push(await thumbnail(bytes));
    } catch {
      if (signal?.aborted) throw signal.reason;
    }
  }
  return made;
}
