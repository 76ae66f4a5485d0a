// The Fastify application: request ids, limits, the error envelope and the routes.

import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { randomBase62 } from '../util/ids.ts';
import { installErrorHandling } from './errors.ts';
import { registerMultipart } from './multipart.ts';
import { installMetrics } from './metrics.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { adminRoutes } from './routes/admin.ts';
import { fileRoutes } from './routes/files.ts';
import { healthRoutes } from './routes/health.ts';
import { imageRoutes } from './routes/images.ts';
import { mediaRoutes } from './routes/media.ts';
import { modelRoutes } from './routes/models.ts';
import { taskRoutes } from './routes/tasks.ts';
import { usageRoutes } from './routes/usage.ts';

/** An incoming X-Request-ID is echoed only when it looks like an id, so logs cannot be injected into. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: services.log as FastifyBaseLogger,
    bodyLimit: services.config.limits.json_body_bytes,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : `req_${randomBase62(24)}`;
    },
    return503OnClosing: true,
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // While stopping, answers close their connection, so keep-alive clients do not hold the stop up.
  app.addHook('onSend', async (_request, reply) => {
    if (!app.server.listening) reply.header('connection', 'close');
  });

  installErrorHandling(app);
  installMetrics(app, services);
  await registerMultipart(app, services.config.limits.multipart_body_bytes);
  healthRoutes(app, services);
  modelRoutes(app);
  imageRoutes(app, services);
  taskRoutes(app, services);
  usageRoutes(app, services);
  fileRoutes(app, services);
  mediaRoutes(app, services);
  adminRoutes(app, services);

  let openapi: Record<string, unknown> | undefined;
  app.get('/openapi.json', async () => (openapi ??= buildOpenApiDocument(services.publicUrl)));

  await app.ready();
  return app;
}
