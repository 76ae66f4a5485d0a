// xAI Grok Imagine through Easel's HTTP API against the xAI emulator: what the client gets, what the
// upstream receives, and how every upstream failure reaches the client.

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { InputImage, NormalizedImageRequest } from '../../src/catalog/types.ts';
import { classifyXaiError, readImages, xaiProvider } from '../../src/providers/xai/adapter.ts';
import type { CallContext } from '../../src/providers/types.ts';
import { fakeImage } from '../emulators/kit.ts';
import { XAI_TEST_KEY, createXaiEmulator, xaiImageSize } from '../emulators/xai.ts';
import { expectChannelTimeout, expectRateLimitPassedOn, expectUpstreamFault, useEmulatorServer } from '../helpers/emulator-suite.ts';

const MODELS = ['grok-imagine-image', 'grok-imagine-image-quality'];
const emulator = createXaiEmulator();

function channel(over: Record<string, unknown> = {}) {
  return { id: 'xai-main', provider: 'xai', base_url: `${emulator.url}/v1`, api_key: XAI_TEST_KEY, models: MODELS, ...over };
}

const suite = useEmulatorServer(emulator, (over: Record<string, unknown> = {}) => ({ channels: [channel(over)] }));
const post = suite.generate;

describe('xai: what the upstream receives', () => {
  it.each(MODELS)('%s: sends model, prompt, n, aspect_ratio, resolution and b64_json with the Bearer key', async (model) => {
    const res = await post({ model, prompt: 'a lighthouse at dusk', aspect_ratio: '16:9', resolution: '2k', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toHaveLength(1);
    expect(body.data[0].revised_prompt).toContain('a lighthouse at dusk');
    const meta = await sharp(Buffer.from(body.data[0].b64_json, 'base64')).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', ...xaiImageSize('16:9', '2k') });

    const seen = emulator.lastRequest();
    expect(seen.method).toBe('POST');
    expect(seen.path).toBe('/v1/images/generations');
    expect(seen.headers.authorization).toBe(`Bearer ${XAI_TEST_KEY}`);
    expect(seen.json).toEqual({ model, prompt: 'a lighthouse at dusk', n: 1, aspect_ratio: '16:9', resolution: '2k', response_format: 'b64_json' });
  });

  it('sends the legacy -pro alias upstream as grok-imagine-image-quality', async () => {
    const res = await post({ model: 'grok-imagine-image-pro', prompt: 'alias', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    expect(emulator.lastRequest().json.model).toBe('grok-imagine-image-quality');
  });

  it('sends the default resolution 1k in lowercase and leaves aspect_ratio to xAI when none is given', async () => {
    const res = await post({ model: 'grok-imagine-image', prompt: 'defaults', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const sent = emulator.lastRequest().json;
    expect(sent.resolution).toBe('1k');
    expect(sent).not.toHaveProperty('aspect_ratio');
    const meta = await sharp(Buffer.from((await res.json()).data[0].b64_json, 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 1024]);
  });

  it('asks for n images in one call and returns them all', async () => {
    const res = await post({ model: 'grok-imagine-image', prompt: 'three', n: 3, aspect_ratio: '9:16', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    expect((await res.json()).data).toHaveLength(3);
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.lastRequest().json.n).toBe(3);
  });

  it('never forwards size or style: Easel refuses them before any upstream call', async () => {
    for (const extra of [{ size: '1024x1024' }, { style: 'vivid' }]) {
      const res = await post({ model: 'grok-imagine-image', prompt: 'no size', ...extra });
      expect(res.status).toBe(400);
    }
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('xai: delivery', () => {
  it('url: an Easel URL whose bytes equal the upstream image', async () => {
    const res = await post({ model: 'grok-imagine-image', prompt: 'as url', aspect_ratio: '3:2' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data[0].url.startsWith(`${suite.server.publicUrl}/media/`)).toBe(true);
    expect(body.data[0].url).not.toContain(emulator.url);
    const media = await fetch(body.data[0].url);
    expect(media.status).toBe(200);
    const { width, height } = xaiImageSize('3:2', '1k');
    expect(Buffer.from(await media.arrayBuffer()).equals(await fakeImage(width, height, 'jpeg'))).toBe(true);
  });

  it('b64_json: the upstream bytes, unchanged', async () => {
    const body = await (await post({ model: 'grok-imagine-image-quality', prompt: 'as b64', aspect_ratio: '1:2', response_format: 'b64_json' })).json();
    const { width, height } = xaiImageSize('1:2', '1k');
    expect(Buffer.from(body.data[0].b64_json, 'base64').equals(await fakeImage(width, height, 'jpeg'))).toBe(true);
  });
});

// Each failure runs on an Easel of its own: channel health (cool-downs after 429s and repeated faults) must
// not leak from one case into the next.
describe('xai: upstream failures', () => {
  it('429 with Retry-After → 429 rate_limit_exceeded with Retry-After', () =>
    suite.withServer({}, async (s) => {
      await expectRateLimitPassedOn(emulator, 7, () => post({ model: 'grok-imagine-image', prompt: 'limited' }, s));
    }));

  it.each([500, 503])('%i → 502 upstream_error', (status) =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'status', status }, () => post({ model: 'grok-imagine-image', prompt: 'broken' }, s));
    }));

  it('connection reset → 502 upstream_error', () =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'reset' }, () => post({ model: 'grok-imagine-image', prompt: 'reset' }, s));
    }));

  it('malformed JSON → 502 upstream_error', () =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'malformed' }, () => post({ model: 'grok-imagine-image', prompt: 'garbled' }, s));
    }));

  it.each(['moderate', 'moderate_all'])('silent moderation (%s) → 400 content_policy_violation', (name) =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'behaviour', name });
      const res = await post({ model: 'grok-imagine-image', prompt: 'refused', n: 2 }, s);
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe('content_policy_violation');
      expect(emulator.requests).toHaveLength(1);
    }));

  it('partial moderation delivers the images that passed', () =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'moderate', detail: { withheld: 1 } });
      const res = await post({ model: 'grok-imagine-image', prompt: 'half refused', n: 3, response_format: 'b64_json' }, s);
      expect(res.status).toBe(200);
      expect((await res.json()).data).toHaveLength(2);
    }));

  it('a wrong key (xAI answers 400 "Incorrect API key") → an auth failure, not a 500 or a client error', async () => {
    await suite.withServer({ api_key: 'xai-wrong-key-000000' }, async (s) => {
      const res = await post({ model: 'grok-imagine-image', prompt: 'bad key' }, s);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('upstream_error');
      expect(text).not.toContain('xai-wrong-key');
      expect(text).not.toContain('console.x.ai');
    });
    expect(emulator.lastRequest().headers.authorization).toBe('Bearer xai-wrong-key-000000');
  });

  it('a slow upstream past the channel timeout → 504 timeout_error', () =>
    suite.withServer({ timeout_ms: 300 }, async (s) => {
      await expectChannelTimeout(emulator, () => post({ model: 'grok-imagine-image', prompt: 'slow' }, s));
    }));
});

describe('xai adapter: reading answers', () => {
  it('classifies the 400 wrong-key answer as auth and a moderation 400 as moderated', () => {
    const wrongKey = JSON.stringify({ code: 'Client specified an invalid argument', error: 'Incorrect API key provided: xa***yz. You can obtain an API key from https://console.x.ai.' });
    expect(classifyXaiError(400, wrongKey)?.kind).toBe('auth');
    expect(classifyXaiError(400, wrongKey)?.message).not.toMatch(/xa\*\*\*yz|console/);
    expect(classifyXaiError(400, JSON.stringify({ code: 'x', error: 'Generated image rejected by content moderation.' }))?.kind).toBe('moderated');
    expect(classifyXaiError(400, JSON.stringify({ code: 'x', error: 'Argument not supported: size' }))).toBeUndefined();
    expect(classifyXaiError(500, wrongKey)).toBeUndefined();
  });

  it('keeps usage (cost_in_usd_ticks), mime type and revised prompt; a URL answer becomes a URL to download', () => {
    const result = readImages(
      { data: [{ url: 'http://127.0.0.1:1/xai-imgen/a.jpeg', mime_type: 'image/jpeg', revised_prompt: 'r', respect_moderation: true }], usage: { cost_in_usd_ticks: 200_000_000 } },
      200,
    );
    expect(result.usage).toEqual({ cost_in_usd_ticks: 200_000_000 });
    expect(result.images).toEqual([{ url: 'http://127.0.0.1:1/xai-imgen/a.jpeg', mime: 'image/jpeg', revisedPrompt: 'r' }]);
  });

  it('treats a body without data, or an entry with no image and no moderation flag, as an upstream fault', () => {
    expect(() => readImages({} as never, 200)).toThrow(expect.objectContaining({ kind: 'upstream_fault' }));
    expect(() => readImages({ data: [{ respect_moderation: true }] }, 200)).toThrow(expect.objectContaining({ kind: 'upstream_fault' }));
  });
});

// Easel has no edits route yet (image-inputs issue), so edits are driven through the adapter itself,
// with the request the contract engine will hand it, against the same emulator.
describe('xai: edits through the adapter', () => {
  async function source(width: number, height: number): Promise<InputImage> {
    return { bytes: await fakeImage(width, height, 'png'), mime: 'image/png', width, height, source: 'image' };
  }
  function editRequest(images: InputImage[], over: Partial<NormalizedImageRequest> = {}): NormalizedImageRequest {
    return {
      model: 'grok-imagine-image', requestedModel: 'grok-imagine-image', endpoint: '/v1/images/edits', operation: 'image-edit',
      prompt: 'make it snow', n: 1, responseFormat: 'b64_json', async: false, resolution: '1k', images, ...over,
    };
  }
  function context(model = 'grok-imagine-image'): CallContext {
    const channel = {
      id: 'xai-edit', provider: 'xai', baseUrl: `${emulator.url}/v1`, apiKey: XAI_TEST_KEY, models: MODELS, priority: 0, weight: 1,
      timeoutMs: 10_000, modelMap: {}, options: {}, onUncertainSubmit: 'resubmit' as const,
    };
    return { channel, upstreamModel: model, wire: {}, signal: AbortSignal.timeout(10_000) };
  }

  it.each(MODELS)('%s: one source goes as image {url: data URI, type: image_url}; the answer keeps its shape', async (model) => {
    const input = await source(640, 360);
    const result = await xaiProvider.edit!(editRequest([input], { model }), context(model));
    const seen = emulator.lastRequest();
    expect(seen.path).toBe('/v1/images/edits');
    expect(seen.headers.authorization).toBe(`Bearer ${XAI_TEST_KEY}`);
    expect(seen.json).toEqual({
      model, prompt: 'make it snow', n: 1, resolution: '1k', response_format: 'b64_json',
      image: { url: `data:image/png;base64,${input.bytes.toString('base64')}`, type: 'image_url' },
    });
    const meta = await sharp(result.images[0].bytes!).metadata();
    expect([meta.width, meta.height]).toEqual([1408, 768]);
    expect(result.usage).toHaveProperty('cost_in_usd_ticks');
  });

  it('several sources go as images[], in order, with the asked aspect_ratio', async () => {
    const inputs = [await source(64, 64), await source(96, 64), await source(64, 96)];
    const result = await xaiProvider.edit!(editRequest(inputs, { aspectRatio: '2:3' }), context());
    const sent = emulator.lastRequest().json;
    expect(sent).not.toHaveProperty('image');
    expect(sent.images.map((i: { url: string }) => i.url)).toEqual(inputs.map((i) => `data:image/png;base64,${i.bytes.toString('base64')}`));
    const meta = await sharp(result.images[0].bytes!).metadata();
    expect([meta.width, meta.height]).toEqual([864, 1296]);
  });

  it('silent moderation of an edit is a moderation error', async () => {
    emulator.inject({ kind: 'behaviour', name: 'moderate_all' });
    await expect(xaiProvider.edit!(editRequest([await source(64, 64)]), context())).rejects.toMatchObject({ kind: 'moderated' });
  });
});

describe('xai emulator: protocol', () => {
  const call = (json: unknown, key: string | null = XAI_TEST_KEY) =>
    fetch(`${emulator.url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(json),
    });

  it('rejects size and style in xAI\'s native error form', async () => {
    for (const field of ['size', 'style']) {
      const res = await call({ model: 'grok-imagine-image', prompt: 'x', [field]: 'whatever' });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ code: 'Client specified an invalid argument', error: `Argument not supported: ${field}` });
    }
  });

  it('rejects an uppercase resolution, a missing key and a wrong key', async () => {
    expect((await call({ model: 'grok-imagine-image', prompt: 'x', resolution: '2K' })).status).toBe(400);
    expect((await call({ model: 'grok-imagine-image', prompt: 'x' }, null)).status).toBe(401);
    const wrong = await call({ model: 'grok-imagine-image', prompt: 'x' }, 'nope-key');
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error).toMatch(/^Incorrect API key provided: no\*\*\*ey\./);
  });

  it('edits: refuses more than 3 sources, both image and images, and plain http URLs', async () => {
    const edit = (json: unknown) =>
      fetch(`${emulator.url}/v1/images/edits`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${XAI_TEST_KEY}` }, body: JSON.stringify(json) });
    const ref = { url: 'https://example.com/a.png', type: 'image_url' };
    expect((await edit({ model: 'grok-imagine-image', prompt: 'x', images: [ref, ref, ref, ref] })).status).toBe(400);
    expect((await edit({ model: 'grok-imagine-image', prompt: 'x', image: ref, images: [ref] })).status).toBe(400);
    expect((await edit({ model: 'grok-imagine-image', prompt: 'x', image: { url: 'http://example.com/a.png', type: 'image_url' } })).status).toBe(400);
    expect((await edit({ model: 'grok-imagine-image', prompt: 'x', images: [ref, ref, ref], response_format: 'b64_json' })).status).toBe(200);
  });

  it('serves url results itself, as JPEG, with mime_type and usage', async () => {
    const res = await call({ model: 'grok-imagine-image-quality', prompt: 'x', aspect_ratio: '4:3', n: 2 });
    const body = await res.json();
    expect(body.usage.cost_in_usd_ticks).toBe(1_000_000_000);
    expect(body.data).toHaveLength(2);
    expect(body.data[0]).toMatchObject({ mime_type: 'image/jpeg', respect_moderation: true });
    const image = await fetch(body.data[0].url);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([1280, 896]);
  });
});
