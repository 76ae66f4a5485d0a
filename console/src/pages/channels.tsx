// Channels: health and cool-down as this replica sees them (GET /admin/v1/channels), beside the last
// 24 h of each (GET /admin/v1/channels/stats): success rate, p50/p99 latency, the latest errors.

import { get } from '../api.ts';
import type { List } from '../types.ts';
import { Empty, ErrorBanner, useLoad, when } from '../ui.tsx';

interface Channel {
  id: string;
  provider: string;
  models: string[];
  priority: number;
  weight: number;
  base_url_host: string | null;
  health: { available: boolean; cooling_until: number | null; consecutive_failures: number; rate_limited: boolean };
}

interface Stats {
  id: string;
  succeeded: number;
  failed: number;
  success_rate: number | null;
  p50_latency_ms: number | null;
  p99_latency_ms: number | null;
  recent_errors: Array<{ at: number; model: string; outcome: string; upstream_status: number | null; reason: string | null }>;
}

const ms = (v: number | null) => (v === null ? '—' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v} ms`);

export function ChannelsPage() {
  const channels = useLoad((signal) => get<List<Channel>>('/admin/v1/channels', signal), []);
  const stats = useLoad((signal) => get<List<Stats>>('/admin/v1/channels/stats', signal), []);
  const statsOf = (id: string) => stats.data?.data.find((s) => s.id === id);
  return (
    <div>
      <ErrorBanner error={channels.error ?? stats.error} />
      <div class="row">
        <button type="button" class="secondary" onClick={() => (channels.reload(), stats.reload())}>
          Refresh
        </button>
      </div>
      {channels.data?.data.length === 0 ? <Empty>No channels.</Empty> : null}
      <div class="cards">
        {channels.data?.data.map((c) => {
          const s = statsOf(c.id);
          const h = c.health;
          const state = h.cooling_until ? (h.rate_limited ? 'rate limited' : 'cooling down') : h.available ? 'healthy' : 'unavailable';
          return (
            <article class="card channel" data-channel-id={c.id}>
              <header>
                <h2>{c.id}</h2>
                <span class={`status ${h.available && !h.cooling_until ? 'completed' : 'failed'}`}>{state}</span>
              </header>
              <p class="muted">
                {c.provider}
                {c.base_url_host ? ` · ${c.base_url_host}` : ''} · priority {c.priority} · weight {c.weight}
              </p>
              {h.cooling_until ? (
                <p>
                  Resting until {when(h.cooling_until)} after {h.consecutive_failures} consecutive failure{h.consecutive_failures === 1 ? '' : 's'}
                  {h.rate_limited ? ' (the upstream answered 429)' : ''}.
                </p>
              ) : null}
              <dl class="pairs">
                <dt>calls ok (24 h)</dt>
                <dd>{s?.success_rate === null || !s ? '—' : `${(s.success_rate * 100).toFixed(1)}% of ${s.succeeded + s.failed}`}</dd>
                <dt>p50 latency</dt>
                <dd>{ms(s?.p50_latency_ms ?? null)}</dd>
                <dt>p99 latency</dt>
                <dd>{ms(s?.p99_latency_ms ?? null)}</dd>
                <dt>models</dt>
                <dd>{c.models.length > 6 ? `${c.models.slice(0, 6).join(', ')} and ${c.models.length - 6} more` : c.models.join(', ')}</dd>
              </dl>
              {s?.recent_errors.length ? (
                <details>
                  <summary>Recent errors ({s.recent_errors.length})</summary>
                  <ul class="errors">
                    {s.recent_errors.map((e) => (
                      <li>
                        {when(e.at)} · <code>{e.outcome}</code>
                        {e.upstream_status ? ` (HTTP ${e.upstream_status})` : ''} · {e.model}
                        {e.reason ? `: ${e.reason}` : ''}
                      </li>
                    ))}
                  </ul>
                </details>
              ) : null}
            </article>
          );
        })}
      </div>
    </div>
  );
}
