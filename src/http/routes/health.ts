// Liveness and readiness for orchestrators.

import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.ts';

export function healthRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'blobs'>): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks = await Promise.all([
      check('database', () => deps.db.ping()),
      check('blob_store', () => deps.blobs.ping()),
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
