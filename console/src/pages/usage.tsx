// The account's balance and usage: cost per day and model (GET /v1/usage) as a chart and a table.

import { get } from '../api.ts';
import { UsageChart } from '../chart.tsx';
import type { UsageReport } from '../types.ts';
import { Empty, ErrorBanner, Head, useLoad, usd } from '../ui.tsx';

interface AccountView {
  balance_usd: string;
  name: string;
  key: { name: string; spend_limit_usd: string | null; spent_usd: string; budget_usd: string | null; budget_spent_usd: string | null; budget_period: string | null };
}

export function UsageTable({ report }: { report: UsageReport }) {
  return (
    <div class="table-wrap">
      <table>
        <Head cols={['Day', 'Group', 'Requests', 'Failed', 'Images', 'Cost']} />
        <tbody>
          {report.data.map((r) => (
            <tr>
              <td>{r.date}</td>
              <td>{r.group}</td>
              <td>{r.requests}</td>
              <td>{r.failed_requests}</td>
              <td>{r.images}</td>
              <td>{usd(r.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function UsagePage() {
  const account = useLoad((signal) => get<AccountView>('/v1/account', signal), []);
  const usage = useLoad((signal) => get<UsageReport>('/v1/usage?group_by=model', signal), []);
  const key = account.data?.key;
  return (
    <div>
      <ErrorBanner error={account.error ?? usage.error} />
      <div class="stats">
        <div class="card stat">
          <span>Balance</span>
          <strong data-testid="balance">{usd(account.data?.balance_usd)}</strong>
        </div>
        <div class="card stat">
          <span>Spent in 30 days</span>
          <strong>{usd(usage.data?.total_cost_usd)}</strong>
        </div>
        {key ? (
          <div class="card stat">
            <span>This key ({key.name})</span>
            <strong>{usd(key.spent_usd)}</strong>
            <small>{key.spend_limit_usd ? `limit ${usd(key.spend_limit_usd)}` : 'no spend limit'}{key.budget_usd ? ` · budget ${usd(key.budget_spent_usd)} of ${usd(key.budget_usd)} per ${key.budget_period}` : ''}</small>
          </div>
        ) : null}
      </div>
      {usage.data ? (
        usage.data.data.length ? (
          <>
            <section class="card">
              <h2>Cost per day and model</h2>
              <UsageChart rows={usage.data.data} start={usage.data.start_date} end={usage.data.end_date} label="Cost per day, one line per model" />
            </section>
            <UsageTable report={usage.data} />
          </>
        ) : (
          <Empty>No usage in the last 30 days.</Empty>
        )
      ) : null}
    </div>
  );
}
