// Usage across accounts (GET /admin/v1/usage) by model or account and day, as a chart and a table,
// and the ledger as CSV (GET /admin/v1/ledger?format=csv, a download through the session cookie).

import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, query } from '../api.ts';
import { UsageChart } from '../chart.tsx';
import type { UsageReport } from '../types.ts';
import { Empty, ErrorBanner, Field, useLoad, usd } from '../ui.tsx';
import { UsageTable } from './usage.tsx';

function csvOf(report: UsageReport): string {
  const lines = ['date,group,requests,failed_requests,images,cost_usd', ...report.data.map((r) => [r.date, r.group, r.requests, r.failed_requests, r.images, r.cost_usd].map((v) => `"${String(v).replace(/"/g, '""')}"`).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

export function OperatorUsagePage() {
  const [groupBy, setGroupBy] = useState('model');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const usage = useLoad((signal) => get<UsageReport>(`/admin/v1/usage${query({ group_by: groupBy, start_date: start, end_date: end })}`, signal), [groupBy, start, end]);
  // One object URL per report, given back when the report changes.
  const csvHref = useMemo(() => (usage.data ? URL.createObjectURL(new Blob([csvOf(usage.data)], { type: 'text/csv' })) : undefined), [usage.data]);
  useEffect(() => () => void (csvHref && URL.revokeObjectURL(csvHref)), [csvHref]);
  return (
    <div>
      <form class="card row wrap filters" onSubmit={(e) => e.preventDefault()} aria-label="Range">
        <Field label="Group by" id="u-group">
          <select id="u-group" value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value)}>
            <option value="model">model</option>
            <option value="account">account</option>
            <option value="key">key</option>
          </select>
        </Field>
        <Field label="From" id="u-start">
          <input id="u-start" type="date" value={start} onChange={(e) => setStart(e.currentTarget.value)} />
        </Field>
        <Field label="To" id="u-end">
          <input id="u-end" type="date" value={end} onChange={(e) => setEnd(e.currentTarget.value)} />
        </Field>
        {csvHref ? (
          <a class="button secondary" href={csvHref} download={`easel-usage-${groupBy}.csv`}>
            Usage CSV
          </a>
        ) : null}
        <a class="button secondary" href="/admin/v1/ledger?format=csv&limit=1000" download>
          Ledger CSV
        </a>
      </form>
      <ErrorBanner error={usage.error} />
      {usage.data ? (
        <>
          <p>
            {usage.data.start_date} to {usage.data.end_date}: <strong>{usd(usage.data.total_cost_usd)}</strong>
          </p>
          {usage.data.data.length ? (
            <>
              <section class="card">
                <UsageChart rows={usage.data.data} start={usage.data.start_date} end={usage.data.end_date} label={`Cost per day by ${groupBy}`} />
              </section>
              <UsageTable report={usage.data} />
            </>
          ) : (
            <Empty>No usage in this range.</Empty>
          )}
        </>
      ) : null}
    </div>
  );
}
