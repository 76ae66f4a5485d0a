// Junk in every field of every create route, validated or dry-run: never a 5xx, always the envelope.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { bootstrap: { starter_credit_usd: '1000' } } });
});
afterAll(() => server.close());

const values = [null, true, false, 0, -1, 1.5, 1e309, 'x', '', '1024x1024', 'auto', [], [1], ['x'], {}, { a: 1 }, 'a'.repeat(5000), '16:9', '2k', 'http://127.0.0.1/x.png', 'https://example.invalid/a.png'];
const fields = ['model', 'prompt', 'n', 'size', 'quality', 'style', 'response_format', 'async', 'aspect_ratio', 'resolution', 'image_url', 'image_urls', 'images', 'mask', 'operation', 'background', 'output_format', 'output_compression', 'compression', 'seed', 'user', 'stream', 'input_fidelity', 'file_id', 'reference_image_urls', 'negative_prompt', 'moderation', 'partial_images'];
const models = ['gpt-image-2', 'dall-e-3', 'dall-e-2', 'nano-banana', 'nano-banana-pro', 'grok-imagine-image', 'flux-pro', 'flux-kontext-pro', 'midjourney', 'ideogram-v3', 'stable-diffusion-3', 'flux-schnell', 'gemini-2.0-flash-preview-image-generation'];

// A fixed-seed generator: every run sends the same requests, so a failure can be replayed.
let seed = 20261129;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
function rnd<T>(a: T[]): T {
  return a[Math.floor(random() * a.length)];
}

it('answers 600 junk requests with 2xx/4xx in the error envelope, never a 5xx', async () => {
  const bad: string[] = [];
  for (let i = 0; i < 600; i++) {
    const body: Record<string, unknown> = { model: rnd(models), prompt: 'fuzz' };
    for (let j = 0; j < 1 + Math.floor(random() * 3); j++) body[rnd(fields)] = rnd(values);
    const path = rnd(['/v1/images/generations', '/v1/images/edits', '/v1/images/variations']);
    const res = await server.call(path, { method: 'POST', json: body, headers: random() < 0.5 ? { 'x-easel-dry-run': '1' } : {} });
    const text = await res.text();
    if (res.status >= 500) bad.push(`${res.status} ${path} ${JSON.stringify(body).slice(0, 300)} => ${text.slice(0, 300)}`);
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      bad.push(`non-JSON ${res.status} ${text.slice(0, 100)}`);
    }
    if (res.status >= 400 && !parsed?.error?.message) bad.push(`no envelope ${res.status} ${text.slice(0, 200)}`);
  }
  expect(bad).toEqual([]);
}, 300_000);
