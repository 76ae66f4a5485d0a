// Valid test images of an exact byte size: a tiny PNG grown by one ancillary chunk before IEND, so
// limit tests can sit exactly on an edge without megapixels to encode.

import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** A small real PNG (width × height, one colour). */
export function tinyPng(width = 4, height = 3): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3a7' } }).png().toBuffer();
}

const IEND_LENGTH = 12; // length(4) + "IEND"(4) + crc(4)
const CHUNK_OVERHEAD = 12;

/** A valid PNG of exactly `total` bytes (at least the tiny PNG plus one empty chunk). */
export async function pngOfSize(total: number): Promise<Buffer> {
  const base = await tinyPng(2, 2);
  const head = base.subarray(0, base.length - IEND_LENGTH);
  const iend = base.subarray(base.length - IEND_LENGTH);
  const dataLength = total - base.length - CHUNK_OVERHEAD;
  if (dataLength < 0) throw new Error(`a PNG needs at least ${base.length + CHUNK_OVERHEAD} bytes`);
  // "teSt": ancillary (lower-case first letter), private, safe to copy — decoders skip it.
  const type = Buffer.from('teSt', 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(dataLength);
  const data = Buffer.alloc(dataLength, 0x61);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(type)) >>> 0);
  const out = Buffer.concat([head, length, type, data, crc, iend]);
  if (out.length !== total) throw new Error('pngOfSize arithmetic');
  return out;
}
