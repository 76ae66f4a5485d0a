// The public shapes of a task: the create answer and the status snapshot (tokenlab-api.md §2.1, §2.4).

import type { MediaUrl } from '../storage/blobs/types.ts';
import type { Base64Text } from '../util/base64-text.ts';
import type { TaskRow } from './store.ts';

/** Where the client fetches a blob (its URL made now, signed now when presigned). */
export type UrlFor = (key: string) => Promise<MediaUrl>;

export function pollUrl(id: string): string {
  return `/v1/tasks/${id}`;
}

export function taskCreatedBody(task: Pick<TaskRow, 'id' | 'model' | 'created_at'>) {
  return {
    created: Math.floor(task.created_at / 1000),
    id: task.id,
    task_id: task.id,
    status: 'pending' as const,
    poll_url: pollUrl(task.id),
    data: [],
    model: task.model,
  };
}

/** One delivered image as a task row keeps it: a blob key (or, delivered inline, only its prompt). */
export interface StoredImage {
  key?: string;
  /** Only on an image being answered inline, never in a stored row. */
  b64_json?: Base64Text;
  revised_prompt?: string;
  delivered_inline?: boolean;
}

/**
 * The client's view of a delivered image: the key becomes a URL now, so stored rows never hold one.
 * A presigned URL says until when it works (`expires_at`, unix seconds, as on a FileObject).
 */
export async function imageView({ key, ...rest }: StoredImage, urlFor: UrlFor): Promise<Record<string, unknown>> {
  if (!key) return rest;
  const { url, expiresAt } = await urlFor(key);
  return expiresAt === undefined ? { url, ...rest } : { url, expires_at: expiresAt, ...rest };
}

export async function taskSnapshotBody(task: TaskRow, urlFor: UrlFor) {
  const stored = task.status === 'completed' && task.result ? ((JSON.parse(task.result) as { data?: StoredImage[] }).data ?? []) : [];
  const body: Record<string, unknown> = {
    id: task.id,
    task_id: task.id,
    object: 'image.task',
    poll_url: pollUrl(task.id),
    status: task.status,
    model: task.model,
    created: Math.floor(task.created_at / 1000),
    updated: Math.floor(task.updated_at / 1000),
    data: await Promise.all(stored.map((image) => imageView(image, urlFor))),
  };
  if (task.progress !== null && task.status !== 'failed') body.progress = task.progress;
  if (task.status === 'failed' && task.error) body.error = JSON.parse(task.error);
  if (task.billing_transaction_id) body.billing_transaction_id = task.billing_transaction_id;
  return body;
}
