// Gemini image models through Easel's HTTP API against the Gemini emulator: what the client gets, what
// Google's endpoint receives, how each failure reaches the client. A few tests call the adapter itself,
// where Easel's HTTP surface cannot yet reach a path (reference images) or hides what matters (usage).

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { resolveModel } from '../../src/catalog/catalog.ts';
import { validateImageRequest } from '../../src/catalog/contract.ts';
import { outputDimensions } from '../../src/catalog/dimensions.ts';
import { IMAGE_ENDPOINTS, type NormalizedImageRequest } from '../../src/catalog/types.ts';
import { geminiProvider } from '../../src/providers/gemini/adapter.ts';
import { type CallContext, UpstreamError } from '../../src/providers/types.ts';
import { callContext } from '../../src/routing/router.ts';
import { GEMINI_API_PREFIX, GEMINI_DEFAULT_RETRY_DELAY, GEMINI_TEST_KEY, createGeminiEmulator } from '../emulators/gemini.ts';
import { GEMINI_EMULATED_MODELS, outputSize } from '../emulators/gemini-models.ts';
import { type RecordedRequest, fakeImage } from '../emulators/kit.ts';
import { expectChannelTimeout, expectRateLimitPassedOn, expectUpstreamFault, useEmulatorServer } from '../helpers/emulator-suite.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const MODELS = [
  'gemini-3.1-flash-image-preview',
  'gemini-3-pro-image-preview',
  'nano-banana-2',
  'nano-banana-pro',
  'gemini-2.5-flash-image',
  'nano-banana',
  'nano-banana-edit',
  'gemini-2.0-flash-preview-image-generation',
];
const PROMPT = 'A nano banana dish in a fancy restaurant';
const GENERATE = /:generateContent$/;

const emulator = createGeminiEmulator();

function channel(over: Record<string, unknown> = {}) {
  return { id: 'gemini-main', provider: 'gemini', base_url: `${emulator.url}${GEMINI_API_PREFIX}`, api_key: GEMINI_TEST_KEY, models: MODELS, ...over };
}

// Reference images are served from 127.0.0.1 in these tests; the SSRF rule itself is tested in test/fetch.
const suite = useEmulatorServer(emulator, (over: Record<string, unknown> = {}) => ({ channels: [channel(over)], fetch: { allow_private_addresses: true } }));

const generate = (json: Record<string, unknown>, on?: TestServer) => suite.generate({ prompt: PROMPT, response_format: 'b64_json', ...json }, on);

function onlyCall(): RecordedRequest {
  const calls = emulator.requests.filter((r) => GENERATE.test(r.path));
  expect(calls).toHaveLength(1);
  return calls[0];
}

async function decoded(item: { b64_json: string }) {
  return sharp(Buffer.from(item.b64_json, 'base64')).metadata();
}

const textPart = { text: PROMPT };
const config = (imageConfig?: Record<string, string>) => ({
  responseModalities: ['TEXT', 'IMAGE'],
  candidateCount: 1,
  ...(imageConfig ? { imageConfig } : {}),
});

describe('every Gemini catalogue model through Easel', () => {
  it.each([
    // [model, client fields, upstream model, imageConfig on the wire, normalized reported back, output size]
    ['gemini-3.1-flash-image-preview', { aspect_ratio: '4:1', resolution: '2k' }, 'gemini-3.1-flash-image-preview', { aspectRatio: '4:1', imageSize: '2K' }, undefined, [4096, 1024]],
    ['gemini-3-pro-image-preview', { size: '1792x1024' }, 'gemini-3-pro-image-preview', { aspectRatio: '16:9', imageSize: '2K' }, { aspect_ratio: '16:9', resolution: '2k' }, [2752, 1536]],
    ['nano-banana-2', { aspect_ratio: '9:16' }, 'gemini-3.1-flash-image-preview', { aspectRatio: '9:16', imageSize: '1K' }, { resolution: '1k' }, [768, 1360]],
    ['nano-banana-pro', { size: '3840x2160' }, 'gemini-3-pro-image-preview', { aspectRatio: '16:9', imageSize: '4K' }, { aspect_ratio: '16:9', resolution: '4k' }, [5504, 3072]],
    ['gemini-2.5-flash-image', { aspect_ratio: '16:9' }, 'gemini-2.5-flash-image', { aspectRatio: '16:9' }, undefined, [1344, 768]],
    ['nano-banana', { size: '1024x1536' }, 'gemini-2.5-flash-image', { aspectRatio: '2:3' }, { aspect_ratio: '2:3' }, [832, 1248]],
    ['gemini-2.0-flash-preview-image-generation', {}, 'gemini-2.0-flash-preview-image-generation', undefined, undefined, [1024, 1024]],
  ] as const)('%s: %j reaches Google as %s with the upstream spelling', async (model, fields, upstream, imageConfig, normalized, [width, height]) => {
    const res = await generate({ model, ...fields });
    expect(res.status).toBe(200);
    const body = await res.json();
    if (normalized) expect(body.normalized).toMatchObject(normalized);
    else expect(body.normalized).toBeUndefined();
    expect(body.data).toHaveLength(1);
    // The final image, not the 3.x models' smaller interim "thought" image that precedes it.
    expect(await decoded(body.data[0])).toMatchObject({ format: 'png', width, height });
    // The catalogue predicts the size Google draws, so quotes and docs match the result.
    const req = validateImageRequest(IMAGE_ENDPOINTS.generations, { model, prompt: PROMPT, ...fields });
    expect(outputDimensions(req)).toEqual({ width, height });

    const call = onlyCall();
    expect(call.method).toBe('POST');
    expect(call.path).toBe(`${GEMINI_API_PREFIX}/models/${upstream}:generateContent`);
    expect(call.headers['x-goog-api-key']).toBe(GEMINI_TEST_KEY);
    expect(call.headers.authorization).toBeUndefined();
    // The key travels in the header only: never in the URL, where logs keep it.
    expect(call.query).toEqual({});
    expect(call.json).toEqual({ contents: [{ role: 'user', parts: [textPart] }], generationConfig: config(imageConfig) });
  });

  it('nano-banana-edit: a reference image URL reaches Google as an inlineData part after the prompt', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } }).png().toBuffer();
    const source = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(source.address() as AddressInfo).port}/dish.png`;
      const res = await generate({ model: 'nano-banana-edit', operation: 'image-to-image', image_urls: [url] });
      expect(res.status).toBe(200);
      const call = onlyCall();
      expect(call.path).toBe(`${GEMINI_API_PREFIX}/models/gemini-2.5-flash-image:generateContent`);
      expect(call.json.contents[0].parts).toEqual([textPart, { inlineData: { mimeType: 'image/png', data: png.toString('base64') } }]);
    } finally {
      source.close();
    }
  });

  it('returns an Easel URL whose bytes are exactly the image Google sent', async () => {
    const res = await generate({ model: 'gemini-2.5-flash-image', aspect_ratio: '4:3', response_format: 'url' });
    expect(res.status).toBe(200);
    const url = (await res.json()).data[0].url as string;
    expect(url.startsWith(`${suite.server.publicUrl}/media/`)).toBe(true);
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    const size = outputSize(GEMINI_EMULATED_MODELS['gemini-2.5-flash-image'], '4:3', '1K');
    expect(bytes.equals(await fakeImage(size.width, size.height, 'png'))).toBe(true);
  });

  it('fans n=3 out into three one-image calls, each with candidateCount 1', async () => {
    const res = await generate({ model: 'nano-banana', aspect_ratio: '1:1', n: 3 });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toHaveLength(3);
    const calls = emulator.requests.filter((r) => GENERATE.test(r.path));
    expect(calls).toHaveLength(3);
    for (const call of calls) expect(call.json.generationConfig.candidateCount).toBe(1);
  });
});

describe('Gemini refusals and upstream failures', () => {
  it('answers a safety finishReason (IMAGE_SAFETY) with 400 content_policy_violation, in one call', async () => {
    emulator.inject({ kind: 'behaviour', name: 'moderate' }, 1, GENERATE);
    const res = await generate({ model: 'nano-banana-pro', aspect_ratio: '1:1' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('content_policy_violation');
    onlyCall();
  });

  it('does not fail over a moderated request to a second channel, but does fail over a 503', async () => {
    const s = await startTestServer({ config: { channels: [channel({ id: 'gemini-a' }), channel({ id: 'gemini-b' })] } });
    try {
      emulator.inject({ kind: 'behaviour', name: 'moderate' }, 1, GENERATE);
      const moderated = await generate({ model: 'gemini-2.5-flash-image' }, s);
      expect(moderated.status).toBe(400);
      expect(emulator.requests).toHaveLength(1);

      emulator.reset();
      emulator.inject({ kind: 'status', status: 503 }, 1, GENERATE);
      const recovered = await generate({ model: 'gemini-2.5-flash-image' }, s);
      expect(recovered.status).toBe(200);
      expect(emulator.requests).toHaveLength(2);
    } finally {
      await s.close();
    }
  });

  it.each(['PROHIBITED_CONTENT', 'IMAGE_PROHIBITED_CONTENT', 'SAFETY', 'BLOCKLIST'])('answers finishReason %s with 400 content_policy_violation', async (finishReason) => {
    emulator.inject({ kind: 'behaviour', name: 'moderate', detail: { finishReason } }, 1, GENERATE);
    const res = await generate({ model: 'gemini-2.5-flash-image' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('content_policy_violation');
  });

  it('answers a blocked prompt (HTTP 200, promptFeedback.blockReason, no candidates) with 400 content_policy_violation', async () => {
    emulator.inject({ kind: 'behaviour', name: 'block_prompt', detail: { blockReason: 'SAFETY' } }, 1, GENERATE);
    const res = await generate({ model: 'gemini-3-pro-image-preview', aspect_ratio: '1:1' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('content_policy_violation');
    onlyCall();
  });

  it.each([['a plain text refusal', undefined], ['finishReason NO_IMAGE', 'NO_IMAGE']])(
    'answers %s (HTTP 200, text, no image) with 400 upstream_rejected, without relaying the model text',
    async (_name, finishReason) => {
      emulator.inject({ kind: 'behaviour', name: 'text_only', ...(finishReason ? { detail: { finishReason } } : {}) }, 1, GENERATE);
      const res = await generate({ model: 'nano-banana-2', aspect_ratio: '1:1' });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('upstream_rejected');
      expect(body.error.message).toContain('without an image');
      expect(body.error.message).not.toContain("can't create");
      onlyCall();
    },
  );

  it('passes a bare 429 on as 429 with the Retry-After the upstream sent', async () => {
    await suite.withServer({}, async (s) => {
      await expectRateLimitPassedOn(emulator, 7, () => generate({ model: 'nano-banana' }, s), GENERATE);
    });
  });

  it("reads the wait from Google's RetryInfo (429 RESOURCE_EXHAUSTED) into Retry-After", async () => {
    await suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'quota', detail: { retryDelay: '12s' } }, 1, GENERATE);
      const res = await generate({ model: 'nano-banana' }, s);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('12');
    });
  });

  it.each([500, 503])('answers an upstream %i with 502 upstream_error', async (status) => {
    await suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'status', status }, () => generate({ model: 'gemini-2.5-flash-image' }, s), GENERATE);
    });
  });

  it.each([
    ['a connection reset', { kind: 'reset' } as const],
    ['a malformed JSON body', { kind: 'malformed' } as const],
  ])('answers %s with 502 upstream_error', async (_name, fault) => {
    await suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, fault, () => generate({ model: 'gemini-2.5-flash-image' }, s), GENERATE);
    });
  });

  it('answers a wrong key (400 API_KEY_INVALID) as an auth failure, 502, never echoing the key', async () => {
    await suite.withServer({ api_key: 'AIzaSy-wrong-gemini-key-for-this-test' }, async (s) => {
      const res = await generate({ model: 'gemini-2.5-flash-image' }, s);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('upstream_error');
      expect(text).not.toContain('wrong-gemini-key');
      expect(text).not.toContain(emulator.url);
      expect(onlyCall().headers['x-goog-api-key']).toBe('AIzaSy-wrong-gemini-key-for-this-test');
    });
  });

  it('answers a slow upstream with 504 timeout_error after the channel timeout', async () => {
    await suite.withServer({ timeout_ms: 300 }, async (s) => {
      await expectChannelTimeout(emulator, () => generate({ model: 'gemini-2.5-flash-image' }, s), GENERATE);
    });
  });
});

/** What routing hands the adapter for `model`: the catalogue's Gemini name for it, on a direct channel. */
function context(model: string): CallContext {
  const channel = {
    id: 'gemini-direct', provider: 'gemini', baseUrl: `${emulator.url}${GEMINI_API_PREFIX}`, apiKey: GEMINI_TEST_KEY,
    models: [model], priority: 0, weight: 1, timeoutMs: 10_000, modelMap: {}, options: {}, onUncertainSubmit: 'resubmit' as const,
  };
  return callContext(channel, resolveModel(model)!, AbortSignal.timeout(10_000));
}

const request = (body: Record<string, unknown>): NormalizedImageRequest =>
  validateImageRequest(IMAGE_ENDPOINTS.generations, { prompt: PROMPT, ...body });

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

describe('the Gemini adapter against the emulator', () => {
  it('keeps usageMetadata, with the IMAGE modality tokens of the tier', async () => {
    const req = request({ model: 'gemini-3-pro-image-preview', aspect_ratio: '1:1', resolution: '4k' });
    const result = await geminiProvider.generate!(req, context(req.model));
    expect(result.images).toHaveLength(1);
    expect(result.images[0].mime).toBe('image/png');
    expect(result.usage).toMatchObject({
      candidatesTokensDetails: expect.arrayContaining([{ modality: 'IMAGE', tokenCount: 2000 }]),
      thoughtsTokenCount: expect.any(Number),
      totalTokenCount: expect.any(Number),
    });
  });

  it('sends reference images as inlineData parts after the prompt (nano-banana-edit)', async () => {
    const req = request({ model: 'nano-banana-edit', operation: 'image-to-image', image_urls: ['https://example.com/a.png', 'https://example.com/b.jpg'] });
    const png = await fakeImage(640, 480, 'png');
    const jpeg = await fakeImage(300, 300, 'jpeg');
    // What the image-inputs layer hands over once it has fetched the URLs.
    req.images = [
      { bytes: png, mime: 'image/png', width: 640, height: 480, source: 'image_urls[0]' },
      { bytes: jpeg, mime: 'image/jpeg', width: 300, height: 300, source: 'image_urls[1]' },
    ];
    const result = await geminiProvider.generate!(req, context(req.model));
    const call = onlyCall();
    expect(call.path).toBe(`${GEMINI_API_PREFIX}/models/gemini-2.5-flash-image:generateContent`);
    expect(call.json.contents).toEqual([
      { role: 'user', parts: [textPart, { inlineData: { mimeType: 'image/png', data: png.toString('base64') } }, { inlineData: { mimeType: 'image/jpeg', data: jpeg.toString('base64') } }] },
    ]);
    // No aspect_ratio: Google keeps the first reference's shape (4:3 here).
    const expected = outputSize(GEMINI_EMULATED_MODELS['gemini-2.5-flash-image'], '4:3', '1K');
    expect(await sharp(result.images[0].bytes!).metadata()).toMatchObject(expected);
    expect(result.usage).toMatchObject({ promptTokensDetails: expect.arrayContaining([{ modality: 'IMAGE', tokenCount: 516 }]) });
  });

  it('takes the last non-thought image: a later thought image is an interim draft, an earlier image is superseded', async () => {
    emulator.inject(
      {
        kind: 'behaviour',
        name: 'parts',
        detail: { parts: [{ image: [320, 320] }, { text: 'First try.' }, { image: [640, 320] }, { text: 'thinking', thought: true }, { image: [160, 160], thought: true }] },
      },
      1,
      GENERATE,
    );
    const req = request({ model: 'nano-banana-2', aspect_ratio: '1:1' });
    const result = await geminiProvider.generate!(req, context(req.model));
    expect(result.images).toHaveLength(1);
    expect(await sharp(result.images[0].bytes!).metadata()).toMatchObject({ width: 640, height: 320 });
  });

  it('treats a 200 with only thought images, or with no content at all, as an upstream fault', async () => {
    emulator.inject({ kind: 'behaviour', name: 'parts', detail: { parts: [{ image: [64, 64], thought: true }] } }, 1, GENERATE);
    const req = request({ model: 'nano-banana-2', aspect_ratio: '1:1' });
    const thoughtOnly = await failure(geminiProvider.generate!(req, context(req.model)));
    expect(thoughtOnly.kind).toBe('upstream_fault');

    emulator.inject({ kind: 'behaviour', name: 'parts', detail: { parts: [] } }, 1, GENERATE);
    expect((await failure(geminiProvider.generate!(req, context(req.model)))).kind).toBe('upstream_fault');
  });

  it('maps the RetryInfo default delay to retryAfterMs', async () => {
    emulator.inject({ kind: 'behaviour', name: 'quota' }, 1, GENERATE);
    const req = request({ model: 'nano-banana' });
    const err = await failure(geminiProvider.generate!(req, context(req.model)));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(Number(GEMINI_DEFAULT_RETRY_DELAY.replace('s', '')) * 1000);
  });

  it('maps a FAILED_PRECONDITION (region or billing) to auth, so routing moves to another channel', async () => {
    emulator.inject({ kind: 'behaviour', name: 'precondition' }, 1, GENERATE);
    const req = request({ model: 'nano-banana' });
    const err = await failure(geminiProvider.generate!(req, context(req.model)));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('location');
  });

  it('maps a request Google rejects (an aspect ratio the model lacks) to bad_request with its message', async () => {
    const req = { ...request({ model: 'gemini-2.5-flash-image' }), aspectRatio: '4:1' };
    const err = await failure(geminiProvider.generate!(req, context(req.model)));
    expect(err.kind).toBe('bad_request');
    expect(err.message).toContain('aspect ratio');
  });
});

describe('the Gemini emulator speaks the real protocol', () => {
  const url = (model: string, query = '') => `${emulator.url}${GEMINI_API_PREFIX}/models/${model}:generateContent${query}`;
  const post = (target: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': GEMINI_TEST_KEY }) =>
    fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const prompt = { contents: [{ parts: [{ text: PROMPT }] }] };

  it('refuses a missing key with 403 PERMISSION_DENIED and a wrong one with 400 API_KEY_INVALID', async () => {
    const missing = await post(url('gemini-2.5-flash-image'), prompt, {});
    expect(missing.status).toBe(403);
    expect((await missing.json()).error.status).toBe('PERMISSION_DENIED');
    const wrong = await post(url('gemini-2.5-flash-image'), prompt, { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(400);
    const body = await wrong.json();
    expect(body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(body.error.details[0]).toMatchObject({ reason: 'API_KEY_INVALID' });
  });

  it('takes the key as ?key= and snake_case field names', async () => {
    const res = await post(url('gemini-3-pro-image-preview', `?key=${GEMINI_TEST_KEY}`), {
      contents: [{ parts: [{ text: PROMPT }] }],
      generation_config: { response_modalities: ['TEXT', 'IMAGE'], image_config: { aspect_ratio: '16:9', image_size: '1K' } },
    }, {});
    expect(res.status).toBe(200);
    const parts = (await res.json()).candidates[0].content.parts;
    expect(parts.filter((p: { thought?: boolean }) => p.thought)).toHaveLength(2);
    const final = parts.at(-1).inlineData.data as string;
    expect(await sharp(Buffer.from(final, 'base64')).metadata()).toMatchObject({ width: 1376, height: 768 });
  });

  it.each([
    ['a lowercase imageSize', 'gemini-3-pro-image-preview', { imageConfig: { imageSize: '2k' } }, 'Unsupported image size'],
    ['2K on 2.5 Flash', 'gemini-2.5-flash-image', { imageConfig: { imageSize: '2K' } }, 'Unsupported image size'],
    ['an extreme ratio on 3 Pro', 'gemini-3-pro-image-preview', { imageConfig: { aspectRatio: '8:1' } }, 'Unsupported aspect ratio'],
    ['a Vertex-only imageConfig field', 'gemini-3-pro-image-preview', { imageConfig: { personGeneration: 'allow_adult' } }, 'Unknown name "personGeneration"'],
    ['candidateCount 2', 'gemini-2.5-flash-image', { candidateCount: 2 }, 'Multiple candidates is not enabled'],
    ['IMAGE alone on gemini-2.0', 'gemini-2.0-flash-preview-image-generation', { responseModalities: ['IMAGE'] }, 'response modalities'],
  ])('rejects %s with 400 INVALID_ARGUMENT', async (_name, model, generationConfig, message) => {
    const res = await post(url(model), { ...prompt, generationConfig });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toContain(message);
  });

  it('rejects a reference image it cannot decode, and more references than the model takes', async () => {
    const broken = await post(url('gemini-3-pro-image-preview'), { contents: [{ parts: [{ text: PROMPT }, { inlineData: { mimeType: 'image/png', data: 'bm90IGFuIGltYWdl' } }] }] });
    expect(broken.status).toBe(400);
    expect((await broken.json()).error.message).toContain('Unable to process input image');

    const png = (await fakeImage(64, 64, 'png')).toString('base64');
    const many = Array.from({ length: 15 }, () => ({ inline_data: { mime_type: 'image/png', data: png } }));
    const tooMany = await post(url('gemini-3-pro-image-preview'), { contents: [{ parts: [{ text: PROMPT }, ...many] }] });
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).error.message).toContain('Too many input images');
  });

  it('streams SSE data chunks without event names when asked with alt=sse', async () => {
    const res = await post(url('gemini-3.1-flash-image-preview').replace(':generateContent', ':streamGenerateContent?alt=sse'), prompt);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).not.toContain('event:');
    expect(text.split('\r\n\r\n').filter(Boolean).every((chunk) => chunk.startsWith('data: '))).toBe(true);
  });
});
