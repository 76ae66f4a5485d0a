// What an input image really is: its type from the magic bytes, its size from the header (sharp reads
// the header only, never the pixels), and both must agree before Easel accepts it.

import sharp from 'sharp';
import { sniffImageType, type ImageMime } from './image-type.ts';

export interface ProbedImage {
  mime: ImageMime;
  width: number;
  height: number;
}

const SHARP_FORMAT: Record<ImageMime, string> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp' };

/** The type and dimensions of a PNG, JPEG or WebP image; undefined for anything else or a broken header. */
export async function probeImage(bytes: Buffer): Promise<ProbedImage | undefined> {
  const mime = sniffImageType(bytes);
  if (!mime) return undefined;
  try {
    const meta = await sharp(bytes).metadata();
    if (meta.format !== SHARP_FORMAT[mime] || !meta.width || !meta.height) return undefined;
    return { mime, width: meta.width, height: meta.height };
  } catch {
    return undefined;
  }
}
