// /openapi.json documents every route Easel serves, and nothing it does not: the routes are the ones
// Fastify registers while a real server starts (an onRoute hook added through Fastify's
// `fastify.initialization` diagnostics channel, before any route exists), compared both ways with
// the document's operations. Then the document itself: every answer that is not an error says what
// it carries, every schema compiles, every operation id is unique.

import { channel } from 'node:diagnostics_channel';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_PAGE_MAX } from '../../src/billing/usage.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

type Operation = { operationId: string; parameters?: Array<{ name: string; in: string; schema: Record<string, unknown> }>; requestBody?: { content: Record<string, { schema?: unknown }> }; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

const registered: Array<{ method: string; url: string }> = [];
const initialization = channel('fastify.initialization');
const collect = (message: unknown) => {
  (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registered.push({ method, url: route.url });
  });
};

let server: TestServer;
let doc: Doc;
beforeAll(async () => {
  initialization.subscribe(collect);
  try {
    server = await startTestServer();
  } finally {
    initialization.unsubscribe(collect);
  }
  doc = (await (await server.call('/openapi.json', { key: null })).json()) as Doc;
});
afterAll(() => server.close());

/** `/v1/files/:id` and `/v1/files/{file_id}` name the same route: parameter names are the document's choice. */
const shape = (method: string, path: string) => `${method.toUpperCase()} ${path.replace(/:[^/]+|\{[^}]+\}/g, '{}')}`;

function servedRoutes(): string[] {
  const gets = new Set(registered.filter((r) => r.method === 'GET').map((r) => r.url));
  // Fastify adds a HEAD route beside every GET (exposeHeadRoutes): the GET's own answer without
  // its body, documented by the GET. A HEAD route of its own would be listed.
  return [...new Set(registered.filter((r) => !(r.method === 'HEAD' && gets.has(r.url))).map((r) => shape(r.method, r.url)))].sort();
}

function documented(): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => shape(method, path)))
    .sort();
}

describe('/openapi.json and the routes', () => {
  it('saw the routes being registered', () => {
    // Guards the hook itself: a Fastify that stopped publishing the channel would leave nothing to compare.
    expect(servedRoutes()).toEqual(expect.arrayContaining(['GET /v1/models', 'POST /v1/images/generations', 'GET /admin/v1/ledger', 'GET /docs', 'GET /openapi.json']));
    expect(servedRoutes().length).toBeGreaterThan(40);
  });

  it('documents every route Fastify serves', () => {
    const missing = servedRoutes().filter((r) => !documented().includes(r));
    expect(missing, 'routes without an operation in /openapi.json: declare them in src/api/operations/ (or their module\'s openapi.ts)').toEqual([]);
  });

  it('documents no operation the server does not serve', () => {
    const extra = documented().filter((r) => !servedRoutes().includes(r));
    expect(extra, 'operations in /openapi.json with no route behind them').toEqual([]);
  });
});

describe('the document', () => {
  const operations = () => Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })));

  it('gives every operation a unique id and says what every non-error answer carries', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const silent = operations().flatMap(({ name, op }) =>
      Object.entries(op.responses)
        .filter(([status, r]) => Number(status) < 400 && status !== '304' && !r.content)
        .map(([status]) => `${name} ${status}`),
    );
    expect(silent).toEqual([]);
    // Every JSON body, asked for or answered, has a schema.
    const unschemed = operations().flatMap(({ name, op }) =>
      [...Object.entries(op.responses).map(([s, r]) => [s, r.content] as const), ['request', op.requestBody?.content] as const]
        .filter(([, content]) => content?.['application/json'] && !content['application/json'].schema)
        .map(([s]) => `${name} ${s}`),
    );
    expect(unschemed).toEqual([]);
  });

  it('describes every error answer with the error envelope', () => {
    const others = operations().flatMap(({ name, op }) =>
      Object.entries(op.responses)
        .filter(([status]) => Number(status) >= 400 && !(name === 'GET /readyz' && status === '503'))
        .filter(([, r]) => (r.content?.['application/json']?.schema as { $ref?: string } | undefined)?.$ref !== '#/components/schemas/ApiError')
        .map(([status]) => `${name} ${status}`),
    );
    expect(others).toEqual([]);
  });

  it('has schemas that compile, every $ref resolving', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ ...doc, $id: 'doc.json' });
    for (const name of Object.keys(doc.components.schemas)) expect(() => ajv.getSchema(`doc.json#/components/schemas/${name}`), name).not.toThrow();
    expect(ajv.getSchema('doc.json#/components/schemas/ImageCreateResponse')).toBeTypeOf('function');
  });

  it('states the ledger page limit billing enforces', () => {
    const limit = doc.paths['/admin/v1/ledger'].get.parameters?.find((p) => p.name === 'limit');
    expect(limit?.schema.maximum).toBe(LEDGER_PAGE_MAX);
  });
});
