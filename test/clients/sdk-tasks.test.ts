// Task-based models through the official SDKs, unchanged but for one default header (issue 13 §1):
// with `Prefer: wait=60` the create holds until the BFL or midjourney-proxy task is done and answers
// inline, so `r.data[0].url` works in the Node (openai@6) and the Python SDK alike.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonWithOpenai } from '../helpers/python-sdk.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startTaskUpstreams } from '../helpers/task-upstreams.ts';

const run = promisify(execFile);
const MODELS = ['flux-pro', 'midjourney'];

let server: TestServer;
let upstreams: Awaited<ReturnType<typeof startTaskUpstreams>>;
beforeAll(async () => {
  upstreams = await startTaskUpstreams({ poll_interval_ms: 100 });
  server = await startTestServer({ config: { bootstrap: { starter_credit_usd: '50' }, channels: upstreams.channels } });
}, 60_000);
afterAll(async () => {
  await server.close();
  await upstreams.close();
});

async function expectStoredImage(url: string | undefined): Promise<void> {
  expect(url).toMatch(/\/media\/[0-9A-Za-z]{32}\.(png|jpg|webp)$/);
  const image = await fetch(url!);
  expect(image.status).toBe(200);
  expect(image.headers.get('content-type')).toMatch(/^image\//);
  await image.arrayBuffer();
}

describe('Node openai SDK with defaultHeaders { Prefer: "wait=60" }', () => {
  it.each(MODELS)('r.data[0].url for %s', async (model) => {
    const client = new OpenAI({ apiKey: server.apiKey, baseURL: `${server.url}/v1`, defaultHeaders: { Prefer: 'wait=60' }, timeout: 120_000, maxRetries: 0 });
    const { data: r, response } = await client.images.generate({ model, prompt: 'a lighthouse at dawn' }).withResponse();
    await expectStoredImage(r.data?.[0]?.url);
    expect(response.headers.get('preference-applied')).toBe('wait=50');
  });

  it('without the header the same call gets the task, and data is empty: the trap the header removes', async () => {
    const client = new OpenAI({ apiKey: server.apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
    const r = await client.images.generate({ model: 'midjourney', prompt: 'a lighthouse at dawn' });
    expect(r.data).toEqual([]);
    expect((r as unknown as { status: string }).status).toBe('pending');
  });
});

describe('Python openai SDK with default_headers={"Prefer": "wait=60"}', () => {
  it.each(MODELS)('r.data[0].url for %s', async (model) => {
    const python = await pythonWithOpenai();
    const { stdout } = await run(python, ['test/clients/sdk_generate.py', model], {
      env: { ...process.env, EASEL_BASE_URL: server.url, EASEL_API_KEY: server.apiKey },
      timeout: 90_000,
    });
    await expectStoredImage(stdout.trim());
  }, 200_000);
});
