// The image URLs that need no signature, made from configuration alone: `serve` (Easel's own
// /media/{key}, answered from the store by any replica) and `public` (a CDN or public bucket in front
// of the store: base_url + "/" + key). Presigned URLs are the S3 store's own (s3.ts).
//
// In `public` mode the base is where the store's *prefix* is published, not the bucket's root, so a
// URL is base + key whatever the prefix: a public bucket's base is `https://<bucket host>/<prefix>`,
// a CDN's origin path is the prefix; on local disk the CDN pulls from Easel's `/media`.

import type { StorageConfig } from '../../config/schema.ts';
import type { MediaUrl } from './types.ts';

export type MediaConfig = StorageConfig['media'];

export function unsignedUrls(media: MediaConfig, publicBase: () => string): (key: string) => MediaUrl {
  if (media.mode === 'public') {
    if (!media.base_url) throw new Error('storage.media.mode public needs storage.media.base_url');
    const base = media.base_url.replace(/\/+$/, '');
    return (key) => ({ url: `${base}/${key}` });
  }
  // `publicBase` is read at each call: with port 0 the address is known only once the server listens.
  return (key) => ({ url: `${publicBase()}/media/${key}` });
}
