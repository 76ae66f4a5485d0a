// Edits and variations end to end: each input shape through Easel's HTTP API, and what the upstream
// emulator received (multipart parts, JSON images[] with data URLs, xAI's image refs).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AZURE_TEST_KEY, AZURE_TEST_DEPLOYMENTS, createAzureEmulator } from '../emulators/azure.ts';
import type { Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { XAI_TEST_KEY, createXaiEmulator } from '../emulators/xai.ts';
import { tinyPng } from '../helpers/png.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let openai: Emulator;
let azure: Emulator;
let xai: Emulator;
let source: Server;
let sourceUrl = '';
let square: Buffer;
let server: TestServer;

beforeAll(async () => {
  square = await tinyPng(64, 64);
  source = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(square));
  await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
  sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}/src.png`;
  [openai, azure, xai] = [createOpenaiEmulator(), createAzureEmulator(), createXaiEmulator()];
  await Promise.all([openai.start(), azure.start(), xai.start()]);
  server = await startTestServer({
    config: {
      // The source images are served from 127.0.0.1; the SSRF rule itself is tested in test/fetch.
      fetch: { allow_private_addresses: true },
      channels: [
        { id: 'openai', provider: 'openai', base_url: `${openai.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['dall-e-2', 'gpt-image-2'], priority: 1 },
        { id: 'xai', provider: 'xai', base_url: `${xai.url}/v1`, api_key: XAI_TEST_KEY, models: ['grok-imagine-image'] },
      ],
    },
  });
});
afterAll(async () => {
  await server.close();
  await Promise.all([openai.close(), azure.close(), xai.close()]);
  source.close();
});
beforeEach(() => {
  for (const e of [openai, azure, xai]) e.reset();
});

function form(fields: Record<string, string>, files: Array<[string, Buffer]>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const [name, bytes] of files) f.append(name, new Blob([new Uint8Array(bytes)], { type: 'image/png' }), `${name}.png`);
  return f;
}

const call = (e: Emulator, path: string) => {
  const calls = e.requests.filter((r) => r.path === path);
  expect(calls).toHaveLength(1);
  return calls[0];
};

describe('OpenAI edits', () => {
  it('multipart sources and mask reach /images/edits as multipart parts', async () => {
    const res = await server.call('/v1/images/edits', {
      method: 'POST',
      body: form({ model: 'gpt-image-2', prompt: 'add a hat', input_fidelity: 'high', response_format: 'b64_json' }, [['image[]', square], ['image[]', square], ['mask', square]]),
    });
    expect(res.status).toBe(200);
    const upstream = call(openai, '/v1/images/edits');
    expect(upstream.headers.authorization).toBe(`Bearer ${OPENAI_TEST_KEY}`);
    const names = upstream.parts!.map((p) => p.name);
    expect(names.filter((n) => n === 'image[]')).toHaveLength(2);
    expect(names).toContain('mask');
    expect(names).not.toContain('input_fidelity');
    expect(names).not.toContain('response_format');
    const model = upstream.parts!.find((p) => p.name === 'model');
    expect(model?.value).toBe('gpt-image-2');
    for (const part of upstream.parts!.filter((p) => p.bytes)) expect(part.bytes!.equals(square)).toBe(true);
  });

  it('JSON image URLs are fetched by Easel and sent as data URLs in images[] when JSON is needed', async () => {
    const res = await server.call('/v1/images/edits', { method: 'POST', json: { model: 'gpt-image-2', prompt: 'soften', image_urls: [sourceUrl], moderation: 'low' } });
    expect(res.status).toBe(200);
    const upstream = call(openai, '/v1/images/edits');
    expect(upstream.json.moderation).toBe('low');
    expect(upstream.json.images).toEqual([{ image_url: `data:image/png;base64,${square.toString('base64')}` }]);
  });

  it('dall-e-2: a square PNG from a URL edit, and a multipart variation', async () => {
    expect((await server.call('/v1/images/edits', { method: 'POST', json: { model: 'dall-e-2', prompt: 'x', image_url: sourceUrl, size: '256x256' } })).status).toBe(200);
    const edit = call(openai, '/v1/images/edits');
    expect(edit.parts!.find((p) => p.name === 'image')?.bytes?.equals(square)).toBe(true);

    const res = await server.call('/v1/images/variations', { method: 'POST', body: form({ model: 'dall-e-2', n: '2', size: '256x256' }, [['image', square]]) });
    expect(res.status).toBe(200);
    expect((await res.json()).data).toHaveLength(2);
    const vary = call(openai, '/v1/images/variations');
    expect(Object.fromEntries(vary.parts!.filter((p) => !p.bytes).map((p) => [p.name, p.value]))).toMatchObject({ model: 'dall-e-2', n: '2', size: '256x256' });
  });
});

describe('Azure edits', () => {
  it('go multipart to the deployment with the api-key header', async () => {
    const deployment = Object.entries(AZURE_TEST_DEPLOYMENTS).find(([, model]) => model === 'gpt-image-2')![0];
    const az = await startTestServer({
      config: { channels: [{ id: 'azure', provider: 'azure', base_url: azure.url, api_key: AZURE_TEST_KEY, models: ['gpt-image-2'], model_map: { 'gpt-image-2': deployment } }] },
    });
    try {
      const res = await az.call('/v1/images/edits', { method: 'POST', body: form({ model: 'gpt-image-2', prompt: 'x' }, [['image', square]]) });
      expect(res.status).toBe(200);
      const upstream = call(azure, `/openai/deployments/${deployment}/images/edits`);
      expect(upstream.headers['api-key']).toBe(AZURE_TEST_KEY);
      expect(upstream.query['api-version']).toBeTruthy();
      expect(upstream.parts!.find((p) => p.name === 'image')?.bytes?.equals(square)).toBe(true);
    } finally {
      await az.close();
    }
  });
});

describe('xAI edits', () => {
  it('sources travel as data-URI image refs in JSON', async () => {
    const res = await server.call('/v1/images/edits', { method: 'POST', json: { model: 'grok-imagine-image', prompt: 'x', image_urls: [sourceUrl, sourceUrl] } });
    expect(res.status).toBe(200);
    const upstream = call(xai, '/v1/images/edits');
    const ref = { url: `data:image/png;base64,${square.toString('base64')}`, type: 'image_url' };
    expect(upstream.json.images).toEqual([ref, ref]);
    expect(upstream.json.model).toBe('grok-imagine-image');
  });
});
