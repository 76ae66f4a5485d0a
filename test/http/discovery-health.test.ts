// Public discovery, health, readiness, media serving and the OpenAPI document.

import { chmodSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('discovery', () => {
  it('lists models without a key', async () => {
    const res = await server.call('/v1/models', { key: null });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.object).toBe('list');
    const ids = body.data.map((m: { id: string }) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-image-2', 'dall-e-3', 'midjourney', 'flux-pro']));
    for (const m of body.data) expect(m).toMatchObject({ object: 'model', created: expect.any(Number), owned_by: expect.any(String) });
  });

  it('shows one model and 404s an unknown one', async () => {
    const one = await (await server.call('/v1/models/dall-e-3', { key: null })).json();
    expect(one).toMatchObject({ id: 'dall-e-3', object: 'model' });
    const missing = await server.call('/v1/models/nope', { key: null });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('model_not_found');
  });
});

describe('health', () => {
  it('is alive and ready', async () => {
    expect((await server.call('/healthz')).status).toBe(200);
    const ready = await server.call('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', blob_store: 'ok' } });
  });

  it('is not ready when the blob store cannot be written', async () => {
    if (process.getuid?.() === 0) {
      // root writes through permissions: break the store by replacing its folder with a file instead.
      const { rmSync, writeFileSync } = await import('node:fs');
      const media = path.join(server.dataDir, 'media');
      rmSync(media, { recursive: true, force: true });
      writeFileSync(media, 'not a folder');
      const res = await server.call('/readyz');
      expect(res.status).toBe(503);
      expect((await res.json()).checks.blob_store).toBe('failing');
      rmSync(media);
    } else {
      const media = path.join(server.dataDir, 'media');
      chmodSync(media, 0o500);
      const res = await server.call('/readyz');
      expect(res.status).toBe(503);
      chmodSync(media, 0o700);
    }
    expect((await server.call('/readyz')).status).toBe(200);
  });
});

describe('media', () => {
  it('refuses keys that are not blob keys, including traversal attempts', async () => {
    // Paths sent as written: fetch would resolve `/media/%2E%2E` to `/` before it left the client.
    const client = new Client(server.url);
    for (const key of ['..%2F..%2Fetc%2Fpasswd', '%2E%2E', 'abc.png', `${'a'.repeat(32)}.exe`, `${'a'.repeat(32)}.png`]) {
      const res = await client.request({ method: 'GET', path: `/media/${key}` });
      expect(res.statusCode, key).toBe(404);
      expect(((await res.body.json()) as { error: { type: string } }).error.type).toBe('not_found_error');
    }
    await client.close();
  });
});

describe('openapi', () => {
  it('publishes an OpenAPI 3.1 document generated from the request schemas', async () => {
    const doc = await (await server.call('/openapi.json', { key: null })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/images/generations'].post).toBeDefined();
    const request = doc.components.schemas.ImageGenerationRequest;
    // model may be omitted (OpenAI's defaults apply, reported in normalized.model); prompt may not.
    expect(request.required).toEqual(['prompt']);
    expect(request.properties.model.description).toMatch(/dall-e-3 on generations, dall-e-2 on edits and variations/);
    expect(request.properties.response_format.enum).toEqual(['url', 'b64_json']);
    for (const path of ['/v1/images/edits', '/v1/images/variations', '/v1/tasks/{id}', '/v1/images/{id}', '/v1/usage', '/v1/files']) expect(doc.paths[path]).toBeDefined();
    expect(doc.components.schemas.ImageEditRequest.properties.images).toBeDefined();
  });
});

describe('discovery filters over HTTP', () => {
  it('lists image models in recommended order, compact, and by provider', async () => {
    const recommended = await (await server.call('/v1/models?recommended_for=image', { key: null })).json();
    expect(recommended.data[0].id).toBe('gpt-image-2');
    const compact = await (await server.call('/v1/models?view=compact', { key: null })).json();
    expect(compact).toMatchObject({ object: 'list', view: 'compact', count: compact.data.length });
    const google = await (await server.call('/v1/models?provider=google', { key: null })).json();
    expect(google.data.length).toBeGreaterThan(0);
    for (const m of google.data) expect(m.owned_by).toBe('google');
  });

  it('resolves aliases and serves prices', async () => {
    const alias = await (await server.call('/v1/models/grok-imagine-image-pro', { key: null })).json();
    expect(alias.id).toBe('grok-imagine-image-quality');
    const pricing = await (await server.call('/v1/pricing', { key: null })).json();
    expect(pricing).toMatchObject({ object: 'pricing', currency: 'USD' });
    const one = await (await server.call('/v1/models/dall-e-3/pricing', { key: null })).json();
    expect(one.model).toBe('dall-e-3');
    expect((await server.call('/v1/models/nope/pricing', { key: null })).status).toBe(404);
  });
});

describe('internal errors', () => {
  it('answer 500 server_error with no stack or internals, and readiness fails', async () => {
    const broken = await startTestServer();
    await broken.db.close();
    const res = await broken.call('/v1/images/generations', { method: 'POST', json: { model: 'gpt-image-2', prompt: 'x' } });
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error).toMatchObject({ type: 'server_error', code: 'server_error' });
    expect(JSON.stringify(body)).not.toMatch(/kysely|sqlite|node_modules|\.ts:\d+|at \w+ \(/i);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect((await broken.call('/readyz')).status).toBe(503);
    await broken.engine.stop(0);
    await broken.app.close();
  });
});
