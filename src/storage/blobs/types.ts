// Where generated images live. Keys are random (unguessable) and carry the file extension, so the
// content type is known without a metadata lookup. A key's bytes never change: a key is its own ETag.

import type { Readable } from 'node:stream';
import { randomBase62 } from '../../util/ids.ts';

export interface StoredBlob {
  stream: Readable;
  /** Bytes in `stream`: the whole blob, or the range asked for. */
  size: number;
  contentType: string;
}

export interface BlobInfo {
  size: number;
  contentType: string;
}

/** Inclusive byte offsets within the blob (`bytes=start-end`), both below its size. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Where a client fetches a blob, and until when (unix seconds) when the URL is signed for a while. */
export interface MediaUrl {
  url: string;
  expiresAt?: number;
}

/**
 * Every method that reaches the store throws 503 `storage_unavailable` (an ApiError) when the store
 * cannot be reached or refuses, so each caller fails the same way; a blob that is not there is
 * `undefined`, never an error.
 */
export interface BlobStore {
  /** Stores the bytes and returns the new key. */
  put(bytes: Buffer, contentType: string): Promise<string>;
  /**
   * Stores a stream of chunks (a large download) without holding it whole; a failing source stores
   * nothing and its own error is what this rejects with.
   */
  putStream(chunks: AsyncIterable<Buffer>, contentType: string): Promise<string>;
  /** The blob's bytes, or only `range` of them (resolved against `stat`'s size by the caller). */
  get(key: string, range?: ByteRange): Promise<StoredBlob | undefined>;
  /** Size and type without the bytes. */
  stat(key: string): Promise<BlobInfo | undefined>;
  delete(key: string): Promise<void>;
  /** Throws when the store cannot be used (readiness). */
  ping(): Promise<void>;
  /** Deletes blobs written before `cutoff` (unix ms) unless `keep(key)`; returns how many went. */
  sweepOlderThan(cutoff: number, keep: (key: string) => boolean): Promise<number>;
  /**
   * Where a client fetches the blob. Made at read time, never stored: records keep keys, so moving
   * the public URL, a CDN base or presigned URLs never breaks a stored task, and a presigned URL is
   * signed afresh at every read.
   */
  urlFor(key: string): Promise<MediaUrl>;
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

/** A fresh key for a blob of this type. */
export function newBlobKey(contentType: string): string {
  return `${randomBase62(32)}.${extensionFor(contentType)}`;
}

/** 32 base62 characters + extension. Anything else is refused before touching the disk (no traversal). */
const BLOB_KEY_PATTERN = /^[0-9A-Za-z]{32}\.(png|jpg|webp)$/;

export function contentTypeOfKey(key: string): string | undefined {
  const m = BLOB_KEY_PATTERN.exec(key);
  return m ? CONTENT_TYPES[m[1]] : undefined;
}
