// POST /v1/images/generations end to end on the offline demo provider, and the error envelope.

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, withTestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const post = (json: unknown, headers?: Record<string, string>) =>
  server.call('/v1/images/generations', { method: 'POST', json, headers });

describe('generations on the demo provider', () => {
  it('returns b64_json that decodes to a PNG of the requested size', async () => {
    const res = await post({ model: 'gpt-image-2', prompt: 'a red fox', size: '1536x1024', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.created).toBeTypeOf('number');
    expect(body.data).toHaveLength(1);
    const png = Buffer.from(body.data[0].b64_json, 'base64');
    const meta = await sharp(png).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 1536, height: 1024 });
    expect(body.data[0].revised_prompt).toContain('a red fox');
  });

  it('returns n images, each a fetchable URL byte-identical to the b64 of the same image', async () => {
    const request = { model: 'dall-e-2', prompt: 'identical bytes', size: '256x256', n: 3 };
    const asUrl = await (await post(request)).json();
    const asB64 = await (await post({ ...request, response_format: 'b64_json' })).json();
    expect(asUrl.data).toHaveLength(3);
    for (const [i, item] of asUrl.data.entries()) {
      expect(item.url.startsWith(`${server.publicUrl}/media/`)).toBe(true);
      const media = await fetch(item.url);
      expect(media.status).toBe(200);
      expect(media.headers.get('content-type')).toBe('image/png');
      expect(media.headers.get('cache-control')).toContain('immutable');
      const bytes = Buffer.from(await media.arrayBuffer());
      expect(bytes.equals(Buffer.from(asB64.data[i].b64_json, 'base64'))).toBe(true);
    }
    expect(new Set(asUrl.data.map((d: { url: string }) => d.url)).size).toBe(3);
  });

  it('uses the model default size when none is given', async () => {
    const body = await (await post({ model: 'dall-e-3', prompt: 'default size', response_format: 'b64_json' })).json();
    const meta = await sharp(Buffer.from(body.data[0].b64_json, 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 1024]);
  });
});

describe('errors', () => {
  it('answers an unknown model with 400 model_not_found and a suggestion', async () => {
    const res = await post({ model: 'gpt-image-3', prompt: 'x' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect(body.error.did_you_mean).toBe('gpt-image-2');
  });

  it('answers a missing prompt with validation_errors', async () => {
    const res = await post({ model: 'gpt-image-2' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.param).toBe('prompt');
    expect(body.validation_errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'prompt' })]));
  });

  it('a missing model is OpenAI\'s default, dall-e-3, and the answer says so', async () => {
    const res = await post({ prompt: 'no model' });
    expect(res.status).toBe(200);
    expect((await res.json()).normalized).toMatchObject({ model: 'dall-e-3' });
    const empty = await (await post({ model: '', prompt: 'empty model' })).json();
    expect(empty.error).toMatchObject({ code: 'missing_required_parameter', param: 'model' });
  });

  it('answers a body over the limit with 413 payload_too_large', async () => {
    // JSON generations may carry data: URLs, so their limit is the upload limit (limits.multipart_body_bytes).
    await withTestServer({ config: { limits: { multipart_body_bytes: 1024 * 1024 } } }, async (small) => {
      const res = await small.call('/v1/images/generations', { method: 'POST', json: { model: 'gpt-image-2', prompt: 'x'.repeat(2 * 1024 * 1024) } });
      expect(res.status).toBe(413);
      expect((await res.json()).error.code).toBe('payload_too_large');
    });
  });

  it('answers malformed JSON with 400 invalid_json, never a 500', async () => {
    const res = await server.call('/v1/images/generations', { method: 'POST', body: '{"model":', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('invalid_json');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts|node_modules/);
  });

  it('answers a JSON array body and an unsupported content type clearly', async () => {
    expect((await post([1, 2])).status).toBe(400);
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'text/plain; charset=utf-8']) {
      const res = await server.call('/v1/images/generations', { method: 'POST', body: '{"model":"gpt-image-2","prompt":"x"}', headers: { 'content-type': type } });
      expect(res.status, type).toBe(415);
      expect((await res.json()).error.code, type).toBe('unsupported_media_type');
    }
  });

  it('answers unknown routes with 404 in the envelope', async () => {
    const res = await server.call('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ type: 'not_found_error', code: 'route_not_found' });
  });
});

describe('request ids', () => {
  it('sets X-Request-ID on every response and echoes a valid incoming one', async () => {
    const own = await server.call('/healthz');
    expect(own.headers.get('x-request-id')).toMatch(/^req_/);
    const echoed = await server.call('/v1/nothing', { headers: { 'x-request-id': 'client-abc.123' } });
    expect(echoed.headers.get('x-request-id')).toBe('client-abc.123');
    const refused = await server.call('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(refused.headers.get('x-request-id')).toMatch(/^req_/);
  });
});
