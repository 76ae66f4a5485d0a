// OpenAI Images through Easel's HTTP API against the OpenAI emulator: what the client gets, what the
// upstream receives (fields, casing, dropped fields, auth, model), both delivery paths, and how every
// upstream failure reaches the client. Adapter-level checks cover what HTTP cannot see (usage, URLs).

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { InputImage, NormalizedImageRequest } from '../../src/catalog/types.ts';
import { requireModel } from '../../src/catalog/catalog.ts';
import { classifyOpenAIError, generateBody, openaiProvider } from '../../src/providers/openai/adapter.ts';
import type { CallContext, Channel } from '../../src/providers/types.ts';
import { callContext } from '../../src/routing/router.ts';
import { fakeImage, type RecordedRequest } from '../emulators/kit.ts';
import { IMAGE_ROUTE, OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { expectChannelTimeout, expectRateLimitPassedOn, expectUpstreamFault, fetchBytes, useEmulatorServer } from '../helpers/emulator-suite.ts';
import type { TestServer } from '../helpers/server.ts';

const MODELS = ['gpt-image-2', 'dall-e-3', 'dall-e-2'];
const emulator = createOpenaiEmulator();

function channel(over: Record<string, unknown> = {}) {
  return { id: 'openai-main', provider: 'openai', base_url: `${emulator.url}/v1`, api_key: OPENAI_TEST_KEY, models: MODELS, ...over };
}

const posts = (): RecordedRequest[] => emulator.requests.filter((r) => r.method === 'POST');
const lastPost = (): RecordedRequest => posts().at(-1)!;
const decode = (b64: string) => Buffer.from(b64, 'base64');

const suite = useEmulatorServer(emulator, (over: Record<string, unknown> = {}) => ({ channels: [channel(over)] }));
const post = suite.generate;

describe('openai gpt-image-2: what the upstream receives', () => {
  it('maps every field, drops input_fidelity and response_format, and returns the images', async () => {
    const res = await post({
      model: 'gpt-image-2', prompt: 'a paper crane on a desk', n: 2, size: '1536x864', quality: 'high', background: 'opaque',
      output_format: 'webp', output_compression: 80, moderation: 'low', user: 'user-42', input_fidelity: 'high', response_format: 'b64_json',
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toHaveLength(2);
    for (const item of body.data) {
      expect(await sharp(decode(item.b64_json)).metadata()).toMatchObject({ format: 'webp', width: 1536, height: 864 });
    }

    expect(posts()).toHaveLength(1);
    const seen = lastPost();
    expect(seen.path).toBe('/v1/images/generations');
    expect(seen.headers.authorization).toBe(`Bearer ${OPENAI_TEST_KEY}`);
    expect(seen.headers['content-type']).toContain('application/json');
    expect(seen.json).toEqual({
      model: 'gpt-image-2', prompt: 'a paper crane on a desk', n: 2, size: '1536x864', quality: 'high', background: 'opaque',
      output_format: 'webp', output_compression: 80, moderation: 'low', user: 'user-42',
    });
  });

  it('sends the contract defaults (size auto, quality auto) and delivers a URL whose bytes are the upstream image', async () => {
    const res = await post({ model: 'gpt-image-2', prompt: 'defaults' });
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data[0].url.startsWith(`${suite.server.publicUrl}/media/`)).toBe(true);
    expect((await fetchBytes(data[0].url)).equals(await fakeImage(1024, 1024, 'png'))).toBe(true);
    expect(lastPost().json).toEqual({ model: 'gpt-image-2', prompt: 'defaults', n: 1, size: 'auto', quality: 'auto' });
  });

  it('returns b64_json byte-identical to the upstream image', async () => {
    const res = await post({ model: 'gpt-image-2', prompt: 'bytes', size: '1024x1536', output_format: 'jpeg', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(decode(data[0].b64_json).equals(await fakeImage(1024, 1536, 'jpeg'))).toBe(true);
  });

  it('sends output_compression (or its alias compression) only with jpeg/webp, since OpenAI rejects it for png', async () => {
    expect((await post({ model: 'gpt-image-2', prompt: 'alias', output_format: 'jpeg', compression: 55, response_format: 'b64_json' })).status).toBe(200);
    expect(lastPost().json.output_compression).toBe(55);
    expect(lastPost().json).not.toHaveProperty('compression');
    expect((await post({ model: 'gpt-image-2', prompt: 'png', output_format: 'png', output_compression: 40, response_format: 'b64_json' })).status).toBe(200);
    expect(lastPost().json).not.toHaveProperty('output_compression');
  });
});

describe('openai DALL·E: what the upstream receives', () => {
  it('dall-e-3: sends size, quality, style and user, asks for b64_json, and passes revised_prompt on', async () => {
    const res = await post({ model: 'dall-e-3', prompt: 'a harbour in fog', size: '1792x1024', quality: 'hd', style: 'natural', user: 'u-7', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data[0].revised_prompt).toContain('a harbour in fog');
    expect(await sharp(decode(data[0].b64_json)).metadata()).toMatchObject({ format: 'png', width: 1792, height: 1024 });
    const seen = lastPost();
    expect(seen.headers.authorization).toBe(`Bearer ${OPENAI_TEST_KEY}`);
    expect(seen.json).toEqual({ model: 'dall-e-3', prompt: 'a harbour in fog', n: 1, size: '1792x1024', quality: 'hd', style: 'natural', user: 'u-7', response_format: 'b64_json' });
  });

  it('dall-e-3: sends the contract defaults when the client gives none', async () => {
    expect((await post({ model: 'dall-e-3', prompt: 'defaults', response_format: 'b64_json' })).status).toBe(200);
    expect(lastPost().json).toEqual({ model: 'dall-e-3', prompt: 'defaults', n: 1, size: '1024x1024', quality: 'standard', style: 'vivid', response_format: 'b64_json' });
  });

  it('dall-e-2: n images in one call, each delivered as an Easel URL with the upstream bytes', async () => {
    const res = await post({ model: 'dall-e-2', prompt: 'three squares', size: '512x512', n: 3 });
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data).toHaveLength(3);
    const expected = await fakeImage(512, 512, 'png');
    for (const item of data) {
      expect(item.url.startsWith(`${suite.server.publicUrl}/media/`)).toBe(true);
      expect((await fetchBytes(item.url)).equals(expected)).toBe(true);
    }
    expect(posts()).toHaveLength(1);
    expect(lastPost().json).toEqual({ model: 'dall-e-2', prompt: 'three squares', n: 3, size: '512x512', response_format: 'b64_json' });
  });

  it('with upstream_response_format url: DALL·E answers URLs, Easel downloads them without credentials and serves its own', async () => {
    await suite.withServer({ options: { upstream_response_format: 'url' } }, async (s) => {
      for (const [model, size] of [['dall-e-3', '1024x1792'], ['dall-e-2', '256x256']]) {
        emulator.reset();
        const res = await post({ model, prompt: 'via url', size }, s);
        expect(res.status).toBe(200);
        const { data } = await res.json();
        expect(data[0].url.startsWith(`${s.publicUrl}/media/`)).toBe(true);
        expect(data[0].url).not.toContain(emulator.url);
        const [width, height] = size.split('x').map(Number);
        expect((await fetchBytes(data[0].url)).equals(await fakeImage(width, height, 'png'))).toBe(true);
        expect(lastPost().json.response_format).toBe('url');
        const download = emulator.requests.find((r) => r.method === 'GET');
        expect(download?.path.startsWith(`${IMAGE_ROUTE}/`)).toBe(true);
        expect(download?.headers.authorization).toBeUndefined();
        if (model === 'dall-e-3') expect(data[0].revised_prompt).toContain('via url');
      }
    });
  });
});

describe('openai: upstream failures as the client sees them', () => {
  const gpt = { model: 'gpt-image-2', prompt: 'failure', response_format: 'b64_json' };
  // Each case on an Easel of its own: a failure cools the channel down, which would colour the next case.
  const post = (json: unknown, on: TestServer) => suite.generate(json, on);

  it('429 with Retry-After → 429 rate_limit_exceeded with Retry-After', () =>
    suite.withServer({}, async (s) => {
      await expectRateLimitPassedOn(emulator, 7, () => post(gpt, s));
    }));

  it.each([500, 503])('%i → 502 upstream_error', (status) =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'status', status }, () => post(gpt, s));
    }));

  it('a connection reset → 502 upstream_error', () =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'reset' }, () => post(gpt, s));
    }));

  it('malformed JSON → 502 upstream_error', () =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'malformed' }, () => post(gpt, s));
    }));

  it('a success body without images → 502 upstream_error', () =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'empty' });
      const res = await post(gpt, s);
      expect(res.status).toBe(502);
    }));

  it.each([
    ['gpt-image-2', 'moderation_blocked'],
    ['dall-e-3', 'content_policy_violation'],
    ['dall-e-2', 'content_policy_violation'],
  ])('%s moderation (%s) → 400 content_policy_violation, without the upstream text', (model) =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'moderate' });
      const res = await post({ model, prompt: 'refused', response_format: 'b64_json' }, s);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('content_policy_violation');
      expect(JSON.stringify(body)).not.toContain('safety_violations');
      expect(posts()).toHaveLength(1);
    }));

  it('a model the account no longer has (model_not_found) → 502, not a client error', () =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'retired' });
      const res = await post({ model: 'dall-e-3', prompt: 'retired', response_format: 'b64_json' }, s);
      expect(res.status).toBe(502);
    }));

  it('another upstream 400 → 400 upstream_rejected with a scrubbed message', () =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'status', status: 400, message: 'Billing hard limit has been reached for key sk-proj-abcdefghijklmnop' });
      const res = await post(gpt, s);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('upstream_rejected');
      expect(JSON.stringify(body)).not.toContain('abcdefghijklmnop');
    }));

  it('a wrong key → an auth failure (502 upstream_error), never a 500 nor the key', async () => {
    await suite.withServer({ api_key: 'sk-wrong-key-0123456789' }, async (s) => {
      const res = await post(gpt, s);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('upstream_error');
      expect(text).not.toContain('0123456789');
      expect(lastPost().headers.authorization).toBe('Bearer sk-wrong-key-0123456789');
    });
  });

  it('a slow upstream beyond timeout_ms → 504 timeout_error', async () => {
    await suite.withServer({ timeout_ms: 300 }, async (s) => {
      await expectChannelTimeout(emulator, () => post(gpt, s));
    });
  });
});

describe('openai adapter', () => {
  const channelOf = (over: Partial<Channel> = {}): Channel => ({
    id: 'c', provider: 'openai', baseUrl: `${emulator.url}/v1`, apiKey: OPENAI_TEST_KEY, models: MODELS,
    priority: 0, weight: 1, timeoutMs: 10_000, modelMap: {}, options: {}, onUncertainSubmit: 'resubmit', ...over,
  });
  /** What routing hands the adapter for `model` on the channel: its upstream name and the catalogue's wire facts. */
  const ctx = (model: string, over: Partial<Channel> = {}): CallContext => callContext(channelOf(over), requireModel(model, 400), AbortSignal.timeout(10_000));
  const request = (over: Partial<NormalizedImageRequest>): NormalizedImageRequest => ({
    model: 'gpt-image-2', requestedModel: 'gpt-image-2', endpoint: '/v1/images/generations', operation: 'text-to-image',
    prompt: 'adapter', n: 1, responseFormat: 'b64_json', async: false, ...over,
  });

  it('captures the upstream usage of gpt-image-2 for billing', async () => {
    const result = await openaiProvider.generate!(request({ size: { width: 2048, height: 1152 }, quality: 'high', n: 2 }), ctx('gpt-image-2'));
    expect(result.images).toHaveLength(2);
    expect(result.images[0].mime).toBe('image/png');
    expect(result.usage).toMatchObject({ input_tokens: 2, output_tokens: expect.any(Number), total_tokens: expect.any(Number), input_tokens_details: { text_tokens: 2, image_tokens: 0 } });
    expect((result.usage as { output_tokens: number }).output_tokens).toBe(2 * Math.round(4160 * ((2048 * 1152) / (1024 * 1024))));
  });

  it('returns the upstream URL for Easel to download when DALL·E answers with one', async () => {
    const result = await openaiProvider.generate!(request({ model: 'dall-e-2', size: { width: 256, height: 256 } }), ctx('dall-e-2', { options: { upstream_response_format: 'url' } }));
    const [image] = result.images;
    expect(image.bytes).toBeUndefined();
    expect(image.url!.startsWith(`${emulator.url}${IMAGE_ROUTE}/`)).toBe(true);
    expect((await fetchBytes(image.url!)).equals(await fakeImage(256, 256, 'png'))).toBe(true);
  });

  it('sends the channel model_map name as the upstream model', async () => {
    await openaiProvider.generate!(request({}), ctx('gpt-image-2', { modelMap: { 'gpt-image-2': 'gpt-image-2-2026-04-21' } }));
    expect(lastPost().json.model).toBe('gpt-image-2-2026-04-21');
  });

  it('builds bodies without response_format for GPT image models and with it for DALL·E', () => {
    const gptBody = generateBody(request({ size: 'auto', quality: 'low' }), { model: 'gpt-image-2' });
    expect(gptBody).toEqual({ model: 'gpt-image-2', prompt: 'adapter', n: 1, size: 'auto', quality: 'low' });
    const dalle = generateBody(request({ model: 'dall-e-2', size: { width: 512, height: 512 } }), { model: 'dall-e-2', responseFormat: 'b64_json' });
    expect(dalle).toEqual({ model: 'dall-e-2', prompt: 'adapter', n: 1, size: '512x512', response_format: 'b64_json' });
  });

  it('asks dall-e-3 for one image per call (Easel fans out) and the others for up to 10', () => {
    const perCall = openaiProvider.maxImagesPerCall as (req: NormalizedImageRequest, ctx: CallContext) => number;
    expect(perCall(request({ model: 'dall-e-3' }), ctx('dall-e-3'))).toBe(1);
    expect(perCall(request({ model: 'dall-e-2' }), ctx('dall-e-2'))).toBe(10);
    expect(perCall(request({}), ctx('gpt-image-2'))).toBe(10);
  });

  it('reads moderation and retired-model codes, and leaves the rest to the status rules', () => {
    const body = (code: string | null, type = 'invalid_request_error') => JSON.stringify({ error: { message: 'm', type, param: null, code } });
    expect(classifyOpenAIError(400, body('moderation_blocked', 'image_generation_user_error'))?.kind).toBe('moderated');
    expect(classifyOpenAIError(400, body('content_policy_violation'))?.kind).toBe('moderated');
    expect(classifyOpenAIError(404, body('model_not_found'))?.kind).toBe('upstream_fault');
    expect(classifyOpenAIError(400, body('invalid_value'))).toBeUndefined();
    expect(classifyOpenAIError(500, 'not json')).toBeUndefined();
  });
});

describe('openai emulator fidelity', () => {
  const raw = (json: unknown, headers: Record<string, string> = { authorization: `Bearer ${OPENAI_TEST_KEY}` }) =>
    fetch(`${emulator.url}/v1/images/generations`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) });

  it('rejects response_format on GPT image models with 400 unknown_parameter', async () => {
    const res = await raw({ model: 'gpt-image-2', prompt: 'x', response_format: 'b64_json' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: "Unknown parameter: 'response_format'.", type: 'invalid_request_error', param: 'response_format', code: 'unknown_parameter' } });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('rejects input_fidelity on generations, n > 1 on dall-e-3 and sizes outside each model', async () => {
    expect((await (await raw({ model: 'gpt-image-2', prompt: 'x', input_fidelity: 'high' })).json()).error.code).toBe('unknown_parameter');
    expect((await raw({ model: 'dall-e-3', prompt: 'x', n: 2 })).status).toBe(400);
    expect((await (await raw({ model: 'dall-e-3', prompt: 'x', size: '512x512' })).json()).error.code).toBe('invalid_size');
    expect((await raw({ model: 'gpt-image-2', prompt: 'x', size: '1000x1000' })).status).toBe(400);
  });

  it('answers missing and wrong keys with 401 in OpenAI’s envelope', async () => {
    const missing = await raw({ model: 'gpt-image-2', prompt: 'x' }, {});
    expect(missing.status).toBe(401);
    expect((await missing.json()).error).toMatchObject({ type: 'invalid_request_error', code: null });
    const wrong = await raw({ model: 'gpt-image-2', prompt: 'x' }, { authorization: 'Bearer sk-nope-1234567890' });
    expect((await wrong.json()).error.code).toBe('invalid_api_key');
  });

  it('streams GPT image results as named SSE events', async () => {
    const res = await raw({ model: 'gpt-image-2', prompt: 'x', stream: true, partial_images: 2 });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = [...(await res.text()).matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(events).toEqual(['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed']);
  });
});

describe('openai adapter: edits and variations', () => {
  const channelOf = (over: Partial<Channel> = {}): Channel => ({
    id: 'c', provider: 'openai', baseUrl: `${emulator.url}/v1`, apiKey: OPENAI_TEST_KEY, models: MODELS,
    priority: 0, weight: 1, timeoutMs: 10_000, modelMap: {}, options: {}, onUncertainSubmit: 'resubmit', ...over,
  });
  const ctx = (model: string): CallContext => callContext(channelOf(), requireModel(model, 400), AbortSignal.timeout(10_000));
  const input = async (width: number, height: number, format: 'png' | 'jpeg' | 'webp' = 'png', source = 'image'): Promise<InputImage> => ({
    bytes: await fakeImage(width, height, format), mime: `image/${format}`, width, height, source,
  });
  const edit = (over: Partial<NormalizedImageRequest>): NormalizedImageRequest => ({
    model: 'gpt-image-2', requestedModel: 'gpt-image-2', endpoint: '/v1/images/edits', operation: 'image-edit',
    prompt: 'make it dusk', n: 1, responseFormat: 'b64_json', async: false, ...over,
  });
  const partNames = (r: RecordedRequest) => r.parts!.map((p) => p.name);
  const fields = (r: RecordedRequest) => Object.fromEntries(r.parts!.filter((p) => !p.bytes).map((p) => [p.name, p.value]));

  it('gpt-image-2: uploads several sources as image[] parts and the mask, without moderation or input_fidelity', async () => {
    const sources = [await input(1024, 1024), await input(640, 480, 'jpeg')];
    const result = await openaiProvider.edit!(edit({ images: sources, mask: await input(1024, 1024, 'png', 'mask'), size: { width: 1536, height: 1024 }, quality: 'high', n: 2 }), ctx('gpt-image-2'));
    expect(result.images).toHaveLength(2);
    expect(await sharp(result.images[0].bytes!).metadata()).toMatchObject({ width: 1536, height: 1024 });
    expect(result.usage).toMatchObject({ input_tokens_details: { image_tokens: 512 } });
    const seen = lastPost();
    expect(seen.path).toBe('/v1/images/edits');
    expect(seen.headers.authorization).toBe(`Bearer ${OPENAI_TEST_KEY}`);
    expect(partNames(seen).filter((n) => n === 'image[]')).toHaveLength(2);
    expect(seen.parts!.find((p) => p.name === 'mask')?.bytes?.equals(await fakeImage(1024, 1024, 'png'))).toBe(true);
    expect(seen.parts!.filter((p) => p.name === 'image[]').map((p) => p.mimetype)).toEqual(['image/png', 'image/jpeg']);
    expect(fields(seen)).toEqual({ prompt: 'make it dusk', n: '2', model: 'gpt-image-2', size: '1536x1024', quality: 'high' });
  });

  it('uploads a single source as image', async () => {
    await openaiProvider.edit!(edit({ images: [await input(1024, 1024)] }), ctx('gpt-image-2'));
    expect(partNames(lastPost())).toContain('image');
    expect(partNames(lastPost())).not.toContain('image[]');
  });

  it('switches to the JSON variant (data URLs) when moderation is set, since only JSON carries it', async () => {
    await openaiProvider.edit!(edit({ images: [await input(1024, 1024)], moderation: 'low', size: 'auto' }), ctx('gpt-image-2'));
    const sent = lastPost().json;
    expect(sent.moderation).toBe('low');
    expect(sent.images).toHaveLength(1);
    expect(sent.images[0].image_url.startsWith('data:image/png;base64,')).toBe(true);
    expect(sent).not.toHaveProperty('response_format');
  });

  it('uploads sources the client named by URL as bytes (the pipeline fetched them), never the URL itself', async () => {
    const images = [await input(1024, 1024), await input(1024, 1024)];
    await openaiProvider.edit!(edit({ imageRefs: [{ url: 'https://example.com/a.png', field: 'images[0].image_url' }, { url: 'https://example.com/b.webp', field: 'images[1].image_url' }], maskRef: { url: 'https://example.com/m.png', field: 'mask.image_url' }, images, mask: await input(1024, 1024) }), ctx('gpt-image-2'));
    expect(partNames(lastPost())).toEqual(expect.arrayContaining(['image[]', 'mask']));
    expect(JSON.stringify(fields(lastPost()))).not.toContain('example.com');
  });

  it('refuses an Easel file reference that was not resolved to bytes, without calling upstream', async () => {
    await expect(openaiProvider.edit!(edit({ imageRefs: [{ fileId: 'file-abc', field: 'images[0].file_id' }] }), ctx('gpt-image-2'))).rejects.toMatchObject({ kind: 'bad_request' });
    expect(posts()).toHaveLength(0);
  });

  it('dall-e-2 edit: one square PNG as image, with response_format', async () => {
    const result = await openaiProvider.edit!(edit({ model: 'dall-e-2', images: [await input(512, 512)], size: { width: 512, height: 512 } }), ctx('dall-e-2'));
    expect(result.images[0].bytes!.equals(await fakeImage(512, 512, 'png'))).toBe(true);
    expect(partNames(lastPost())).toContain('image');
    expect(fields(lastPost())).toEqual({ prompt: 'make it dusk', n: '1', model: 'dall-e-2', size: '512x512', response_format: 'b64_json' });
  });

  it('dall-e-2 variation: multipart image with model, n, size and response_format', async () => {
    const vary = edit({ model: 'dall-e-2', endpoint: '/v1/images/variations', operation: 'variation', prompt: '', images: [await input(256, 256)], size: { width: 256, height: 256 }, n: 3 });
    const result = await openaiProvider.vary!(vary, ctx('dall-e-2'));
    expect(result.images).toHaveLength(3);
    expect(await sharp(result.images[0].bytes!).metadata()).toMatchObject({ width: 256, height: 256 });
    const seen = lastPost();
    expect(seen.path).toBe('/v1/images/variations');
    expect(partNames(seen)).toContain('image');
    expect(fields(seen)).toEqual({ model: 'dall-e-2', n: '3', response_format: 'b64_json', size: '256x256' });
  });

  it('the emulator holds edits and variations to OpenAI’s rules', async () => {
    const form = async (entries: Array<[string, string | Blob]>) => {
      const f = new FormData();
      for (const [k, v] of entries) f.append(k, v, ...(typeof v === 'string' ? [] : ['x.png']) as []);
      return f;
    };
    const png = new Blob([new Uint8Array(await fakeImage(512, 256, 'png'))], { type: 'image/png' });
    const send = async (path: string, body: FormData) => fetch(`${emulator.url}/v1/images/${path}`, { method: 'POST', headers: { authorization: `Bearer ${OPENAI_TEST_KEY}` }, body });
    expect((await (await send('edits', await form([['prompt', 'x'], ['model', 'gpt-image-2'], ['moderation', 'low'], ['image', png]]))).json()).error.code).toBe('unknown_parameter');
    expect((await (await send('edits', await form([['prompt', 'x'], ['model', 'dall-e-2'], ['image', png]]))).json()).error.code).toBe('invalid_image_dimensions');
    expect((await send('variations', await form([['model', 'dall-e-2'], ['image', png]]))).status).toBe(400);
  });
});
