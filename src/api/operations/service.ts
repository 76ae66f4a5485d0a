// The routes around the API: the index at `/`, the docs page and its assets, this document,
// health and readiness, metrics, and the stored images under /media.

import { z } from 'zod';
import { answer, type OperationSpec, pathParam, reply } from './spec.ts';

/** The files under /docs/assets/, with the type each is served as (http/routes/docs.ts serves them). */
export const DOCS_ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'docs.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
} as const;

export type DocsAsset = keyof typeof DOCS_ASSETS;

/** Where a newcomer goes from `GET /`. */
export const INDEX_LINKS = { docs: '/docs', openapi: '/openapi.json', models: '/v1/models', health: '/healthz' } as const;

const index = answer(
  'Index',
  reply({
    object: z.literal('index'),
    name: z.string(),
    links: z.object({ docs: z.string(), openapi: z.string(), models: z.string(), health: z.string() }).describe('Paths on this server'),
  }),
);

const health = answer('Health', reply({ status: z.literal('ok') }));

const readiness = answer(
  'Readiness',
  reply({
    status: z.enum(['ready', 'unavailable']),
    checks: z.record(z.string(), z.enum(['ok', 'failing'])).describe('database, blob_store'),
  }),
);

const openApiDocument = answer('OpenApiDocument', reply({ openapi: z.string(), info: reply({}), paths: reply({}), components: reply({}) }));

const binary = { type: 'string', format: 'binary' };
const cached = { ETag: 'The key itself (strong)', 'Cache-Control': 'public, max-age=31536000, immutable', 'Accept-Ranges': 'bytes' };

export const serviceOperations: OperationSpec[] = [
  {
    method: 'get',
    path: '/',
    operationId: 'index',
    summary: 'Where to start: the docs page, this document, the catalogue, health',
    tag: 'service',
    security: 'none',
    responses: { 200: { description: 'Links', json: index } },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'This API reference, as a page (Swagger UI, served by Easel, no outside resources)',
    tag: 'service',
    security: 'none',
    responses: { 200: { description: 'The page', content: { 'text/html': { type: 'string' } } } },
  },
  {
    method: 'get',
    path: '/docs/assets/{file}',
    operationId: 'docsAsset',
    summary: "The docs page's styles, scripts and icons",
    tag: 'service',
    security: 'none',
    params: [{ name: 'file', in: 'path', description: 'One of the files the page loads', schema: { type: 'string', enum: Object.keys(DOCS_ASSETS) } }],
    responses: {
      200: {
        description: 'The file',
        content: { 'text/css': { type: 'string' }, 'text/javascript': { type: 'string' }, 'image/png': binary },
      },
    },
    errors: ['route_not_found'],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document (OpenAPI 3.1)',
    tag: 'service',
    security: 'none',
    responses: { 200: { description: 'The document', json: openApiDocument } },
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Alive',
    tag: 'service',
    security: 'none',
    responses: { 200: { description: 'The process answers', json: health } },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'Ready: the database and the blob store answer',
    tag: 'service',
    security: 'none',
    responses: {
      200: { description: 'Ready', json: readiness },
      503: { description: 'Not ready: a check fails', json: readiness },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    tag: 'service',
    security: 'adminToken',
    responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { type: 'string' } } } },
  },
  {
    method: 'get',
    path: '/media/{key}',
    operationId: 'getMedia',
    summary: 'A stored image',
    description: 'No key needed: the key is random and unguessable. Conditional (If-None-Match) and single-range (Range) requests are answered.',
    tag: 'service',
    security: 'none',
    params: [pathParam('key', 'The image key, from a `url` Easel handed out')],
    responses: {
      200: { description: 'The image', content: { 'image/png': binary, 'image/jpeg': binary, 'image/webp': binary }, headers: cached },
      206: { description: 'The range asked for', content: { 'image/png': binary, 'image/jpeg': binary, 'image/webp': binary }, headers: { ...cached, 'Content-Range': 'bytes start-end/size' } },
      304: { description: 'Not modified: the cached copy is this image', headers: cached },
    },
    errors: ['media_not_found', 'range_not_satisfiable', 'storage_unavailable'],
  },
];
