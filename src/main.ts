// Start-up: load config, open stores, build the HTTP app, listen; and a graceful stop on SIGTERM.

import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { priceAdjustments } from './billing/adjustments.ts';
import { reconcileReservations } from './billing/reconcile.ts';
import { bootstrapBanner, bootstrapStarterAccount, loadOrCreateAdminToken } from './bootstrap.ts';
import { publicBaseUrl } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { buildApp } from './http/app.ts';
import { createMetrics } from './http/metrics.ts';
import { KeyRateLimiter } from './http/rate-limit.ts';
import { trackUnusedConnections } from './http/unused-connections.ts';
import { buildChannels, DEMO_CHANNEL_ID } from './routing/channels.ts';
import { ChannelHealth } from './routing/health.ts';
import { Router } from './routing/router.ts';
import type { Services } from './services.ts';
import { LocalBlobStore } from './storage/blobs/local.ts';
import { openDatabase } from './storage/db/open.ts';
import { TaskEngine } from './tasks/engine.ts';

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Stops accepting, waits for in-flight requests (bounded), closes the stores. */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Where the first-start banner goes; stdout by default. */
  print?: (text: string) => void;
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.log_level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.api_key', '*.apiKey'], censor: '[redacted]' },
  });
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger(config);
  const channels = buildChannels(config.channels);
  const db = await openDatabase({
    databaseUrl: config.database_url,
    dataDir: config.data_dir,
    onConnectionLost: (err) => log.warn({ err: { code: (err as { code?: string }).code, message: err.message } }, 'A database connection was lost; the next query reconnects'),
  });
  // The public URL is final only once the server listens (port 0): the store reads it when asked.
  const blobs = new LocalBlobStore(path.resolve(config.data_dir, 'media'), () => services.publicUrl);
  const admin = loadOrCreateAdminToken(config);
  const starter = await bootstrapStarterAccount(db, config);

  const reconciled = await reconcileReservations(db.kysely);
  if (reconciled.settled + reconciled.released > 0) log.warn(reconciled, 'Closed reservations left open by an earlier stop');

  const metrics = createMetrics();
  const partial: Omit<Services, 'tasks'> & { tasks?: TaskEngine } = {
    config,
    db,
    blobs,
    router: new Router(channels, new ChannelHealth(), (channel, outcome) => metrics.upstreamCalls.inc({ channel: channel.id, provider: channel.provider, outcome })),
    rateLimiter: new KeyRateLimiter(config.limits.requests_per_minute),
    metrics,
    pricing: priceAdjustments(config.pricing),
    publicUrl: publicBaseUrl(config),
    adminToken: admin.token,
    log,
  };
  // The engine needs the services and the services carry the engine.
  partial.tasks = new TaskEngine(partial as Services);
  const services = partial as Services;
  const app = await buildApp(services);
  const preconnects = trackUnusedConnections(app.server);
  const address = await app.listen({ host: config.host, port: config.port });
  const port = Number(new URL(address).port);
  // With port 0 the real port is known only now.
  services.publicUrl = publicBaseUrl(config, port);
  services.tasks.start();

  log.info({ database: db.description, media: path.resolve(config.data_dir, 'media'), url: address }, 'Easel is listening');
  if (channels.length === 1 && channels[0].id === DEMO_CHANNEL_ID && config.channels.length === 0) {
    log.info('No channels are configured: every catalogue model is served by the offline demo provider, which draws placeholder images. Add channels to easel.yaml to reach real providers.');
  } else {
    log.info({ channels: channels.map((c) => `${c.id} (${c.provider}: ${c.models.length} models)`) }, 'Channels loaded');
  }
  (opts.print ?? ((t) => process.stdout.write(t)))(bootstrapBanner({ url: services.publicUrl, admin, starter }));

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const grace = config.limits.shutdown_grace_ms;
      const timer = setTimeout(() => {
        log.warn('In-flight requests did not finish within the grace period; closing connections.');
        app.server.closeAllConnections();
      }, grace);
      timer.unref();
      // A response that finishes after close() began leaves an idle keep-alive socket behind: sweep them.
      const sweeper = setInterval(() => {
        app.server.closeIdleConnections();
        preconnects.closeUnused();
      }, 100);
      sweeper.unref();
      // Stop taking tasks while HTTP drains; tasks driven here are handed back for another worker.
      const tasksStopped = services.tasks.stop(grace);
      await app.close();
      clearTimeout(timer);
      clearInterval(sweeper);
      await tasksStopped;
      await db.close();
    })());

  return { app, services, url: address, close };
}
