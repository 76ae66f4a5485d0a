// Prometheus metrics at GET /metrics (admin token): HTTP traffic, upstream calls per channel and
// outcome, upstream latency, money settled, task outcomes, and channel health. One registry per app,
// so tests and replicas stay apart. Label values are bounded: route patterns, catalogue ids, channel
// ids, provider names and failure kinds, never raw URLs or anything a client wrote.

import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamAttempt } from '../routing/attempts.ts';
import type { TaskClosed } from '../tasks/executor.ts';
import type { AppDeps } from './app.ts';

/**
 * prom-client's sums of its per-type gauges (easel_nodejs_active_handles{type} and its siblings):
 * a gauge named `_total` is what promtool's lint refuses, and the sum is one `sum()` away.
 */
const UNLINTED_DEFAULT_METRICS = ['easel_nodejs_active_handles_total', 'easel_nodejs_active_requests_total', 'easel_nodejs_active_resources_total'];
/** Upstream latency buckets (seconds): polls answer in tens of milliseconds, generations in seconds to minutes. */
const UPSTREAM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160];

export interface Metrics {
  registry: Registry;
  upstreamCalls: Counter<'channel' | 'provider' | 'outcome'>;
  tasksClosed: Counter<'model' | 'status'>;
  /** Submits cut off by a crash that were looked up at the upstream: found there, or absent. */
  recoveredSubmits: Counter<'channel' | 'outcome'>;
  /** Submits cut off by a crash on upstreams that cannot be asked, by what on_uncertain_submit decided. */
  uncertainSubmits: Counter<'channel' | 'decision'>;
  /** Every upstream attempt (calls, polls, lookups), timed. */
  upstreamDuration: Histogram<'model' | 'channel' | 'provider' | 'phase' | 'outcome'>;
  /** US dollars settled on completed tasks. */
  spend: Counter<'model' | 'channel'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'easel_' });
  for (const name of UNLINTED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  return {
    registry,
    upstreamCalls: new Counter({ name: 'easel_upstream_calls_total', help: 'Upstream calls by channel and outcome (ok or the failure kind).', labelNames: ['channel', 'provider', 'outcome'], registers: [registry] }),
    tasksClosed: new Counter({ name: 'easel_tasks_closed_total', help: 'Image tasks (every create) reaching a terminal state.', labelNames: ['model', 'status'], registers: [registry] }),
    recoveredSubmits: new Counter({ name: 'easel_recovered_submits_total', help: 'Task submits cut off by a restart, looked up at the upstream (found or absent).', labelNames: ['channel', 'outcome'], registers: [registry] }),
    uncertainSubmits: new Counter({ name: 'easel_uncertain_submits_total', help: 'Task submits cut off by a restart on an upstream that cannot be asked, by decision (resubmit may pay twice).', labelNames: ['channel', 'decision'], registers: [registry] }),
    upstreamDuration: new Histogram({
      name: 'easel_upstream_request_duration_seconds',
      help: 'Upstream attempts by model, channel, provider, phase (call, poll, lookup) and outcome (ok or the failure kind).',
      labelNames: ['model', 'channel', 'provider', 'phase', 'outcome'],
      buckets: UPSTREAM_BUCKETS,
      registers: [registry],
    }),
    spend: new Counter({ name: 'easel_spend_usd_total', help: 'US dollars settled on completed tasks, by model and the channel that answered.', labelNames: ['model', 'channel'], registers: [registry] }),
  };
}

/** With redis_url only: whether Redis is usable, and the limit decisions taken without it (fail-open). */
export interface RedisMetrics {
  up: Gauge;
  limitFallbacks: Counter;
}

export function createRedisMetrics(registry: Registry): RedisMetrics {
  return {
    up: new Gauge({ name: 'easel_redis_up', help: '1 while the shared Redis answers; 0 while this replica limits keys and tracks channels on its own.', registers: [registry] }),
    limitFallbacks: new Counter({ name: 'easel_rate_limit_local_decisions_total', help: 'Per-key limit decisions taken by this replica alone because Redis was down or slow (fail-open).', registers: [registry] }),
  };
}

export function installMetrics(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'metrics' | 'router'>): void {
  const { registry } = deps.metrics;
  const requests = new Histogram({
    name: 'easel_http_request_duration_seconds',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.02, 0.1, 0.5, 2, 10, 60],
    registers: [registry],
  });
  const available = new Gauge({
    name: 'easel_channel_available',
    help: '1 when the channel takes traffic, 0 while it cools down.',
    labelNames: ['channel', 'provider'],
    registers: [registry],
    collect() {
      for (const c of deps.router.channels) this.set({ channel: c.id, provider: c.provider }, deps.router.health.snapshot(c.id).available ? 1 : 0);
    },
  });
  void available;

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids and media keys must not become label values.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.observe({ route, method: request.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', async (request, reply) => {
    deps.auth.requireAdmin(request);
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}

/**
 * One upstream attempt, as the router reports it. easel_upstream_calls_total keeps its meaning —
 * routed calls, not polls — so its existing series and dashboards stay as they were.
 */
export function recordUpstreamAttempt(metrics: Metrics, a: UpstreamAttempt): void {
  if (a.phase === 'call') metrics.upstreamCalls.inc({ channel: a.channel, provider: a.provider, outcome: a.outcome });
  metrics.upstreamDuration.observe({ model: a.model, channel: a.channel, provider: a.provider, phase: a.phase, outcome: a.outcome }, a.latencyMs / 1000);
}

/** A task's close: its outcome, and the money it settled. */
export function recordTaskClosed(metrics: Metrics, event: TaskClosed): void {
  metrics.tasksClosed.inc({ model: event.task.model, status: event.status });
  if (event.chargedMicros > 0) metrics.spend.inc({ model: event.task.model, channel: event.channelId ?? 'unknown' }, event.chargedMicros / 1_000_000);
}
