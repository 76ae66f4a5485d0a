// What the operator's console reads beyond the admin API's own lists: each channel's upstream calls
// over the last 24 h on this replica (GET /admin/v1/channels/stats) and the effective configuration
// with every secret masked (GET /admin/v1/config).

import type { FastifyInstance } from 'fastify';
import { CHANNEL_STATS_WINDOW_MS } from '../../api/operations/console.ts';
import type { AppDeps } from '../app.ts';
import { maskSecrets } from '../config-view.ts';

const seconds = (ms: number) => Math.floor(ms / 1000);

export function adminInsightRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'router' | 'config' | 'channelActivity'>): void {
  app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => deps.auth.requireAdmin(request));

    admin.get('/admin/v1/channels/stats', async () => {
      const since = Date.now() - CHANNEL_STATS_WINDOW_MS;
      const data = deps.router.channels.map((channel) => {
        const s = deps.channelActivity.summary(channel.id, since);
        const calls = s.succeeded + s.failed;
        return {
          id: channel.id,
          object: 'channel.stats',
          window_start: seconds(since),
          succeeded: s.succeeded,
          failed: s.failed,
          success_rate: calls ? s.succeeded / calls : null,
          p50_latency_ms: s.p50LatencyMs,
          p99_latency_ms: s.p99LatencyMs,
          recent_errors: s.recentErrors.map((e) => ({ at: seconds(e.at), model: e.model, outcome: e.outcome, upstream_status: e.upstreamStatus, reason: e.reason })),
        };
      });
      return { object: 'list', data, has_more: false };
    });

    admin.get('/admin/v1/config', async () => ({ object: 'config', config: maskSecrets(deps.config) }));
  });
}
