// Start-up, the one place that wires Easel together: load config, open the stores, build the image
// work and the task engine that drives it, build the HTTP app, listen; and a graceful stop on SIGTERM.

import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { priceAdjustments } from './billing/adjustments.ts';
import type { PriceAdjustments } from './billing/quote.ts';
import { reconcileReservations } from './billing/reconcile.ts';
import { bootstrapBanner, bootstrapStarterAccount, loadOrCreateAdminToken } from './bootstrap.ts';
import { publicBaseUrl } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { buildApp } from './http/app.ts';
import { ChannelActivity } from './http/channel-activity.ts';
import { Auth } from './http/auth.ts';
import { createMetrics, createRedisMetrics, type Metrics, recordTaskClosed, recordUpstreamAttempt } from './http/metrics.ts';
import { startTracing } from './http/tracing.ts';
import { ApiKeyCache } from './storage/db/key-cache.ts';
import { ModelActivityCache } from './http/model-activity.ts';
import { KeyRateLimiter, type RateLimiter } from './http/rate-limit.ts';
import { SharedKeyRateLimiter } from './http/rate-limit-redis.ts';
import { trackUnusedConnections } from './http/unused-connections.ts';
import { ImageExecutor } from './pipeline/executor.ts';
import type { ImagePipelineDeps, ImageTaskEngine } from './pipeline/generate.ts';
import { buildChannels, DEMO_CHANNEL_ID } from './routing/channels.ts';
import { logUpstreamAttempt } from './routing/attempts.ts';
import { ChannelHealth } from './routing/health.ts';
import { Router } from './routing/router.ts';
import { SharedChannelHealth } from './routing/shared-health.ts';
import { describeBlobStore, openBlobStore } from './storage/blobs/open.ts';
import type { BlobStore } from './storage/blobs/types.ts';
import { type Db, openDatabase } from './storage/db/open.ts';
import { BlobRetention } from './storage/retention.ts';
import { TaskEngine } from './tasks/engine.ts';
import type { TaskClosed } from './tasks/executor.ts';
import { TaskWakeups } from './tasks/wakeups.ts';
import { webhookOutbox } from './webhooks/outbox.ts';
import { WebhookWorker } from './webhooks/worker.ts';

export interface RunningServer {
  app: FastifyInstance;
  config: Config;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Base of the URLs of Easel's own media, without a trailing slash. */
  readonly publicUrl: string;
  db: Db;
  blobs: BlobStore;
  router: Router;
  /** The 24 h figures behind the recommended order of /v1/models (refresh() re-reads them now). */
  modelActivity: ModelActivityCache;
  engine: ImageTaskEngine;
  /** Waits for a task to close, on any replica. */
  wakeups: TaskWakeups;
  retention: BlobRetention;
  adminToken: string;
  log: Logger;
  /** Stops accepting, waits for in-flight requests (bounded), closes the stores. */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Where the first-start banner goes; stderr by default, so it never lands in the JSON log on stdout. */
  print?: (text: string) => void;
}

function createLogger(config: Config): Logger {
  return pino({
    level: config.log_level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.api_key', '*.apiKey'], censor: '[redacted]' },
  });
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger(config);
  const tracing = await startTracing(config.tracing);
  const channels = buildChannels(config.channels);
  // With port 0 the real address is known only once the server listens; until then the configured one.
  let publicUrl = publicBaseUrl(config);
  const { db, blobs } = await openStores(config, log, () => publicUrl);
  const admin = loadOrCreateAdminToken(config);
  const starter = await bootstrapStarterAccount(db, config);
  const reconciled = await reconcileReservations(db.kysely);
  if (reconciled.settled + reconciled.released > 0) log.warn(reconciled, 'Closed reservations left open by an earlier stop');

  const metrics = createMetrics();
  const health = new ChannelHealth();
  const redis = config.redis_url ? await shareThroughRedis(config.redis_url, { perMinute: config.limits.requests_per_minute, commandTimeoutMs: config.redis_command_timeout_ms, health, metrics, log }) : undefined;
  // One report per upstream attempt feeds both the metrics and the attempt log line.
  const channelActivity = new ChannelActivity();
  const router = new Router(channels, health, (attempt) => {
    recordUpstreamAttempt(metrics, attempt);
    channelActivity.record(attempt);
    logUpstreamAttempt(log, attempt);
  });
  const pricing = priceAdjustments(config.pricing);
  const wakeups = new TaskWakeups(db.dialect === 'postgres' ? config.database_url : undefined, log);
  const webhooks = new WebhookWorker({ db, urlFor: (key) => blobs.urlFor(key), config: config.webhooks, allowPrivateAddresses: config.fetch.allow_private_addresses, retentionMs: config.tasks.retention_hours * 3_600_000, log });
  const engine = buildTaskEngine(config, { db, blobs, router, pricing, metrics, wakeups, webhooks, log });
  const images: ImagePipelineDeps = {
    db: db.kysely,
    blobs,
    pricing,
    engine,
    tasks: config.tasks,
    inputs: { db: db.kysely, blobs, allowPrivateAddresses: config.fetch.allow_private_addresses },
    wakeups,
  };
  const modelActivity = ModelActivityCache.fromDatabase(db, log);
  const keys = new ApiKeyCache({
    postgresUrl: db.dialect === 'postgres' ? config.database_url : undefined,
    changeCounter: db.changeCounter,
    onListenError: (err) => log.warn({ err: { message: err.message } }, 'API key change notifications lost their connection; keys are looked up until it is back'),
  });
  const auth = new Auth(db.kysely, redis?.limiter ?? new KeyRateLimiter(config.limits.requests_per_minute), admin.token, keys);
  const app = await buildApp({ limits: config.limits, traced: tracing !== undefined, config, channelActivity, db, blobs, auth, images, metrics, router, modelActivity, wakeups, webhooks: { config: config.webhooks, allowPrivateAddresses: config.fetch.allow_private_addresses }, publicUrl: () => publicUrl, log });
  const preconnects = trackUnusedConnections(app.server);
  const address = await app.listen({ host: config.host, port: config.port });
  publicUrl = publicBaseUrl(config, Number(new URL(address).port));
  engine.start();
  webhooks.start();
  modelActivity.start();
  const retention = new BlobRetention(db.kysely, blobs, config.tasks.retention_hours);
  retention.start((err) => log.error({ err }, 'blob sweep failed'));

  log.info({ database: db.description, media: describeBlobStore(config), url: address }, 'Easel is listening');
  if (channels.length === 1 && channels[0].id === DEMO_CHANNEL_ID && config.channels.length === 0) {
    log.info('No channels are configured: every catalogue model is served by the offline demo provider, which draws placeholder images. Add channels to easel.yaml to reach real providers.');
  } else {
    log.info({ channels: channels.map((c) => `${c.id} (${c.provider}: ${c.models.length} models)`) }, 'Channels loaded');
  }
  (opts.print ?? ((t) => process.stderr.write(t)))(bootstrapBanner({ url: publicUrl, admin, starter }));

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
      retention.stop();
      const tasksStopped = engine.stop(grace);
      await app.close();
      clearTimeout(timer);
      clearInterval(sweeper);
      await tasksStopped;
      await webhooks.stop();
      await modelActivity.stop();
      await redis?.close();
      await wakeups.close();
      await keys.close();
      await db.close();
      await tracing?.shutdown();
    })());

  return {
    app,
    config,
    url: address,
    get publicUrl() {
      return publicUrl;
    },
    db,
    blobs,
    router,
    modelActivity,
    engine,
    wakeups,
    retention,
    adminToken: admin.token,
    log,
    close,
  };
}

async function openStores(config: Config, log: Logger, publicUrl: () => string): Promise<{ db: Db; blobs: BlobStore }> {
  const db = await openDatabase({
    databaseUrl: config.database_url,
    dataDir: config.data_dir,
    onConnectionLost: (err) => log.warn({ err: { code: (err as { code?: string }).code, message: err.message } }, 'A database connection was lost; the next query reconnects'),
  });
  return { db, blobs: await openBlobStore(config, publicUrl, log) };
}

/** The engine that drives every task, and the image work it drives; closes are counted for /metrics. */
function buildTaskEngine(
  config: Config,
  parts: { db: Db; blobs: BlobStore; router: Router; pricing: PriceAdjustments; metrics: Metrics; wakeups: TaskWakeups; webhooks: WebhookWorker; log: Logger },
): ImageTaskEngine {
  const { db, blobs, router, pricing, metrics, wakeups, webhooks, log } = parts;
  const executor = new ImageExecutor({
    router,
    blobs,
    pricing,
    defaultTaskTimeoutMs: config.tasks.timeout_ms,
    counters: {
      recovered: (channel, outcome) => metrics.recoveredSubmits.inc({ channel, outcome }),
      uncertain: (channel, decision) => metrics.uncertainSubmits.inc({ channel, decision }),
    },
    log,
  });
  // Each close writes its webhook outbox row in the close transaction; the worker is woken once it commits.
  const outbox = webhookOutbox(config.webhooks.retry_window_ms);
  const onClosed = (event: TaskClosed) => {
    recordTaskClosed(metrics, event);
    if (outbox.queued(event.task.id)) webhooks.kick();
  };
  return new TaskEngine({ db, executor, config: config.tasks, log, wakeups, closeHook: outbox.closeHook, onClosed });
}

/**
 * With redis_url: the per-key limit and channel cooldowns shared by every replica through Redis.
 * Fail-open: while Redis is away each replica limits keys and tracks channels on its own.
 */
async function shareThroughRedis(
  url: string,
  parts: { perMinute: number; commandTimeoutMs: number; health: ChannelHealth; metrics: Metrics; log: Logger },
): Promise<{ limiter: RateLimiter; close(): Promise<void> }> {
  const { log } = parts;
  const redisMetrics = createRedisMetrics(parts.metrics.registry);
  // ioredis loads only when redis_url names a Redis: a start without one skips it (bench/startup).
  const { RedisLink } = await import('./storage/redis.ts');
  const link = new RedisLink(url, (err) => log.warn({ err: { message: err.message } }, 'Redis is unreachable: per-key limits and channel health are each replica\'s own until it answers again'), parts.commandTimeoutMs);
  link.onUpChange((up) => {
    redisMetrics.up.set(up ? 1 : 0);
    if (up) log.info('Redis answers: per-key limits and channel health are shared');
  });
  const limiter = new SharedKeyRateLimiter(parts.perMinute, link, { onFallback: () => redisMetrics.limitFallbacks.inc() });
  await new SharedChannelHealth(parts.health, link).start();
  return { limiter, close: () => link.close() };
}
