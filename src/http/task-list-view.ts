// What a task list shows of each task: the snapshot GET /v1/tasks/{id} answers, plus what the console's
// gallery and history want beside it — the request's parameters (never its input images or callback
// URL), the values Easel chose for the client, the request id and what the task cost.

import type { TaskListRow } from '../storage/db/task-search.ts';
import { taskSnapshotBody, type UrlFor } from '../tasks/views.ts';
import { formatUsd } from '../util/money.ts';

/** Parameters shown as the client would write them (snake_case), from the stored normalized request. */
const SHOWN = { operation: 'operation', prompt: 'prompt', n: 'n', quality: 'quality', style: 'style', aspectRatio: 'aspect_ratio', resolution: 'resolution', background: 'background', outputFormat: 'output_format', seed: 'seed', negativePrompt: 'negative_prompt' } as const;

export function requestParameters(storedRequest: string): { parameters: Record<string, unknown>; normalized: Record<string, string> } {
  let req: Record<string, unknown> = {};
  try {
    req = JSON.parse(storedRequest) as Record<string, unknown>;
  } catch {
    // A row that cannot be read shows no parameters rather than failing the list.
  }
  const parameters: Record<string, unknown> = {};
  for (const [field, name] of Object.entries(SHOWN)) if (req[field] !== undefined) parameters[name] = req[field];
  const size = req.size as { width: number; height: number } | 'auto' | undefined;
  if (size !== undefined) parameters.size = size === 'auto' ? 'auto' : `${size.width}x${size.height}`;
  const images = (req.images as unknown[] | undefined)?.length ?? (req.imageRefs as unknown[] | undefined)?.length ?? 0;
  if (images) parameters.input_images = images;
  if (req.mask || req.maskRef || req.maskUrl) parameters.mask = true;
  return { parameters, normalized: (req.normalized as Record<string, string> | undefined) ?? {} };
}

export async function taskListItem(row: TaskListRow, urlFor: UrlFor) {
  return {
    ...(await taskSnapshotBody(row, urlFor)),
    id: row.id,
    request_id: row.request_id,
    cost_usd: row.cost_micros === null ? null : formatUsd(Number(row.cost_micros)),
    ...requestParameters(row.request),
  };
}

/** The operator's row: whose task it was, where it ran, the upstream's id for it. */
export async function adminTaskListItem(row: TaskListRow, urlFor: UrlFor) {
  return {
    ...(await taskListItem(row, urlFor)),
    account_id: row.account_id,
    key_id: row.key_id,
    channel_id: row.channel_id,
    upstream_id: upstreamIdOf(row.upstream),
  };
}

export function upstreamIdOf(upstream: string | null): string | null {
  return upstream ? ((JSON.parse(upstream) as { upstreamId?: string }).upstreamId ?? null) : null;
}
