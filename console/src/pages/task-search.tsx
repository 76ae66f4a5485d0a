// Tasks across accounts (GET /admin/v1/tasks): by id, account, model and status, with the channel,
// the upstream's id and the error.

import { useState } from 'preact/hooks';
import { get, query } from '../api.ts';
import type { List, TaskItem } from '../types.ts';
import { Empty, ErrorBanner, Field, Head, useLoad, usd, when } from '../ui.tsx';

export function TaskSearchPage() {
  const [filters, setFilters] = useState({ id: '', account_id: '', model: '', status: '' });
  const [applied, setApplied] = useState(filters);
  const tasks = useLoad((signal) => get<List<TaskItem>>(`/admin/v1/tasks${query({ ...applied, limit: 50 })}`, signal), [JSON.stringify(applied)]);
  const set = (k: keyof typeof filters) => (e: Event) => setFilters((f) => ({ ...f, [k]: (e.currentTarget as HTMLInputElement).value.trim() }));
  return (
    <div>
      <form
        class="card row wrap filters"
        aria-label="Search tasks"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filters);
        }}
      >
        <Field label="Task id" id="t-id">
          <input id="t-id" value={filters.id} onInput={set('id')} placeholder="ldtask_…" />
        </Field>
        <Field label="Account" id="t-account">
          <input id="t-account" value={filters.account_id} onInput={set('account_id')} placeholder="acct_…" />
        </Field>
        <Field label="Model" id="t-model">
          <input id="t-model" value={filters.model} onInput={set('model')} />
        </Field>
        <Field label="Status" id="t-status">
          <select id="t-status" value={filters.status} onChange={set('status')}>
            <option value="">any</option>
            {['completed', 'failed', 'processing', 'pending'].map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </Field>
        <button type="submit">Search</button>
      </form>
      <ErrorBanner error={tasks.error} />
      {tasks.data?.data.length === 0 ? <Empty>No tasks match.</Empty> : null}
      <div class="table-wrap">
        <table>
          <Head cols={['Task', 'Created', 'Account', 'Model', 'Status', 'Cost', 'Channel', 'Upstream id', 'Error']} />
          <tbody>
            {tasks.data?.data.map((t) => (
              <tr>
                <td>
                  <code>{t.id}</code>
                </td>
                <td>{when(t.created)}</td>
                <td>
                  <code>{t.account_id}</code>
                </td>
                <td>{t.model}</td>
                <td>
                  <span class={`status ${t.status}`}>{t.status}</span>
                </td>
                <td>{usd(t.cost_usd)}</td>
                <td>{t.channel_id ?? '—'}</td>
                <td>
                  <code>{t.upstream_id ?? '—'}</code>
                </td>
                <td>{t.error ? `${t.error.code}: ${t.error.message}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
