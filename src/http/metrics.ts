// Prometheus metrics at GET /metrics (admin token): HTTP traffic, upstream calls per channel and
// outcome, task outcomes, and channel health. One registry per app, so tests and replicas stay apart.

import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AppDeps } from './app.ts';

export interface Metrics {
  registry: Registry;
  upstreamCalls: Counter<'channel' | 'provider' | 'outcome'>;
  tasksClosed: Counter<'model' | 'status'>;
  /** Submits cut off by a crash that were looked up at the upstream: found there, or absent. */
  recoveredSubmits: Counter<'channel' | 'outcome'>;
  /** Submits cut off by a crash on upstreams that cannot be asked, by what on_uncertain_submit decided. */
  uncertainSubmits: Counter<'channel' | 'decision'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'easel_' });
  return {
    registry,
    upstreamCalls: new Counter({ name: 'easel_upstream_calls_total', help: 'Upstream calls by channel and outcome (ok or the failure kind).', labelNames: ['channel', 'provider', 'outcome'], registers: [registry] }),
    tasksClosed: new Counter({ name: 'easel_tasks_closed_total', help: 'Image tasks (every create) reaching a terminal state.', labelNames: ['model', 'status'], registers: [registry] }),
    recoveredSubmits: new Counter({ name: 'easel_recovered_submits_total', help: 'Task submits cut off by a restart, looked up at the upstream (found or absent).', labelNames: ['channel', 'outcome'], registers: [registry] }),
    uncertainSubmits: new Counter({ name: 'easel_uncertain_submits_total', help: 'Task submits cut off by a restart on an upstream that cannot be asked, by decision (resubmit may pay twice).', labelNames: ['channel', 'decision'], registers: [registry] }),
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
