// Who is calling and what they uploaded: the types the HTTP edge hands down to the pipeline.

/** The authenticated caller of a public route. */
export interface Caller {
  accountId: string;
  keyId: string;
  /** The key's model controls (allowed globs, per-model limits): throws 403 or 429 for a model it may not use now. */
  admitModel?: (model: string) => Promise<void>;
  /** The key's own wait for task-based upstreams (null or absent: the server's tasks.sync_wait_ms). */
  syncWaitMs?: number | null;
}

/** One file part of a multipart upload, read whole within its limit. */
export interface UploadedFile {
  /** The form field it came in (`file`, `image`, `image[]`, `mask`). */
  field: string;
  /** The name the client gave, path removed; '' when none. Never used to decide the type. */
  filename: string;
  /** The Content-Type the client declared for the part; informational only. */
  declaredType: string;
  bytes: Buffer;
}
