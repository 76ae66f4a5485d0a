// Ideogram 3.0 through Easel's HTTP API against the Ideogram emulator: what the client gets, what the
// upstream receives, and how each upstream failure reaches the client.

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type RecordedRequest, partsToFields } from '../emulators/kit.ts';
import {
  IDEOGRAM_GENERATE,
  IDEOGRAM_IMAGE_PREFIX,
  IDEOGRAM_TEST_KEY,
  type IdeogramEmulator,
  createIdeogramEmulator,
} from '../emulators/ideogram.ts';
import { expectChannelTimeout, expectRateLimitPassedOn, expectUpstreamFault, useEmulatorServer } from '../helpers/emulator-suite.ts';
import type { TestServer } from '../helpers/server.ts';

const GENERATE = /\/v1\/ideogram-v3\/generate$/;

const emulator = createIdeogramEmulator();

function channel(over: Record<string, unknown> = {}, target: IdeogramEmulator = emulator) {
  return { id: 'ideogram-main', provider: 'ideogram', base_url: target.url, api_key: IDEOGRAM_TEST_KEY, models: ['ideogram-v3'], ...over };
}

const suite = useEmulatorServer(emulator, (over: Record<string, unknown> = {}) => ({ channels: [channel(over)] }));

const generate = (json: Record<string, unknown>, on?: TestServer) => suite.generate({ model: 'ideogram-v3', prompt: 'A poster that says HELLO', ...json }, on);

function generateCalls(): RecordedRequest[] {
  return emulator.requests.filter((r) => r.path === IDEOGRAM_GENERATE);
}

function onlyGenerateCall(): { call: RecordedRequest; fields: Record<string, string> } {
  const calls = generateCalls();
  expect(calls).toHaveLength(1);
  return { call: calls[0], fields: partsToFields(calls[0].parts).fields };
}

describe('ideogram-v3 through Easel', () => {
  it('sends a multipart v3 generate with Ideogram field names and spellings, and returns b64 images of the rendered size', async () => {
    const res = await generate({
      size: '1792x1024',
      quality: 'turbo',
      n: 2,
      seed: 7,
      negative_prompt: 'blurry text',
      expand_prompt: false,
      user: 'end-user-1',
      response_format: 'b64_json',
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.normalized).toMatchObject({ aspect_ratio: '16:9' });
    expect(body.data).toHaveLength(2);
    for (const item of body.data) {
      const meta = await sharp(Buffer.from(item.b64_json, 'base64')).metadata();
      expect(meta).toMatchObject({ format: 'png', width: 1312, height: 736 });
      // Magic Prompt was off: the prompt came back unchanged, so nothing was revised.
      expect(item.revised_prompt).toBeUndefined();
    }

    const { call, fields } = onlyGenerateCall();
    expect(call.method).toBe('POST');
    expect(call.headers['api-key']).toBe(IDEOGRAM_TEST_KEY);
    expect(call.headers.authorization).toBeUndefined();
    expect(String(call.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(fields).toEqual({
      prompt: 'A poster that says HELLO',
      num_images: '2',
      aspect_ratio: '16x9',
      rendering_speed: 'TURBO',
      magic_prompt: 'OFF',
      negative_prompt: 'blurry text',
      seed: '7',
    });
  });

  it('fills the catalogue defaults (1:1, quality default) and returns Easel URLs whose bytes are the upstream image', async () => {
    const res = await generate({});
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.normalized).toMatchObject({ aspect_ratio: '1:1', quality: 'default' });
    const { fields } = onlyGenerateCall();
    expect(fields).toEqual({ prompt: 'A poster that says HELLO', num_images: '1', aspect_ratio: '1x1', rendering_speed: 'DEFAULT' });

    const delivered = body.data[0].url as string;
    expect(delivered.startsWith(`${suite.server.publicUrl}/media/`)).toBe(true);
    const issued = emulator.issued[emulator.issued.length - 1];
    expect(delivered).not.toContain(emulator.url);
    const [mine, theirs] = await Promise.all([fetch(delivered), fetch(issued.url)]);
    expect(mine.status).toBe(200);
    const bytes = Buffer.from(await mine.arrayBuffer());
    expect(bytes.equals(Buffer.from(await theirs.arrayBuffer()))).toBe(true);
    expect(await sharp(bytes).metadata()).toMatchObject({ width: 1024, height: 1024 });

    // Easel fetched the expiring URL itself, without the channel's key.
    const download = emulator.requests.find((r) => r.path.startsWith(IDEOGRAM_IMAGE_PREFIX));
    expect(download?.method).toBe('GET');
    expect(download?.headers['api-key']).toBeUndefined();
    expect(download?.headers.authorization).toBeUndefined();
  });

  it.each([
    ['flash', 'FLASH'],
    ['quality', 'QUALITY'],
  ])('maps quality %s to rendering_speed %s', async (quality, speed) => {
    expect((await generate({ quality, aspect_ratio: '4:5', response_format: 'b64_json' })).status).toBe(200);
    expect(onlyGenerateCall().fields).toMatchObject({ rendering_speed: speed, aspect_ratio: '4x5' });
  });

  it('reports the Magic Prompt rewrite as revised_prompt', async () => {
    const body = await (await generate({ expand_prompt: true, response_format: 'b64_json' })).json();
    expect(onlyGenerateCall().fields.magic_prompt).toBe('ON');
    expect(body.data[0].revised_prompt).toMatch(/^A poster that says HELLO, /);
  });

  it('delivers the safe images when Ideogram withholds some of them', async () => {
    emulator.inject({ kind: 'behaviour', name: 'unsafe', detail: { count: 1 } }, 1, GENERATE);
    const res = await generate({ n: 3, response_format: 'b64_json' });
    expect(res.status).toBe(200);
    expect((await res.json()).data).toHaveLength(2);
    expect(onlyGenerateCall().fields.num_images).toBe('3');
  });
});

describe('ideogram-v3 moderation', () => {
  it('answers 400 content_policy_violation when every image is withheld (is_image_safe:false, url null)', async () => {
    emulator.inject({ kind: 'behaviour', name: 'unsafe' }, 1, GENERATE);
    const res = await generate({ n: 2 });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'content_policy_violation', type: 'invalid_request_error' });
    expect(generateCalls()).toHaveLength(1);
  });

  it('answers 400 content_policy_violation to the 422 safety error, without failing over', async () => {
    emulator.inject({ kind: 'behaviour', name: 'safety_422' }, 1, GENERATE);
    const res = await generate({});
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('content_policy_violation');
  });
});

describe('ideogram-v3 upstream failures', () => {
  it('passes a 429 on as 429 with Retry-After', async () => {
    await suite.withServer({}, async (s) => {
      await expectRateLimitPassedOn(emulator, 7, () => generate({}, s), GENERATE);
    });
  });

  it.each([500, 503])('answers an upstream %i with 502 upstream_error', async (status) => {
    await suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'status', status }, () => generate({}, s), GENERATE);
    });
  });

  it.each([
    ['a connection reset', { kind: 'reset' } as const],
    ['a malformed JSON body', { kind: 'malformed' } as const],
  ])('answers %s with 502 upstream_error', async (_name, fault) => {
    await suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, fault, () => generate({}, s), GENERATE);
    });
  });

  it('answers a wrong key as an upstream auth failure (502), never echoing the key', async () => {
    await suite.withServer({ api_key: 'wrong-ideogram-key-123' }, async (s) => {
      const res = await generate({}, s);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('upstream_error');
      expect(text).not.toContain('wrong-ideogram-key');
      expect(text).not.toContain(emulator.url);
      expect(generateCalls()[0].headers['api-key']).toBe('wrong-ideogram-key-123');
    });
  });

  it('answers a slow upstream with 504 timeout_error after the channel timeout', async () => {
    await suite.withServer({ timeout_ms: 300 }, async (s) => {
      await expectChannelTimeout(emulator, () => generate({}, s), GENERATE);
    });
  });

  it("refuses a seed beyond Ideogram's range before calling it, and passes the largest one", async () => {
    const res = await generate({ seed: 2_147_483_648 });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'invalid_value', param: 'seed' });
    expect(emulator.requests).toHaveLength(0);
    expect((await generate({ seed: 2_147_483_647 })).status).toBe(200);
  });

  it('answers 502 when the result URL has already expired', async () => {
    const stale = createIdeogramEmulator({ urlTtlSeconds: -60 });
    await stale.start();
    try {
      await suite.withServer({ base_url: stale.url }, async (s) => {
        const res = await generate({}, s);
        expect(res.status).toBe(502);
        expect((await res.json()).error.code).toBe('upstream_error');
      });
    } finally {
      await stale.close();
    }
  });
});

describe('the Ideogram emulator itself', () => {
  const post = (form: FormData, key: string | null = IDEOGRAM_TEST_KEY) =>
    fetch(`${emulator.url}${IDEOGRAM_GENERATE}`, { method: 'POST', body: form, headers: key ? { 'Api-Key': key } : {} });
  const formOf = (fields: Record<string, string>) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    return form;
  };

  it('refuses a missing or wrong Api-Key with 401', async () => {
    const missing = await post(formOf({ prompt: 'x' }), null);
    expect(missing.status).toBe(401);
    await missing.arrayBuffer();
    const wrong = await post(formOf({ prompt: 'x' }), 'nope');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  it("refuses the ':' ratio spelling and resolution together with aspect_ratio", async () => {
    const refusals: Record<string, string>[] = [{ aspect_ratio: '16:9' }, { aspect_ratio: '1x1', resolution: '1024x1024' }, { num_images: '9' }, { rendering_speed: 'turbo' }];
    for (const refused of refusals) {
      const res = await post(formOf({ prompt: 'x', ...refused }));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ status: 400, title: 'Bad Request', detail: expect.any(String) });
    }
  });

  it('answers with an ISO created date and serves only correctly signed, unexpired URLs', async () => {
    const res = await post(formOf({ prompt: 'x', resolution: '1280x800' }));
    const body = await res.json();
    expect(body.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    expect(body.data[0]).toMatchObject({ resolution: '1280x800', is_image_safe: true, prompt: 'x' });
    const url = new URL(body.data[0].url);
    const good = await fetch(url);
    expect(await sharp(Buffer.from(await good.arrayBuffer())).metadata()).toMatchObject({ width: 1280, height: 800 });
    const unsigned = new URL(url);
    unsigned.searchParams.delete('sig');
    const extended = new URL(url);
    extended.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    for (const refused of [unsigned, extended]) {
      const res = await fetch(refused);
      expect(res.status).toBe(403);
      await res.arrayBuffer();
    }
  });
});
