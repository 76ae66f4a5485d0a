// The account's tasks (GET /v1/tasks): a gallery of what was made, with filters by model and status.

import { useState } from 'preact/hooks';
import { get, query } from '../api.ts';
import { offerReference } from '../reference.ts';
import { ResultCard } from '../results.tsx';
import type { List, TaskItem } from '../types.ts';
import { Empty, ErrorBanner, Field, useLoad, when } from '../ui.tsx';

export function HistoryPage() {
  const [model, setModel] = useState('');
  const [status, setStatus] = useState('');
  const [after, setAfter] = useState<string[]>([]);
  const cursor = after.at(-1);
  const tasks = useLoad((signal) => get<List<TaskItem>>(`/v1/tasks${query({ model, status, after: cursor, limit: 12 })}`, signal), [model, status, cursor]);
  return (
    <div>
      <form class="card row wrap filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <Field label="Model" id="h-model">
          <input id="h-model" value={model} placeholder="any" onChange={(e) => (setModel(e.currentTarget.value.trim()), setAfter([]))} />
        </Field>
        <Field label="Status" id="h-status">
          <select id="h-status" value={status} onChange={(e) => (setStatus(e.currentTarget.value), setAfter([]))}>
            <option value="">any</option>
            {['completed', 'failed', 'processing', 'pending'].map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </Field>
      </form>
      <ErrorBanner error={tasks.error} />
      {tasks.data && tasks.data.data.length === 0 ? <Empty>No tasks yet: make one in the Playground.</Empty> : null}
      <section class="results grid" aria-label="Tasks">
        {tasks.data?.data.map((t) => (
          <div>
            <p class="hint">{when(t.created)}</p>
            <ResultCard
              result={{ model: t.model, status: t.status, progress: t.progress, images: t.data, parameters: t.parameters, normalized: t.normalized, cost: t.cost_usd, taskId: t.id, error: t.error ? new Error(`${t.error.code}: ${t.error.message}`) : undefined }}
              onReference={offerReference}
            />
          </div>
        ))}
      </section>
      <div class="row">
        <button type="button" class="secondary" disabled={after.length === 0} onClick={() => setAfter((a) => a.slice(0, -1))}>
          Newer
        </button>
        <button type="button" class="secondary" disabled={!tasks.data?.has_more} onClick={() => setAfter((a) => [...a, tasks.data!.last_id!])}>
          Older
        </button>
      </div>
    </div>
  );
}
