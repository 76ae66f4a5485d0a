// Where generated images live. Keys are random (unguessable) and carry the file extension, so the
// content type is known without a metadata lookup.

import type { Readable } from 'node:stream';

export interface StoredBlob {
  stream: Readable;
  size: number;
  contentType: string;
}

export interface BlobStore {
  /** Stores the bytes and returns the new key. */
  put(bytes: Buffer, contentType: string): Promise<string>;
  /** Stores a stream of chunks (a large download) without holding it whole; a failing source stores nothing. */
  putStream(chunks: AsyncIterable<Buffer>, contentType: string): Promise<string>;
  get(key: string): Promise<StoredBlob | undefined>;
  delete(key: string): Promise<void>;
  /** Throws when the store cannot be written to (readiness). */
  ping(): Promise<void>;
  /** Deletes blobs written before `cutoff` (unix ms) unless `keep(key)`; returns how many went. */
  sweepOlderThan(cutoff: number, keep: (key: string) => boolean): Promise<number>;
  /**
   * Where a client fetches the blob. Made at read time, never stored: records keep keys, so moving
   * the public URL, a CDN base or presigned URLs never breaks a stored task.
   */
  urlFor(key: string): string;
}

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
};

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

export function extensionFor(contentType: string): string {
  const ext = EXTENSIONS[contentType];
  if (!ext) throw new Error(`unsupported blob content type ${contentType}`);
  return ext;
}

/** 32 base62 characters + extension. Anything else is refused before touching the disk (no traversal). */
const BLOB_KEY_PATTERN = /^[0-9A-Za-z]{32}\.(png|jpg|webp)$/;

export function contentTypeOfKey(key: string): string | undefined {
  const m = BLOB_KEY_PATTERN.exec(key);
  return m ? CONTENT_TYPES[m[1]] : undefined;
}
