// Blob store on S3 or any S3-compatible server (MinIO, R2, s3rver): the object `<prefix><key>` in one
// bucket. Every replica of a fleet reads and writes the same bucket, so any replica serves any image.
//
// A dead or unreachable store must fail a request within seconds, not hang it: the client's connect,
// response and idle timeouts and its attempts are bounded (S3_TIMEOUTS), and every failure leaves as
// 503 storage_unavailable (failure.ts), which delivery turns into a failed, uncharged request.

import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type BlobLog, type BlobOperation, storeUnavailable } from './failure.ts';
import { type BlobInfo, type BlobStore, type ByteRange, type MediaUrl, type StoredBlob, contentTypeOfKey, newBlobKey } from './types.ts';
import { type MediaConfig, unsignedUrls } from './urls.ts';

export interface S3Timeouts {
  /** TCP (and TLS) connect. */
  connectMs: number;
  /** From sending a request to its response's head, body upload included. */
  responseMs: number;
  /** Silence on a socket mid-body (a download to a slow client pauses it, so this is the longest). */
  idleMs: number;
  /** Tries per operation, the first included. */
  attempts: number;
}

export const S3_TIMEOUTS: S3Timeouts = { connectMs: 3_000, responseMs: 10_000, idleMs: 30_000, attempts: 2 };

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible server; unset: AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** '' or segments each ending in '/'. */
  prefix: string;
  /** Unset: the SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  media: MediaConfig;
  /** Easel's own base URL, for `serve` mode (read at each call: known only once the server listens). */
  publicBase: () => string;
  log?: BlobLog;
  /** Keys per listing page, hence per batch delete, in sweeps: S3's maximum (1000) unless a test wants pages. */
  sweepPageSize?: number;
  timeouts?: Partial<S3Timeouts>;
}

/** S3's largest ListObjectsV2 page and DeleteObjects batch. */
const S3_BATCH_MAX = 1000;
/**
 * A streamed upload goes up in parts of S3's minimum size, two in flight: one upload holds at most
 * about two parts (10 MiB) whatever the image's size. Smaller images go up in one PutObject.
 */
const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;
/** Keys are immutable: whoever serves the object (a CDN, the bucket) may cache it for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Sockets to the store; one per request in flight (the SDK's default, 50, queues a busy replica's uploads). */
const MAX_SOCKETS = 256;

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly media: MediaConfig;
  private readonly unsigned: (key: string) => MediaUrl;
  private readonly pageSize: number;
  private readonly log?: BlobLog;

  constructor(options: S3BlobStoreOptions) {
    const t = { ...S3_TIMEOUTS, ...options.timeouts };
    const agent = { keepAlive: true, maxSockets: MAX_SOCKETS };
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      maxAttempts: t.attempts,
      requestHandler: { connectionTimeout: t.connectMs, requestTimeout: t.responseMs, throwOnRequestTimeout: true, socketTimeout: t.idleMs, httpAgent: agent, httpsAgent: agent },
      // Checksums only where S3 requires them: several S3-compatible servers (s3rver, older MinIO,
      // some gateways) refuse or mangle the SDK's newer default CRC32 headers and trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.media = options.media;
    this.unsigned = unsignedUrls(options.media, options.publicBase);
    this.pageSize = Math.min(options.sweepPageSize ?? S3_BATCH_MAX, S3_BATCH_MAX);
    this.log = options.log;
  }

  private objectKey(key: string): string {
    return `${this.prefix}${key}`;
  }

  /** Runs one store operation; whatever it throws leaves as storage_unavailable, unless `absent` says "not there". */
  private async attempt<T>(operation: BlobOperation, run: () => Promise<T>, absent?: (err: unknown) => boolean): Promise<T | undefined> {
    try {
      return await run();
    } catch (err) {
      if (absent?.(err)) return undefined;
      throw storeUnavailable(operation, err, this.log);
    }
  }

  async put(bytes: Buffer, contentType: string): Promise<string> {
    const key = newBlobKey(contentType);
    await this.attempt('put', () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: bytes, ContentLength: bytes.length, ContentType: contentType, CacheControl: IMMUTABLE })),
    );
    return key;
  }

  async putStream(chunks: AsyncIterable<Buffer>, contentType: string): Promise<string> {
    const key = newBlobKey(contentType);
    // The upload reports its own failure (often the abort after it), not the source's: keep the
    // source's error, so a failed download stays the upstream's fault rather than the store's.
    let sourceError: unknown;
    const watched = async function* () {
      try {
        yield* chunks;
      } catch (err) {
        sourceError = err;
        throw err;
      }
    };
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.objectKey(key), Body: Readable.from(watched()), ContentType: contentType, CacheControl: IMMUTABLE },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      if (sourceError !== undefined) throw sourceError;
      throw storeUnavailable('upload', err, this.log);
    }
    return key;
  }

  async get(key: string, range?: ByteRange): Promise<StoredBlob | undefined> {
    const contentType = contentTypeOfKey(key);
    if (!contentType) return undefined;
    const out = await this.attempt(
      'get',
      () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Range: range ? `bytes=${range.start}-${range.end}` : undefined })),
      isMissingObject,
    );
    if (!out) return undefined;
    return { stream: out.Body as Readable, size: out.ContentLength ?? 0, contentType };
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    const contentType = contentTypeOfKey(key);
    if (!contentType) return undefined;
    const head = await this.attempt('stat', () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })), isMissingObject);
    return head ? { size: head.ContentLength ?? 0, contentType } : undefined;
  }

  async delete(key: string): Promise<void> {
    if (!contentTypeOfKey(key)) return;
    await this.attempt('delete', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })));
  }

  /**
   * One listing page at a time, each followed by one batch delete of its old keys (S3 takes up to
   * 1000 per call). Only Easel's own keys directly under the prefix are candidates: other objects in a
   * shared bucket, and deeper "folders" (another deployment's prefix), are never touched.
   */
  async sweepOlderThan(cutoff: number, keep: (key: string) => boolean): Promise<number> {
    let removed = 0;
    let token: string | undefined;
    do {
      const page = (await this.attempt('list', () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, Delimiter: '/', MaxKeys: this.pageSize, ContinuationToken: token })),
      ))!;
      const doomed = (page.Contents ?? []).flatMap(({ Key, LastModified }) => {
        const key = Key?.slice(this.prefix.length) ?? '';
        const old = LastModified !== undefined && LastModified.getTime() < cutoff;
        return old && contentTypeOfKey(key) && !keep(key) ? [Key!] : [];
      });
      removed += await this.deleteBatch(doomed);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return removed;
  }

  /** Deletes up to 1000 objects in one call; returns how many went (S3 lists only the failures). */
  private async deleteBatch(objectKeys: string[]): Promise<number> {
    if (objectKeys.length === 0) return 0;
    const out = (await this.attempt('delete', () =>
      this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objectKeys.map((Key) => ({ Key })), Quiet: true } })),
    ))!;
    const failed = out.Errors?.length ?? 0;
    if (failed > 0) this.log?.warn({ operation: 'delete', failed, first: out.Errors?.[0]?.Code }, 'the blob store kept some swept blobs');
    return objectKeys.length - failed;
  }

  /** The bucket answers with these credentials (readiness); the log is left to /readyz's callers. */
  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  async urlFor(key: string): Promise<MediaUrl> {
    if (this.media.mode !== 'presigned') return this.unsigned(key);
    return (await this.attempt('sign', () => this.presign(key)))!;
  }

  /**
   * A GET signed for presign_ttl_s from now. With temporary credentials (a role, SSO) the URL dies
   * with them, so the lifetime published is the shorter of the two.
   */
  private async presign(key: string): Promise<MediaUrl> {
    const now = Date.now();
    const credentials = await this.client.config.credentials();
    const untilCredentialsExpire = credentials.expiration ? Math.floor((credentials.expiration.getTime() - now) / 1000) : Infinity;
    const expiresIn = Math.max(1, Math.min(this.media.presign_ttl_s, untilCredentialsExpire));
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }), { expiresIn });
    return { url, expiresAt: Math.floor(now / 1000) + expiresIn };
  }
}

/** The object is not there. A missing bucket is a store fault (NoSuchBucket), not a missing image. */
function isMissingObject(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}
