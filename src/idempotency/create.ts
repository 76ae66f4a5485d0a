// Creates under an Idempotency-Key. The first request with a key creates (its key row committed with
// its task or file); every later one within the window, on any replica, is answered from what the
// first created, with `Idempotent-Replayed: true`, and creates nothing, calls no upstream and is
// charged nothing. The same key with a different request is a 422. Two requests racing on a new key
// both try to create: the primary key lets one commit, the other's transaction rolls back whole
// (reservation included) and it answers from the winner's row.
//
// A retry while the first create still runs waits for it (within its own wait budget), rather than
// the 409 the draft suggests: Easel always has an answer to give — the images once done, else the
// task to poll — and a 409 would send the client (the OpenAI SDKs retry 409s on their own, a few
// times, within seconds) back to ask again while the image takes its minute.

import { apiErrors } from '../api/errors.ts';
import type { CreateResult } from '../pipeline/generate.ts';
import type { FileRecord } from '../storage/db/files.ts';
import type { NewIdempotencyKey } from '../tasks/store.ts';
import type { WaitPlan } from '../tasks/wait-plan.ts';
import { answerFromTask, type TaskAnswerDeps } from './answer.ts';
import { findKeyedFile, findLiveKey, forgetKey, IDEMPOTENCY_WINDOW_MS, type IdempotencyKeyRow, isUniqueViolation } from './store.ts';

export interface KeyedRequest {
  accountId: string;
  key: string;
  /** The route, e.g. `/v1/images/generations`. */
  endpoint: string;
  fingerprint: string;
}

export interface KeyedResult<T> {
  result: T;
  /** Answered from an earlier request's create (`Idempotent-Replayed: true`). */
  replayed: boolean;
}

/** An image create (generation, edit, variation) under a key. */
export async function createImagesOnce(
  deps: TaskAnswerDeps,
  request: KeyedRequest,
  waiting: { wait: WaitPlan; signal: AbortSignal },
  create: (key: NewIdempotencyKey) => Promise<CreateResult>,
): Promise<KeyedResult<CreateResult>> {
  const { wait, signal } = waiting;
  const replay = async (row: IdempotencyKeyRow) => {
    const answer = await answerFromTask(deps, taskOf(row, request), wait, signal);
    // Nothing to answer from — the task failed in a way a retry may mend (and was not charged), or is
    // gone (removed by hand: a key's window never outlives the retention) — so the key is new again.
    if (!answer) await forgetKey(deps.db, row);
    return answer;
  };
  // A key never outlives what it answers from.
  const windowMs = Math.min(IDEMPOTENCY_WINDOW_MS, deps.tasks.retention_hours * 3_600_000);
  const keyed = await once(deps.db, request, windowMs, replay, create);
  // The create's own inline answer is made as every retry's will be: from the task.
  if (!keyed.replayed && keyed.result.kind === 'inline') keyed.result = (await answerFromTask(deps, keyed.result.taskId, wait, signal)) ?? keyed.result;
  return keyed;
}

/** A file upload under a key; its retries answer the same file (even once deleted: the upload's answer). */
export async function uploadOnce(db: TaskAnswerDeps['db'], request: KeyedRequest, upload: (key: NewIdempotencyKey) => Promise<FileRecord>): Promise<KeyedResult<FileRecord>> {
  return once(db, request, IDEMPOTENCY_WINDOW_MS, (row) => findKeyedFile(db, fileOf(row, request)), upload);
}

/** Find the key → answer from it; else create with it → on losing a race for it, answer from the winner. */
async function once<T>(
  db: TaskAnswerDeps['db'],
  request: KeyedRequest,
  windowMs: number,
  replay: (row: IdempotencyKeyRow) => Promise<T | undefined>,
  create: (key: NewIdempotencyKey) => Promise<T>,
): Promise<KeyedResult<T>> {
  const answerFromKey = async (): Promise<T | undefined> => {
    const row = await findLiveKey(db, request.accountId, request.key);
    return row ? replay(row) : undefined;
  };
  const earlier = await answerFromKey();
  if (earlier !== undefined) return { result: earlier, replayed: true };
  const now = Date.now();
  const key: NewIdempotencyKey = { account_id: request.accountId, key: request.key, endpoint: request.endpoint, fingerprint: request.fingerprint, created_at: now, expires_at: now + windowMs };
  try {
    return { result: await create(key), replayed: false };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await answerFromKey();
    if (winner === undefined) throw err;
    return { result: winner, replayed: true };
  }
}

/** The same request again, or the key is spent on another one. */
function taskOf(row: IdempotencyKeyRow, request: KeyedRequest): string {
  if (row.fingerprint !== request.fingerprint || !row.task_id) throw apiErrors.idempotencyKeyReused();
  return row.task_id;
}

function fileOf(row: IdempotencyKeyRow, request: KeyedRequest): IdempotencyKeyRow {
  if (row.fingerprint !== request.fingerprint || !row.file_id) throw apiErrors.idempotencyKeyReused();
  return row;
}
