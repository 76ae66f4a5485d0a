// A blob store that cannot be reached or refuses fails the request the same way whatever the store
// and the caller: 503 storage_unavailable (retryable). The store's own error goes to the log, never to
// the client; it is not kept as the `cause` either, so no caller mistakes an S3 connection refusal
// for the database's (storage/db/unavailable.ts reads causes).

import { type ApiError, apiErrors } from '../../api/errors.ts';

export interface BlobLog {
  warn(details: Record<string, unknown>, message: string): void;
}

export type BlobOperation = 'put' | 'upload' | 'get' | 'stat' | 'delete' | 'list' | 'sign' | 'ping';

const WRITES: ReadonlySet<BlobOperation> = new Set(['put', 'upload']);

export function storeUnavailable(operation: BlobOperation, err: unknown, log?: BlobLog): ApiError {
  log?.warn({ operation, err: describe(err) }, 'the blob store failed');
  return WRITES.has(operation)
    ? apiErrors.storageUnavailable()
    : apiErrors.storageUnavailable('The image store cannot be reached right now. Please retry.');
}

/** Name, code and message only: SDK errors carry request internals the log does not need. */
function describe(err: unknown): Record<string, unknown> {
  const e = err as { name?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  return { name: e?.name, code: e?.code, status: e?.$metadata?.httpStatusCode, message: typeof e?.message === 'string' ? e.message.slice(0, 300) : String(err) };
}
