// Liveness and readiness for orchestrators.

import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';

export function healthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks = await Promise.all([
      check('database', () => services.db.ping()),
      check('blob_store', () => services.blobs.ping()),
    ]);
    const ready = checks.every((c) => c.ok);
    reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(checks.map((c) => [c.name, c.ok ? 'ok' : 'failing'])) });
  });
}

async function check(name: string, probe: () => Promise<void>): Promise<{ name: string; ok: boolean }> {
  try {
    await probe();
    return { name, ok: true };
  } catch {
    return { name, ok: false };
  }
}
