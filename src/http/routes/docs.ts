// GET / (where to start), GET /docs (the API reference: Swagger UI reading /openapi.json) and the
// page's assets. The assets come from the swagger-ui-dist package on this machine, never from a
// CDN: the page loads nothing from anywhere else, so it works offline and its CSP allows only self.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import { DOCS_ASSETS, type DocsAsset, INDEX_LINKS } from '../../api/operations/service.ts';

const ASSETS_PATH = '/docs/assets';

/**
 * Only this server's scripts, styles and documents. Images may also be `data:` URLs: the Swagger UI
 * stylesheet draws its icons with them. No inline script (the page's own setup is docs.js), no eval,
 * no frames, no forms posting elsewhere.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Easel API reference</title>
<link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="${ASSETS_PATH}/docs.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io for its badge.
const SETUP_SCRIPT = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(INDEX_LINKS.openapi)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const fromPackage = (file: string) => () => readFile(path.join(swaggerUiDir, file));

const SOURCES: Record<DocsAsset, () => Promise<Buffer>> = {
  'swagger-ui.css': fromPackage('swagger-ui.css'),
  'swagger-ui-bundle.js': fromPackage('swagger-ui-bundle.js'),
  'docs.js': async () => Buffer.from(SETUP_SCRIPT),
  'favicon-32x32.png': fromPackage('favicon-32x32.png'),
  'favicon-16x16.png': fromPackage('favicon-16x16.png'),
};

export function docsRoutes(app: FastifyInstance): void {
  // Read once, on first use: the bundle is 1.8 MB and most servers never show the page.
  const loaded = new Map<DocsAsset, Promise<Buffer>>();
  const asset = (name: DocsAsset) => {
    let bytes = loaded.get(name);
    if (!bytes) {
      bytes = SOURCES[name]();
      loaded.set(name, bytes);
      bytes.catch(() => loaded.delete(name));
    }
    return bytes;
  };

  app.get('/', async () => ({ object: 'index', name: 'Easel image gateway', links: INDEX_LINKS }));

  app.get('/docs', async (_request, reply) => {
    nosniff(reply).header('content-security-policy', DOCS_CSP).header('referrer-policy', 'no-referrer').header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').send(PAGE);
  });

  app.get<{ Params: { file: string } }>(`${ASSETS_PATH}/:file`, async (request, reply) => {
    const name = request.params.file;
    if (!Object.hasOwn(DOCS_ASSETS, name)) throw apiErrors.routeNotFound(request.method, request.url);
    const bytes = await asset(name as DocsAsset);
    // The files change only with the package; an hour of caching spares the 1.8 MB on every visit.
    nosniff(reply).header('cache-control', 'public, max-age=3600');
    return reply.type(DOCS_ASSETS[name as DocsAsset]).send(bytes);
  });
}

function nosniff(reply: FastifyReply): FastifyReply {
  return reply.header('x-content-type-options', 'nosniff');
}
