// How each model fared in the tasks that closed recently, from the task rows themselves: one
// aggregate query (discovery's recommended order reads it through a cache, never per request).
// A failure counts against the model only when the request itself was not at fault: a prompt the
// provider moderated, a request it refused or a client that hung up say nothing about the model.

import { sql } from 'kysely';
import { ERROR_CODES } from '../../api/errors.ts';
import type { Db } from './open.ts';

/** The window the figures cover: tasks closed in the last 24 h. */
export const MODEL_STATS_WINDOW_MS = 24 * 3_600_000;

export interface ModelOutcomes {
  model: string;
  /** Tasks that completed. */
  succeeded: number;
  /** Tasks that failed for a reason other than the request itself. */
  failed: number;
  /** Mean time from create to close of the completed tasks (ms); null with none. */
  meanLatencyMs: number | null;
}

/** One group of the query: a model, a terminal status and (for failures) the error code. */
interface OutcomeGroup {
  model: string;
  status: string;
  code: string | null;
  tasks: number | string;
  total_ms: number | string | null;
}

/** Failures a client caused: codes of the 4xx family (429 excepted: every channel being busy is the deployment's). */
export function failureCountsAgainstModel(code: string | null): boolean {
  const spec = code === null ? undefined : (ERROR_CODES as Record<string, { status: number } | undefined>)[code];
  if (!spec) return true;
  return spec.status >= 500 || spec.status === 429;
}

/** The outcomes of every model with a task closed at or after `since` (unix ms). */
export async function modelOutcomesSince(db: Db, since: number): Promise<ModelOutcomes[]> {
  // The code of a failure, read from its JSON error ({code, message}, written by failTask).
  const code = db.dialect === 'postgres' ? sql<string>`(error::json ->> 'code')` : sql<string>`json_extract(error, '$.code')`;
  const result = await sql<OutcomeGroup>`
    SELECT model, status, CASE WHEN status = 'failed' THEN ${code} END AS code,
           COUNT(*) AS tasks, SUM(updated_at - created_at) AS total_ms
    FROM tasks
    WHERE status IN ('completed', 'failed') AND updated_at >= ${since}
    GROUP BY 1, 2, 3`.execute(db.kysely);
  return outcomesByModel(result.rows);
}

function outcomesByModel(groups: readonly OutcomeGroup[]): ModelOutcomes[] {
  const byModel = new Map<string, { succeeded: number; failed: number; succeededMs: number }>();
  for (const g of groups) {
    const entry = byModel.get(g.model) ?? { succeeded: 0, failed: 0, succeededMs: 0 };
    // PostgreSQL answers COUNT and SUM of bigints as strings.
    const tasks = Number(g.tasks);
    if (g.status === 'completed') {
      entry.succeeded += tasks;
      entry.succeededMs += Number(g.total_ms ?? 0);
    } else if (failureCountsAgainstModel(g.code)) {
      entry.failed += tasks;
    }
    byModel.set(g.model, entry);
  }
  return [...byModel].map(([model, e]) => ({
    model,
    succeeded: e.succeeded,
    failed: e.failed,
    meanLatencyMs: e.succeeded > 0 ? Math.round(e.succeededMs / e.succeeded) : null,
  }));
}
