// The one way an adapter hands over an image its upstream sent as base64: as the text it came in
// (Base64Text), so a b64_json answer passes it on undecoded and a stored one is decoded in pieces;
// `bytes` stays readable for code that needs the bytes, decoded when read.

import { Base64Text } from '../util/base64-text.ts';
import { type UpstreamImage, UpstreamError } from './types.ts';

type ImageFields = Pick<UpstreamImage, 'mime' | 'revisedPrompt'>;

export function base64Image(base64: Base64Text, fields: ImageFields = {}): UpstreamImage {
  const image: UpstreamImage = { base64, ...fields };
  // Not enumerable: copying or logging the image does not decode it.
  Object.defineProperty(image, 'bytes', { get: () => base64.decode(), enumerable: false });
  return image;
}

/**
 * An image field as an adapter read it: Base64Text, or the bytes when decoded as read, from
 * readJsonWithImages; a string from JSON.parse. Text that is not base64 (or is empty) is an upstream fault.
 */
export function imageFromBase64(field: Base64Text | Buffer | string, fields: ImageFields = {}, status?: number): UpstreamImage {
  if (Buffer.isBuffer(field)) {
    if (field.length === 0) throw notBase64(status);
    return { bytes: field, ...fields };
  }
  const base64 = typeof field === 'string' ? Base64Text.fromString(field) : field;
  if (!base64 || base64.decodedLength === 0) throw notBase64(status);
  return base64Image(base64, fields);
}

const notBase64 = (status?: number) => new UpstreamError('upstream_fault', 'the upstream sent an image that is not base64', { status });
