// A keyed image create answered from its task row, for the create itself and for every retry under
// its key: nothing of the response is stored, the row holds what is needed (the blob keys of the
// images, the charge, the request's response_format and async). A retry while the task still runs
// waits for it, within the retry's own wait budget, hearing the close from any replica.

import type { Kysely } from 'kysely';
import { apiErrors, ERROR_CODES, type ErrorCodeSpec } from '../api/errors.ts';
import type { Config } from '../config/schema.ts';
import type { CreateResult } from '../pipeline/generate.ts';
import type { BlobStore } from '../storage/blobs/types.ts';
import type { Database } from '../storage/db/schema.ts';
import { findTask, type TaskRow } from '../tasks/store.ts';
import type { WaitPlan } from '../tasks/wait-plan.ts';
import { imageView, type StoredImage, taskCreatedBody } from '../tasks/views.ts';
import type { TaskWakeups } from '../tasks/wakeups.ts';
import { readAll } from '../util/bytes.ts';

export interface TaskAnswerDeps {
  db: Kysely<Database>;
  blobs: BlobStore;
  tasks: Config['tasks'];
  wakeups: Pick<TaskWakeups, 'waitFor'>;
}

/** The row is read again at least this often while waiting: a submit to a task-based upstream (which shortens the wait) is not announced. */
const RECHECK_MS = 1_000;

/** What the stored request says about its answer. */
interface AnswerShape {
  responseFormat: 'url' | 'b64_json';
  async: boolean;
  normalized?: Record<string, string>;
}

/**
 * The answer the create gives now: its task when it asked for `async` or is still running after the
 * wait, its images inline once completed, its error once failed. Undefined when there is nothing to
 * answer from: the task is gone, or it failed in a way a retry may mend (a `retryable` code: the
 * upstream failed, no channel could serve it; nothing was charged), so the retry tries again.
 */
export async function answerFromTask(deps: TaskAnswerDeps, taskId: string, wait: WaitPlan, signal: AbortSignal): Promise<CreateResult | undefined> {
  const first = await findTask(deps.db, taskId);
  if (!first) return undefined;
  const shape = JSON.parse(first.request) as AnswerShape;
  const task = shape.async ? first : await settledTask(first, wait, deps, signal);
  if (!task) return undefined;
  const preferenceApplied = shape.async ? undefined : wait.applied;
  if (task.status === 'completed' && !shape.async) return { ...(await inlineAnswer(deps.blobs, task, shape)), preferenceApplied };
  if (task.status === 'failed') {
    const error = task.error ? (JSON.parse(task.error) as { code?: string; message?: string }) : {};
    const spec: ErrorCodeSpec | undefined = error.code && Object.hasOwn(ERROR_CODES, error.code) ? ERROR_CODES[error.code as keyof typeof ERROR_CODES] : undefined;
    if (spec?.retryable) return undefined;
    if (!shape.async) throw apiErrors.replayed(error.code ?? 'server_error', error.message ?? 'The image task failed.');
  }
  return { kind: 'task', body: taskCreatedBody(task), taskId: task.id, preferenceApplied };
}

/**
 * The task once closed, or as it is when the wait is over: this request's wait budget, or — once the
 * work sits at a task-based upstream — its wait there, as a create would wait (tasks/wait-plan.ts).
 */
async function settledTask(first: TaskRow, wait: WaitPlan, deps: TaskAnswerDeps, signal: AbortSignal): Promise<TaskRow | undefined> {
  const started = Date.now();
  for (let task: TaskRow | undefined = first; ; task = await findTask(deps.db, first.id)) {
    if (!task || task.status === 'completed' || task.status === 'failed') return task;
    const budget = task.upstream ? Math.min(wait.taskUpstreamWaitMs, wait.budgetMs) : wait.budgetMs;
    const left = started + budget - Date.now();
    if (left <= 0 || signal.aborted) return task;
    // Read, wait, read again: a close between the read and the wait is seen on the next read.
    await deps.wakeups.waitFor(first.id, Math.min(left, RECHECK_MS), signal);
  }
}

/** The inline body from the stored images: URLs made now, base64 read back from the blobs. */
async function inlineAnswer(blobs: BlobStore, task: TaskRow, shape: AnswerShape): Promise<CreateResult> {
  const stored = task.result ? ((JSON.parse(task.result) as { data?: StoredImage[] }).data ?? []) : [];
  const data = await Promise.all(stored.map((image) => (shape.responseFormat === 'b64_json' ? base64View(blobs, image) : imageView(image, (key) => blobs.urlFor(key)))));
  const billingTransactionId = task.billing_transaction_id ?? task.reservation_id ?? '';
  const body: Extract<CreateResult, { kind: 'inline' }>['body'] = { created: Math.floor(task.updated_at / 1000), data, billing_transaction_id: billingTransactionId };
  if (shape.normalized && Object.keys(shape.normalized).length > 0) body.normalized = shape.normalized;
  return { kind: 'inline', body, billingTransactionId, taskId: task.id };
}

async function base64View(blobs: BlobStore, { key, revised_prompt }: StoredImage): Promise<Record<string, unknown>> {
  const blob = key ? await blobs.get(key) : undefined;
  if (!blob) throw apiErrors.storageUnavailable('A stored image of this request could not be read. Please retry.');
  const b64 = (await readAll(blob.stream)).toString('base64');
  return revised_prompt === undefined ? { b64_json: b64 } : { b64_json: b64, revised_prompt };
}
