// Media for `easel migrate`: every blob a copied row names is copied from this box's store into the
// target store, streamed, through the BlobStore interface (so the target is whatever store the
// fleet's configuration opens: S3, or another folder). A store hands out its own keys, so each copy
// gets a new key and the rows that name the blob are rewritten to it on their way to the target
// database: uploads' `blob_key`, and the keys in a task's request (its input images) and result
// (its images), found as JSON string values that are blob keys. A blob the source no longer has
// (swept, or deleted with its file) keeps its key and is counted as missing, as it was.

import type { BlobStore } from './blobs/types.ts';
import { contentTypeOfKey } from './blobs/types.ts';

type Row = Record<string, unknown>;

/** Task columns that hold JSON naming blob keys. */
const TASK_JSON_COLUMNS = ['request', 'result'] as const;

export class MediaCopier {
  /** Source key → target key, so a blob named twice is copied once. */
  private readonly moved = new Map<string, Promise<string>>();
  copied = 0;
  missing = 0;
  bytes = 0;

  constructor(
    private readonly from: BlobStore,
    private readonly to: BlobStore,
  ) {}

  /** The row as the target database should hold it, its blobs copied first. */
  readonly rewrite = async (table: string, row: Row): Promise<Row> => {
    if (table === 'files') return { ...row, blob_key: await this.copy(String(row.blob_key)) };
    if (table !== 'tasks') return row;
    const out = { ...row };
    for (const column of TASK_JSON_COLUMNS) {
      if (typeof row[column] === 'string') out[column] = JSON.stringify(await this.rewriteValue(JSON.parse(row[column] as string)));
    }
    return out;
  };

  private async rewriteValue(value: unknown): Promise<unknown> {
    if (typeof value === 'string') return contentTypeOfKey(value) ? this.copy(value) : value;
    if (Array.isArray(value)) return Promise.all(value.map((v) => this.rewriteValue(v)));
    if (value && typeof value === 'object') {
      const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await this.rewriteValue(v)] as const));
      return Object.fromEntries(entries);
    }
    return value;
  }

  /** The blob's key in the target store (copied on first sight), or the same key when the source has no such blob. */
  private copy(key: string): Promise<string> {
    let done = this.moved.get(key);
    if (!done) {
      done = this.copyOnce(key);
      this.moved.set(key, done);
    }
    return done;
  }

  private async copyOnce(key: string): Promise<string> {
    const blob = await this.from.get(key);
    if (!blob) {
      this.missing += 1;
      return key;
    }
    const counted = async function* (this: MediaCopier, chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        this.bytes += chunk.length;
        yield chunk;
      }
    }.call(this, blob.stream);
    const copied = await this.to.putStream(counted, blob.contentType);
    this.copied += 1;
    return copied;
  }
}
