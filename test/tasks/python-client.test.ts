// The seed document's Python polling example, run unchanged (but for base URL and key) against Easel.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startTaskUpstreams } from '../helpers/task-upstreams.ts';

const run = promisify(execFile);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    config: { tasks: { worker_interval_ms: 100 }, channels: [{ id: 'demo', provider: 'demo', models: ['midjourney', 'flux-pro', 'gpt-image-2'], options: { task_ms: 2_000 } }] },
  });
});
afterAll(async () => {
  await server.assertLedger();
  await server.close();
});

describe('generate_image() from tokenlab-create-image.txt', () => {
  it.each(['midjourney', 'flux-pro', 'gpt-image-2'])('returns a fetchable image URL for %s', async (model) => {
    const { stdout } = await run('python3', ['test/clients/generate_image.py', model], {
      env: { ...process.env, EASEL_BASE_URL: server.url, EASEL_API_KEY: server.apiKey },
      timeout: 60_000,
    });
    const url = /Generated image: (\S+)/.exec(stdout)?.[1];
    expect(url).toMatch(/\/media\/[0-9A-Za-z]{32}\.png$/);
    if (model !== 'gpt-image-2') expect(stdout).toMatch(/Image task started: ldtask_[0-9a-f]{32}/);
    const image = await fetch(url!);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    await image.arrayBuffer();
  });
});

describe('generate_image() against the BFL and midjourney-proxy emulators', () => {
  let upstreams: TestServer;
  let emulators: Awaited<ReturnType<typeof startTaskUpstreams>>;
  beforeAll(async () => {
    emulators = await startTaskUpstreams();
    upstreams = await startTestServer({ config: { tasks: { worker_interval_ms: 100 }, channels: emulators.channels } });
  });
  afterAll(async () => {
    await upstreams.close();
    await emulators.close();
  });

  it.each(['midjourney', 'flux-pro'])('polls %s to a stored image', async (model) => {
    const { stdout } = await run('python3', ['test/clients/generate_image.py', model], {
      env: { ...process.env, EASEL_BASE_URL: upstreams.url, EASEL_API_KEY: upstreams.apiKey },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/Image task started: ldtask_[0-9a-f]{32}/);
    const url = /Generated image: (\S+)/.exec(stdout)?.[1];
    expect(url).toMatch(/\/media\/[0-9A-Za-z]{32}\.(png|jpg|webp)$/);
    const image = await fetch(url!);
    expect(image.status).toBe(200);
    await image.arrayBuffer();
  });
});
