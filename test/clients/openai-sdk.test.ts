// The official OpenAI Node SDK (openai@6, the newest major that runs on Node 20) against Easel: the
// compatibility gaps a new user hit with it stay closed (issue 11 §2).

import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { tinyPng } from '../helpers/png.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const UPLOAD_LIMIT = 2 * 1024 * 1024;
let server: TestServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startTestServer({ config: { bootstrap: { starter_credit_usd: '100' }, limits: { multipart_body_bytes: UPLOAD_LIMIT } } });
  // No retries: each test sees Easel's first answer, not the SDK's third attempt.
  client = new OpenAI({ apiKey: server.apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(() => server.close());

/** The error envelope's fields, as the SDK exposes them on an APIError. */
async function apiError(call: Promise<unknown>): Promise<{ status: number; error: Record<string, unknown>; headers: Headers }> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.APIError);
  const e = err as InstanceType<typeof OpenAI.APIError>;
  return { status: e.status as number, error: e.error as Record<string, unknown>, headers: e.headers as Headers };
}

describe('openai SDK', () => {
  it('image-to-image from a local file on generations: a data: URL in image_url (the generate call is JSON only)', async () => {
    const dataUrl = `data:image/png;base64,${(await tinyPng(64, 64)).toString('base64')}`;
    const r = await client.images.generate({ model: 'nano-banana', prompt: 'the same, at dusk', image_url: dataUrl } as OpenAI.ImageGenerateParamsNonStreaming);
    expect(r.data?.[0]?.url).toMatch(/\/media\//);
    const many = await client.images.generate({ model: 'nano-banana', prompt: 'both', image_urls: [dataUrl, dataUrl] } as OpenAI.ImageGenerateParamsNonStreaming);
    expect(many.data).toHaveLength(1);
  });

  it('model omitted: generate gets dall-e-3 and edit / createVariation dall-e-2, each reported in normalized.model', async () => {
    const generated = await client.images.generate({ prompt: 'a lighthouse' });
    expect((generated as unknown as { normalized: Record<string, string> }).normalized.model).toBe('dall-e-3');
    const square = await toFile(await tinyPng(256, 256), 'square.png', { type: 'image/png' });
    const edited = await client.images.edit({ image: square, prompt: 'add a moon' });
    expect((edited as unknown as { normalized: Record<string, string> }).normalized.model).toBe('dall-e-2');
    const varied = await client.images.createVariation({ image: await toFile(await tinyPng(256, 256), 'square.png', { type: 'image/png' }) });
    expect((varied as unknown as { normalized: Record<string, string> }).normalized.model).toBe('dall-e-2');
  });

  it('a model on the wrong endpoint names alternatives as {id, status, tags}', async () => {
    const image = await toFile(await tinyPng(256, 256), 'square.png', { type: 'image/png' });
    const { status, error } = await apiError(client.images.createVariation({ model: 'gpt-image-2', image }));
    expect(status).toBe(400);
    expect(error.alternatives).toEqual([{ id: 'dall-e-2', status: 'deprecated', tags: ['image_generation', 'image_edit', 'image_variation'] }]);
  });

  it('an upload over the limit is a 413 the SDK can read, not a reset connection', async () => {
    const big = await toFile(Buffer.alloc(UPLOAD_LIMIT * 8), 'big.png', { type: 'image/png' });
    const { status, error } = await apiError(client.images.edit({ model: 'gpt-image-2', image: big, prompt: 'x' }));
    expect(status).toBe(413);
    expect(error).toMatchObject({ code: 'payload_too_large' });
  });
});

describe('openai SDK, every channel rate limited upstream', () => {
  let upstream: Emulator;
  let limited: TestServer;
  beforeAll(async () => {
    upstream = createOpenaiEmulator();
    await upstream.start();
    limited = await startTestServer({ config: { channels: [{ id: 'only', provider: 'openai', base_url: `${upstream.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['dall-e-3'] }] } });
  });
  afterAll(async () => {
    await limited.close();
    await upstream.close();
  });

  it('answers 429 rate_limit_exceeded with Retry-After, first from the upstream, then while the channel rests', async () => {
    const sdk = new OpenAI({ apiKey: limited.apiKey, baseURL: `${limited.url}/v1`, maxRetries: 0 });
    upstream.inject({ kind: 'status', status: 429, retryAfter: 20 });
    for (const _attempt of ['upstream answers 429', 'channel resting']) {
      const { status, error, headers } = await apiError(sdk.images.generate({ model: 'dall-e-3', prompt: 'x' }));
      expect(status).toBe(429);
      expect(error).toMatchObject({ code: 'rate_limit_exceeded' });
      expect(Number(headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(upstream.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(1);
  });
});
