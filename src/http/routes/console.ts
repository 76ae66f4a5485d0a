// GET /console (the Easel Console, a single page) and its bundled assets, built by scripts/build.mjs
// from console/ into dist/console/. The page loads nothing from anywhere else and runs no inline
// script, so its Content-Security-Policy allows only this server (and the media origin, when stored
// images are served from a CDN or a bucket). Asset names carry a content hash: cached for a year;
// the page itself is revalidated on every visit, so a new build shows at once.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import { CONSOLE_ASSET_TYPES } from '../../api/operations/console.ts';
import type { AppDeps } from '../app.ts';
import { accountRoutes } from './account.ts';
import { adminInsightRoutes } from './admin-insights.ts';
import { consoleSessionRoutes } from './console-session.ts';
import { taskListRoutes } from './task-lists.ts';

/** dist/console/ of this checkout: this file sits three folders below the root in src/ and in dist/ alike. */
const CONSOLE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'console');
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function consoleCsp(mediaOrigin: string | undefined): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${mediaOrigin ? ` ${mediaOrigin}` : ''}`,
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** Where stored images are fetched from (a CDN, a bucket, or Easel's public URL): the CSP must let the page show them. */
async function mediaOrigin(deps: Pick<AppDeps, 'blobs'>): Promise<string | undefined> {
  try {
    const { url } = await deps.blobs.urlFor('console-probe.png');
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function hardened(reply: FastifyReply, csp: string): FastifyReply {
  return reply.header('content-security-policy', csp).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin').header('cross-origin-opener-policy', 'same-origin');
}

/** The console's page, assets and sign-in, and the lists it reads that the API had no route for. */
export function consoleRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'db' | 'blobs' | 'router' | 'config' | 'channelActivity' | 'publicUrl'>): void {
  consolePageRoutes(app, deps);
  consoleSessionRoutes(app, deps);
  taskListRoutes(app, deps);
  accountRoutes(app, deps);
  adminInsightRoutes(app, deps);
}

function consolePageRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'blobs'>): void {
  let csp: Promise<string> | undefined;
  const policy = () => (csp ??= mediaOrigin(deps).then(consoleCsp));

  app.get('/console', async (request, reply) => {
    // Read per visit (a few hundred bytes): a rebuild while the server runs is served at once.
    const page = await readFile(path.join(CONSOLE_DIR, 'index.html')).catch(() => undefined);
    if (!page) {
      request.log.warn('GET /console: dist/console/ is missing; `npm run build` builds it');
      throw apiErrors.routeNotFound(request.method, request.url);
    }
    return hardened(reply, await policy()).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page);
  });

  app.get<{ Params: { file: string } }>('/console/assets/:file', async (request, reply) => {
    const name = request.params.file;
    const type = CONSOLE_ASSET_TYPES[path.extname(name) as keyof typeof CONSOLE_ASSET_TYPES];
    const bytes = ASSET_NAME.test(name) && type ? await readFile(path.join(CONSOLE_DIR, 'assets', name)).catch(() => undefined) : undefined;
    if (!bytes) throw apiErrors.routeNotFound(request.method, request.url);
    return hardened(reply, await policy()).header('cache-control', 'public, max-age=31536000, immutable').type(type).send(bytes);
  });
}
