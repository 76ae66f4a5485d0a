// The Fastify application: request ids, limits, the error envelope and the routes.

import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { TaskWakeups } from '../tasks/wakeups.ts';
import type { Config } from '../config/schema.ts';
import type { ImagePipelineDeps } from '../pipeline/generate.ts';
import type { Router } from '../routing/router.ts';
import type { BlobStore } from '../storage/blobs/types.ts';
import type { Db } from '../storage/db/open.ts';
import { randomBase62 } from '../util/ids.ts';
import type { Auth } from './auth.ts';
import type { ChannelActivity } from './channel-activity.ts';
import type { Metrics } from './metrics.ts';
import type { ModelActivityCache } from './model-activity.ts';
import { answerClientError, answerFrameworkError, installErrorHandling } from './errors.ts';
import { registerMultipart } from './multipart.ts';
import { installMetrics } from './metrics.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { installRequestShape } from './request-shape.ts';
import { traceRequests } from './tracing.ts';
import { adminRoutes } from './routes/admin.ts';
import { consoleRoutes } from './routes/console.ts';
import { docsRoutes } from './routes/docs.ts';
import { fileRoutes } from './routes/files.ts';
import { healthRoutes } from './routes/health.ts';
import { imageRoutes } from './routes/images.ts';
import { keyControlRoutes } from './routes/key-controls.ts';
import { mcpRoutes } from './routes/mcp.ts';
import { mediaRoutes } from './routes/media.ts';
import { modelRoutes } from './routes/models.ts';
import { taskEventRoutes } from './routes/task-events.ts';
import { taskRoutes } from './routes/tasks.ts';
import { usageRoutes } from './routes/usage.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import type { WebhookSettings } from '../webhooks/api.ts';

/** An incoming X-Request-ID is echoed only when it looks like an id, so logs cannot be injected into. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the HTTP edge uses; each route takes only its part. */
export interface AppDeps {
  limits: Config['limits'];
  /** A server span per request (http/tracing.ts): only when tracing is configured. */
  traced?: boolean;
  /** The whole configuration, for the operator's masked view of it (GET /admin/v1/config). */
  config: Config;
  /** Each channel's recent upstream calls on this replica (GET /admin/v1/channels/stats). */
  channelActivity: Pick<ChannelActivity, 'summary'>;
  db: Db;
  blobs: BlobStore;
  auth: Auth;
  images: ImagePipelineDeps;
  metrics: Metrics;
  /** Channels and their health, for the availability gauge. */
  router: Router;
  /** How each model fared in the last 24 h, for the recommended order of /v1/models. */
  modelActivity: Pick<ModelActivityCache, 'snapshot'>;
  /** Waits for a task to close on any replica (task event streams). */
  wakeups: Pick<TaskWakeups, 'waitFor'>;
  webhooks: WebhookSettings;
  /** Base of Easel's own URLs (known once it listens). */
  publicUrl: () => string;
  log: Logger;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { headers_timeout_ms, request_timeout_ms, keep_alive_timeout_ms } = deps.limits;
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.limits.json_body_bytes,
    // Node enforces the header and request timeouts when it checks its connections: check often
    // enough that a slow client is cut off close to its limit, not up to 30 s later.
    http: { headersTimeout: headers_timeout_ms, requestTimeout: request_timeout_ms, connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headers_timeout_ms / 4))) },
    requestTimeout: request_timeout_ms,
    keepAliveTimeout: keep_alive_timeout_ms,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : `req_${randomBase62(24)}`;
    },
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });

  // Fastify reads text/plain bodies as strings by default; Easel takes JSON (and multipart where it
  // says so), so any other type is a 415 rather than a confusing "not valid JSON".
  app.removeContentTypeParser('text/plain');

  // First, so every later hook and the handler run inside the request's span.
  if (deps.traced) traceRequests(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // While stopping, answers close their connection, so keep-alive clients do not hold the stop up.
  app.addHook('onSend', async (_request, reply) => {
    if (!app.server.listening) reply.header('connection', 'close');
  });

  installErrorHandling(app);
  installRequestShape(app, deps.limits.json_body_bytes);
  installMetrics(app, deps);
  await registerMultipart(app, deps.limits.multipart_body_bytes);
  healthRoutes(app, deps);
  modelRoutes(app, deps);
  imageRoutes(app, deps);
  taskRoutes(app, deps);
  taskEventRoutes(app, deps);
  usageRoutes(app, deps);
  fileRoutes(app, deps);
  mediaRoutes(app, deps);
  adminRoutes(app, deps);
  keyControlRoutes(app, deps);
  webhookRoutes(app, deps);
  mcpRoutes(app, deps);
  docsRoutes(app);
  consoleRoutes(app, deps);

  let openapi: Record<string, unknown> | undefined;
  app.get('/openapi.json', async () => (openapi ??= buildOpenApiDocument(deps.publicUrl())));

  app.server.maxConnections = deps.limits.max_connections;
  await app.ready();
  return app;
}
