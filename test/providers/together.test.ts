// FLUX.1 [schnell] on Together AI through Easel's HTTP API against the Together emulator: what the
// client gets, what the upstream receives, and how every upstream failure reaches the client.

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { classifyTogetherError, readImages } from '../../src/providers/together/adapter.ts';
import { fakeImage } from '../emulators/kit.ts';
import { TOGETHER_TEST_KEY, createTogetherEmulator } from '../emulators/together.ts';
import { expectChannelTimeout, expectRateLimitPassedOn, expectUpstreamFault, useEmulatorServer } from '../helpers/emulator-suite.ts';

const MODEL = 'flux-schnell';
const UPSTREAM_MODEL = 'black-forest-labs/FLUX.1-schnell';
const emulator = createTogetherEmulator();

function channel(over: Record<string, unknown> = {}) {
  return { id: 'together-main', provider: 'together', base_url: `${emulator.url}/v1`, api_key: TOGETHER_TEST_KEY, models: [MODEL], ...over };
}

const suite = useEmulatorServer(emulator, (over: Record<string, unknown> = {}) => ({ channels: [channel(over)] }));
const post = suite.generate;

describe('together: what the upstream receives', () => {
  it('flux-schnell: sends the FLUX.1-schnell model, width/height, 4 steps, n, seed and response_format base64', async () => {
    const res = await post({ model: MODEL, prompt: 'a paper boat on a pond', size: '512x768', n: 2, seed: 42, response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toHaveLength(2);
    for (const item of body.data) {
      const meta = await sharp(Buffer.from(item.b64_json, 'base64')).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 512, height: 768 });
    }

    const seen = emulator.lastRequest();
    expect(seen.method).toBe('POST');
    expect(seen.path).toBe('/v1/images/generations');
    expect(seen.headers.authorization).toBe(`Bearer ${TOGETHER_TEST_KEY}`);
    // Exactly these fields: no OpenAI `size`, and Together's `base64`, not `b64_json`.
    expect(seen.json).toEqual({ model: UPSTREAM_MODEL, prompt: 'a paper boat on a pond', width: 512, height: 768, steps: 4, n: 2, seed: 42, response_format: 'base64' });
    expect(emulator.requests).toHaveLength(1);
  });

  it('uses the catalogue default size (1024x1024) and sends no seed when none is given', async () => {
    const res = await post({ model: MODEL, prompt: 'defaults', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const sent = emulator.lastRequest().json;
    expect([sent.width, sent.height]).toEqual([1024, 1024]);
    expect(sent).not.toHaveProperty('seed');
    const meta = await sharp(Buffer.from((await res.json()).data[0].b64_json, 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 1024]);
  });

  it('a size off the contract never reaches Together', async () => {
    const res = await post({ model: MODEL, prompt: 'odd size', size: '1000x1000' });
    expect(res.status).toBe(400);
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('together: delivery', () => {
  it('url: an Easel URL whose bytes equal the upstream image', async () => {
    const res = await post({ model: MODEL, prompt: 'as url', size: '768x512' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data[0].url.startsWith(`${suite.server.publicUrl}/media/`)).toBe(true);
    expect(body.data[0].url).not.toContain(emulator.url);
    const media = await fetch(body.data[0].url);
    expect(media.status).toBe(200);
    expect(Buffer.from(await media.arrayBuffer()).equals(await fakeImage(768, 512, 'jpeg'))).toBe(true);
  });

  it('b64_json: the upstream bytes, unchanged', async () => {
    const body = await (await post({ model: MODEL, prompt: 'as b64', size: '256x256', response_format: 'b64_json' })).json();
    expect(Buffer.from(body.data[0].b64_json, 'base64').equals(await fakeImage(256, 256, 'jpeg'))).toBe(true);
  });
});

// Each failure runs on an Easel of its own: channel health (cool-downs after 429s and repeated faults) must
// not leak from one case into the next.
describe('together: upstream failures', () => {
  it('429 with Retry-After → 429 rate_limit_exceeded with Retry-After', () =>
    suite.withServer({}, async (s) => {
      await expectRateLimitPassedOn(emulator, 3, () => post({ model: MODEL, prompt: 'limited' }, s));
    }));

  it.each([500, 503])('%i → 502 upstream_error', (status) =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'status', status }, () => post({ model: MODEL, prompt: 'broken' }, s));
    }));

  it('connection reset → 502 upstream_error', () =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'reset' }, () => post({ model: MODEL, prompt: 'reset' }, s));
    }));

  it('malformed JSON → 502 upstream_error', () =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'malformed' }, () => post({ model: MODEL, prompt: 'garbled' }, s));
    }));

  it('the safety checker (422) → 400 content_policy_violation', () =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'moderate' });
      const res = await post({ model: MODEL, prompt: 'refused' }, s);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('content_policy_violation');
      expect(text).not.toContain('NSFW');
      expect(emulator.requests).toHaveLength(1);
    }));

  it('a wrong key (401) → an auth failure, not a 500 or a client error', async () => {
    await suite.withServer({ api_key: 'together-wrong-key-000000' }, async (s) => {
      const res = await post({ model: MODEL, prompt: 'bad key' }, s);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('upstream_error');
      expect(text).not.toContain('together-wrong-key');
      expect(text).not.toContain('api.together.xyz');
    });
    expect(emulator.lastRequest().headers.authorization).toBe('Bearer together-wrong-key-000000');
  });

  it('a slow upstream past the channel timeout → 504 timeout_error', () =>
    suite.withServer({ timeout_ms: 300 }, async (s) => {
      await expectChannelTimeout(emulator, () => post({ model: MODEL, prompt: 'slow' }, s));
    }));
});

describe('together adapter: reading answers', () => {
  it('classifies 422 as moderation and leaves other 400s to the status rules', () => {
    const flagged = JSON.stringify({ error: { message: 'flagged as NSFW', type: 'invalid_request_error' } });
    expect(classifyTogetherError(422, flagged)?.kind).toBe('moderated');
    expect(classifyTogetherError(400, flagged)?.kind).toBe('moderated');
    expect(classifyTogetherError(400, JSON.stringify({ error: { message: 'width must be a multiple of 8' } }))).toBeUndefined();
    expect(classifyTogetherError(401, flagged)).toBeUndefined();
  });

  it('orders images by index, takes URLs as URLs, and treats an empty list as an upstream fault', () => {
    const png = Buffer.from('fake');
    const result = readImages(
      { id: 'x', model: UPSTREAM_MODEL, object: 'list', data: [{ index: 1, url: 'http://127.0.0.1:1/b.jpeg', type: 'url' }, { index: 0, b64_json: png.toString('base64'), type: 'b64_json' }] },
      200,
    );
    expect(result.images[0].bytes?.equals(png)).toBe(true);
    expect(result.images[1].url).toBe('http://127.0.0.1:1/b.jpeg');
    expect(() => readImages({ id: 'x', model: UPSTREAM_MODEL, object: 'list', data: [] }, 200)).toThrow(expect.objectContaining({ kind: 'upstream_fault' }));
  });
});

describe('together emulator: protocol', () => {
  const call = (json: Record<string, unknown>, key: string | null = TOGETHER_TEST_KEY) =>
    fetch(`${emulator.url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ model: UPSTREAM_MODEL, prompt: 'x', ...json }),
    });

  it('rejects dimensions off the multiple of 8, steps outside 1–12, OpenAI\'s b64_json spelling and n over 4', async () => {
    for (const bad of [{ width: 1020 }, { height: 1001 }, { steps: 0 }, { steps: 13 }, { response_format: 'b64_json' }, { n: 5 }]) {
      const res = await call(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((await res.json()).error.message).toBeTypeOf('string');
    }
    expect((await call({ width: 1016, height: 1000, steps: 12 })).status).toBe(200);
  });

  it('answers a missing or wrong key with 401 in Together\'s envelope', async () => {
    for (const key of [null, 'nope']) {
      const res = await call({}, key);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    }
  });

  it('answers url by default and serves the image itself; base64 comes back under b64_json', async () => {
    const asUrl = await (await call({ width: 512, height: 512 })).json();
    expect(asUrl).toMatchObject({ object: 'list', model: UPSTREAM_MODEL, data: [{ index: 0, type: 'url' }] });
    const image = await fetch(asUrl.data[0].url);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await image.arrayBuffer()).equals(await fakeImage(512, 512, 'jpeg'))).toBe(true);
    const asB64 = await (await call({ width: 512, height: 512, response_format: 'base64' })).json();
    expect(asB64.data[0]).toMatchObject({ index: 0, type: 'b64_json' });
    expect(asB64.data[0].b64_json).toBeTypeOf('string');
  });
});
