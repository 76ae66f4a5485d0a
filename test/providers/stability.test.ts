// Stable Diffusion 3.5 through Easel's HTTP API against the Stability emulator: what the client gets,
// what the upstream receives, fan-out (one image per call), and how each failure reaches the client.

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type RecordedRequest, fakeImage, partsToFields } from '../emulators/kit.ts';
import { STABILITY_SD3, STABILITY_TEST_KEY, createStabilityEmulator } from '../emulators/stability.ts';
import { expectChannelTimeout, expectRateLimitPassedOn, expectUpstreamFault, useEmulatorServer } from '../helpers/emulator-suite.ts';
import type { TestServer } from '../helpers/server.ts';

const emulator = createStabilityEmulator();

function channel(over: Record<string, unknown> = {}) {
  return { id: 'stability-main', provider: 'stability', base_url: emulator.url, api_key: STABILITY_TEST_KEY, models: ['stable-diffusion-3'], ...over };
}

const suite = useEmulatorServer(emulator, (over: Record<string, unknown> = {}) => ({ channels: [channel(over)] }));

const generate = (json: Record<string, unknown>, on?: TestServer) => suite.generate({ model: 'stable-diffusion-3', prompt: 'A lighthouse at dusk', ...json }, on);

function calls(): Array<{ call: RecordedRequest; fields: Record<string, string> }> {
  return emulator.requests.filter((r) => r.path === STABILITY_SD3).map((call) => ({ call, fields: partsToFields(call.parts).fields }));
}

/** Error tests get their own Easel: failures cool a channel down, which would leak into later tests. */

describe('stable-diffusion-3 through Easel', () => {
  it('sends a multipart sd3 call asking for raw bytes, with Stability field names, and returns the image', async () => {
    const res = await generate({ size: '1024x1792', negative_prompt: 'fog', seed: 42, output_format: 'jpeg', user: 'end-user-1', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.normalized).toMatchObject({ aspect_ratio: '9:16' });
    expect(body.data).toHaveLength(1);
    const jpeg = Buffer.from(body.data[0].b64_json, 'base64');
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 768, height: 1344 });
    expect(jpeg.equals(await fakeImage(768, 1344, 'jpeg'))).toBe(true);

    const [{ call, fields }] = calls();
    expect(calls()).toHaveLength(1);
    expect(call.method).toBe('POST');
    expect(call.headers.authorization).toBe(`Bearer ${STABILITY_TEST_KEY}`);
    expect(call.headers.accept).toBe('image/*');
    expect(String(call.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(call.headers['stability-client-user-id']).toBe('end-user-1');
    expect(fields).toEqual({
      prompt: 'A lighthouse at dusk',
      mode: 'text-to-image',
      model: 'sd3.5-large',
      aspect_ratio: '9:16',
      negative_prompt: 'fog',
      seed: '42',
      output_format: 'jpeg',
    });
  });

  it('returns an Easel URL whose bytes are the upstream PNG, with the catalogue default ratio', async () => {
    const res = await generate({});
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.normalized).toMatchObject({ aspect_ratio: '1:1' });
    expect(calls()[0].fields).toEqual({ prompt: 'A lighthouse at dusk', mode: 'text-to-image', model: 'sd3.5-large', aspect_ratio: '1:1' });
    const url = body.data[0].url as string;
    expect(url.startsWith(`${suite.server.publicUrl}/media/`)).toBe(true);
    const media = await fetch(url);
    expect(media.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await media.arrayBuffer()).equals(await fakeImage(1024, 1024, 'png'))).toBe(true);
  });

  it('fans n out into one call per image, each without a count field', async () => {
    const res = await generate({ n: 3, aspect_ratio: '21:9', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toHaveLength(3);
    for (const item of body.data) {
      expect(await sharp(Buffer.from(item.b64_json, 'base64')).metadata()).toMatchObject({ width: 1536, height: 640 });
    }
    expect(calls()).toHaveLength(3);
    for (const { fields } of calls()) {
      expect(fields).toEqual({ prompt: 'A lighthouse at dusk', mode: 'text-to-image', model: 'sd3.5-large', aspect_ratio: '21:9' });
    }
  });

  it("sends the channel's model_map name as the upstream model", async () => {
    await suite.withServer({ model_map: { 'stable-diffusion-3': 'sd3.5-large-turbo' } }, async (s) => {
      expect((await generate({ response_format: 'b64_json' }, s)).status).toBe(200);
      expect(calls()[0].fields.model).toBe('sd3.5-large-turbo');
    });
  });
});

describe('stable-diffusion-3 moderation', () => {
  it('never delivers a CONTENT_FILTERED (blurred) image: 400 content_policy_violation', async () => {
    emulator.inject({ kind: 'behaviour', name: 'filtered' }, 1, /sd3$/);
    const res = await generate({ response_format: 'b64_json' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'content_policy_violation', type: 'invalid_request_error' });
    expect(body.data).toBeUndefined();
    expect(calls()).toHaveLength(1);
  });

  it('answers the 403 content_moderation error with 400 content_policy_violation', async () => {
    emulator.inject({ kind: 'behaviour', name: 'moderate' }, 1, /sd3$/);
    const res = await generate({});
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('content_policy_violation');
    expect(calls()).toHaveLength(1);
  });

  it('delivers the unfiltered images of a fan-out when one call is filtered', async () => {
    emulator.inject({ kind: 'behaviour', name: 'filtered' }, 1, /sd3$/);
    const res = await generate({ n: 2, response_format: 'b64_json' });
    expect(res.status).toBe(200);
    expect((await res.json()).data).toHaveLength(1);
    expect(calls()).toHaveLength(2);
  });
});

describe('stable-diffusion-3 upstream failures', () => {
  it('passes a 429 on as 429 with Retry-After', async () => {
    await suite.withServer({}, async (s) => {
      await expectRateLimitPassedOn(emulator, 60, () => generate({}, s), /sd3$/);
    });
  });

  it.each([500, 503])('answers an upstream %i with 502 upstream_error', async (status) => {
    await suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'status', status }, () => generate({}, s), /sd3$/);
    });
  });

  it.each([
    ['a connection reset', { kind: 'reset' } as const],
    ['a JSON body where image bytes were asked for', { kind: 'malformed' } as const],
  ])('answers %s with 502 upstream_error', async (_name, fault) => {
    await suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, fault, () => generate({}, s), /sd3$/);
    });
  });

  it('answers a wrong key as an upstream auth failure (502), never echoing the key', async () => {
    await suite.withServer({ api_key: 'sk-wrong-stability-key-99' }, async (s) => {
      const res = await generate({}, s);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('upstream_error');
      expect(text).not.toContain('wrong-stability');
      expect(calls()[0].call.headers.authorization).toBe('Bearer sk-wrong-stability-key-99');
    });
  });

  it('answers a slow upstream with 504 timeout_error after the channel timeout', async () => {
    await suite.withServer({ timeout_ms: 300 }, async (s) => {
      await expectChannelTimeout(emulator, () => generate({}, s), /sd3$/);
    });
  });
});

describe('the Stability emulator itself', () => {
  const url = () => `${emulator.url}${STABILITY_SD3}`;
  const form = (fields: Record<string, string>) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    return f;
  };
  const auth = { authorization: `Bearer ${STABILITY_TEST_KEY}` };

  it('answers errors in its {id, name, errors} envelope as JSON: missing key, JSON body, webp', async () => {
    const missing = await fetch(url(), { method: 'POST', body: form({ prompt: 'x' }) });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/json');
    const envelope = await missing.json();
    expect(envelope).toMatchObject({ name: 'unauthorized', errors: [expect.any(String)] });
    expect(envelope.id).toMatch(/^[0-9a-f]{32}$/);

    const json = await fetch(url(), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'x' }) });
    expect(json.status).toBe(400);
    expect((await json.json()).name).toBe('bad_request');

    const refusals: Record<string, string>[] = [{ output_format: 'webp' }, { aspect_ratio: '4:3' }, { model: 'sdxl-1.0' }, { seed: '4294967295' }];
    for (const refused of refusals) {
      const res = await fetch(url(), { method: 'POST', headers: auth, body: form({ prompt: 'x', ...refused }) });
      expect(res.status).toBe(400);
      expect((await res.json()).errors[0]).toMatch(new RegExp(`^${Object.keys(refused)[0]}: `));
    }
  });

  it('answers accept: application/json with {image, finish_reason, seed}', async () => {
    const res = await fetch(url(), { method: 'POST', headers: { ...auth, accept: 'application/json' }, body: form({ prompt: 'x', aspect_ratio: '16:9', seed: '5' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; type=image/png');
    const body = await res.json();
    expect(body).toMatchObject({ finish_reason: 'SUCCESS', seed: 5 });
    expect(await sharp(Buffer.from(body.image, 'base64')).metadata()).toMatchObject({ width: 1344, height: 768 });
  });

  it('answers accept: image/* with bytes and the finish-reason and seed headers', async () => {
    const res = await fetch(url(), { method: 'POST', headers: { ...auth, accept: 'image/*' }, body: form({ prompt: 'x' }) });
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('finish-reason')).toBe('SUCCESS');
    expect(Number(res.headers.get('seed'))).toBeGreaterThan(0);
    expect(Buffer.from(await res.arrayBuffer()).equals(await fakeImage(1024, 1024, 'png'))).toBe(true);
  });
});
