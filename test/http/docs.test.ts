// The docs page and the index: /docs is Swagger UI over /openapi.json, made only of this server's own
// files (the swagger-ui-dist package's, as installed), with a CSP that allows nothing from anywhere
// else; GET / points at the docs, the document, the catalogue and health.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const get = (p: string) => server.call(p, { key: null });
const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Every URL the page names: src and href attributes. */
function references(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]);
}

describe('GET /docs', () => {
  it('is an HTML page under a CSP that allows only this server', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives['default-src']).toEqual(["'none'"]);
    for (const name of ['script-src', 'style-src', 'connect-src']) expect(directives[name], name).toEqual(["'self'"]);
    // The stylesheet's icons are data: URLs; nothing else besides self.
    expect(directives['img-src']).toEqual(["'self'", 'data:']);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it('loads only local assets, and no inline script or style', async () => {
    const html = await (await get('/docs')).text();
    const refs = references(html);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    for (const ref of refs) expect(ref, ref).toMatch(/^\/docs\/assets\/[\w.-]+$/);
    expect(html).not.toMatch(/https?:\/\//);
    // The CSP would block them anyway; the page must not need them.
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      expect(m[1]).toMatch(/\bsrc=/);
      expect(m[2].trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\bstyle\s*=/i);
    expect(refs).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/docs.js']));
  });

  it('serves every asset the page names with its content type, the package files byte for byte', async () => {
    const types: Record<string, RegExp> = { css: /^text\/css; charset=utf-8/, js: /^text\/javascript; charset=utf-8/, png: /^image\/png/ };
    for (const ref of references(await (await get('/docs')).text())) {
      const res = await get(ref);
      expect(res.status, ref).toBe(200);
      expect(res.headers.get('content-type'), ref).toMatch(types[ref.split('.').at(-1) ?? '']);
      expect(res.headers.get('x-content-type-options'), ref).toBe('nosniff');
      const bytes = Buffer.from(await res.arrayBuffer());
      const file = path.basename(ref);
      if (file !== 'docs.js') expect(bytes.equals(readFileSync(path.join(swaggerUiDir, file))), ref).toBe(true);
    }
  });

  it('starts Swagger UI on /openapi.json without the online validator', async () => {
    const script = await (await get('/docs/assets/docs.js')).text();
    let config: Record<string, unknown> | undefined;
    const SwaggerUIBundle = Object.assign((c: Record<string, unknown>) => (config = c), { presets: { apis: 'apis-preset' } });
    runInNewContext(script, { window: {}, SwaggerUIBundle });
    expect(config).toMatchObject({ url: '/openapi.json', dom_id: '#swagger-ui', validatorUrl: null, presets: ['apis-preset'] });
    expect(script).not.toMatch(/https?:\/\//);
    const page = await get('/docs');
    expect(await page.text()).toContain('id="swagger-ui"');
    const bundle = await (await get('/docs/assets/swagger-ui-bundle.js')).text();
    expect(bundle).toContain('SwaggerUIBundle');
  });

  it('answers an unknown or climbing asset name with the 404 envelope', async () => {
    for (const name of ['nope.js', '..%2Fpackage.json', 'swagger-ui.css.map', 'index.html', '%2e%2e']) {
      const res = await get(`/docs/assets/${name}`);
      expect(res.status, name).toBe(404);
      expect((await res.json()).error, name).toMatchObject({ code: 'route_not_found', type: 'not_found_error' });
    }
  });
});

describe('GET /', () => {
  it('is a JSON index whose links all answer', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ object: 'index', name: 'Easel image gateway', links: { docs: '/docs', openapi: '/openapi.json', models: '/v1/models', health: '/healthz' } });
    for (const link of Object.values(body.links as Record<string, string>)) expect((await get(link)).status, link).toBe(200);
  });
});
