// Edits, variations and reference images on the demo provider: every input shape, the checks made
// before any money is reserved, and no charge when an input is refused.

import { createServer, type Server } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyPng } from '../helpers/png.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let images: Server;
let imagesUrl = '';
let acct: { id: string; key: string };

beforeAll(async () => {
  const square = await tinyPng(64, 64);
  const wide = await tinyPng(96, 64);
  images = createServer((req, res) => {
    if (req.url === '/square.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(square);
    if (req.url === '/wide.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(wide);
    if (req.url === '/text.png') return res.writeHead(200, { 'content-type': 'image/png' }).end('not an image');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
  imagesUrl = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
  // The test images live on 127.0.0.1: this server allows private addresses (the SSRF rule itself is tested in test/fetch).
  server = await startTestServer({ config: { fetch: { allow_private_addresses: true } } });
  acct = await server.newAccount('5');
});
afterAll(async () => {
  await server.assertLedger();
  await server.close();
  images.close();
});

function form(fields: Record<string, string>, files: Array<[string, Buffer, string]>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const [name, bytes, filename] of files) f.append(name, new Blob([new Uint8Array(bytes)], { type: 'image/png' }), filename);
  return f;
}

const postForm = (path: string, body: FormData) => server.call(path, { method: 'POST', key: acct.key, body });
const postJson = (path: string, json: unknown) => server.call(path, { method: 'POST', key: acct.key, json });

async function sizeOf(b64: string) {
  const meta = await sharp(Buffer.from(b64, 'base64')).metadata();
  return [meta.width, meta.height];
}

describe('/v1/images/edits', () => {
  it('takes multipart image + mask', async () => {
    const png = await tinyPng(64, 64);
    const res = await postForm('/v1/images/edits', form({ model: 'gpt-image-2', prompt: 'add a hat', response_format: 'b64_json' }, [['image', png, 'a.png'], ['mask', png, 'm.png']]));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(await sizeOf(body.data[0].b64_json)).toEqual([64, 64]);
  });

  it('takes repeated image[] parts', async () => {
    const png = await tinyPng(32, 32);
    const res = await postForm('/v1/images/edits', form({ model: 'gpt-image-2', prompt: 'merge' }, [['image[]', png, 'a.png'], ['image[]', png, 'b.png']]));
    expect(res.status).toBe(200);
  });

  it('takes JSON images[] with a URL and a /v1/files id', async () => {
    const upload = new FormData();
    upload.append('purpose', 'user_data');
    upload.append('file', new Blob([new Uint8Array(await tinyPng(64, 64))], { type: 'image/png' }), 'src.png');
    const file = await (await server.call('/v1/files', { method: 'POST', key: acct.key, body: upload })).json();
    expect(file.id).toMatch(/^file-/);
    const res = await postJson('/v1/images/edits', { model: 'gpt-image-2', prompt: 'edit', images: [{ image_url: `${imagesUrl}/square.png` }, { file_id: file.id }], response_format: 'b64_json' });
    expect(res.status).toBe(200);
  });

  it('takes data URLs for sources and mask, and refuses one that is not an image', async () => {
    const png = await tinyPng(64, 64);
    const dataUrl = `data:image/png;base64,${png.toString('base64')}`;
    const ok = await postJson('/v1/images/edits', { model: 'gpt-image-2', prompt: 'x', images: [{ image_url: dataUrl }], mask: { image_url: dataUrl }, response_format: 'b64_json' });
    expect(ok.status).toBe(200);
    const bad = await postJson('/v1/images/edits', { model: 'gpt-image-2', prompt: 'x', image_url: 'data:text/plain;base64,aGVsbG8=' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'invalid_image_url', param: 'image_url' });
  });

  it("refuses another account's file, a non-image URL and a mask of another size, without charging", async () => {
    const before = await server.balance(acct.id);
    const other = await server.newAccount('1');
    const upload = new FormData();
    upload.append('purpose', 'user_data');
    upload.append('file', new Blob([new Uint8Array(await tinyPng(8, 8))], { type: 'image/png' }), 'x.png');
    const foreign = await (await server.call('/v1/files', { method: 'POST', key: other.key, body: upload })).json();

    const cases: Array<[unknown, number, string, string]> = [
      [{ model: 'gpt-image-2', prompt: 'x', images: [{ file_id: foreign.id }] }, 400, 'file_not_found', 'images[0].file_id'],
      [{ model: 'gpt-image-2', prompt: 'x', image_urls: [`${imagesUrl}/text.png`] }, 400, 'unsupported_image_type', 'image_urls[0]'],
      [{ model: 'gpt-image-2', prompt: 'x', image_url: `${imagesUrl}/square.png`, mask: { image_url: `${imagesUrl}/wide.png` } }, 400, 'invalid_image_dimensions', 'mask'],
    ];
    for (const [json, status, code, param] of cases) {
      const res = await postJson('/v1/images/edits', json);
      expect(res.status).toBe(status);
      expect((await res.json()).error).toMatchObject({ code, param });
    }
    expect(await server.balance(acct.id)).toBe(before);
  });

  it('refuses a file uploaded for another model', async () => {
    const upload = new FormData();
    upload.append('purpose', 'user_data');
    upload.append('model', 'dall-e-2');
    upload.append('file', new Blob([new Uint8Array(await tinyPng(64, 64))], { type: 'image/png' }), 'd2.png');
    const file = await (await server.call('/v1/files', { method: 'POST', key: acct.key, body: upload })).json();
    const res = await postJson('/v1/images/edits', { model: 'gpt-image-2', prompt: 'x', images: [{ file_id: file.id }] });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'file_model_mismatch', param: 'images[0].file_id' });
  });

  it('refuses more than 3 sources for Grok before any upstream call', async () => {
    const urls = Array.from({ length: 4 }, () => `${imagesUrl}/square.png`);
    const res = await postJson('/v1/images/edits', { model: 'grok-imagine-image', prompt: 'x', image_urls: urls });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('too_many_images');
  });
});

describe('/v1/images/variations', () => {
  it('makes variations of one square PNG (dall-e-2)', async () => {
    const res = await postForm('/v1/images/variations', form({ model: 'dall-e-2', n: '2', size: '256x256', response_format: 'b64_json' }, [['image', await tinyPng(64, 64), 'v.png']]));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toHaveLength(2);
    expect(await sizeOf(body.data[0].b64_json)).toEqual([256, 256]);
  });

  it('refuses a non-square or non-PNG image, and JSON bodies', async () => {
    const wide = await postForm('/v1/images/variations', form({ model: 'dall-e-2' }, [['image', await tinyPng(96, 64), 'w.png']]));
    expect(wide.status).toBe(400);
    expect((await wide.json()).error.code).toBe('invalid_image_dimensions');
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } }).jpeg().toBuffer();
    const notPng = await postForm('/v1/images/variations', form({ model: 'dall-e-2' }, [['image', jpeg, 'j.png']]));
    expect(notPng.status).toBe(400);
    expect((await notPng.json()).error.code).toBe('unsupported_image_type');
    const json = await postJson('/v1/images/variations', { model: 'dall-e-2' });
    expect(json.status).toBe(415);
  });
});

describe('reference images on /v1/images/generations', () => {
  it('takes JSON image_urls with operation image-to-image (Nano Banana)', async () => {
    const res = await postJson('/v1/images/generations', { model: 'nano-banana', operation: 'image-to-image', prompt: 'restyle', image_urls: [`${imagesUrl}/square.png`], response_format: 'b64_json' });
    expect(res.status).toBe(200);
  });

  it('takes a multipart image file and comma-separated image_urls', async () => {
    const res = await postForm(
      '/v1/images/generations',
      form({ model: 'nano-banana-pro', operation: 'image-to-image', prompt: 'restyle', image_urls: `${imagesUrl}/square.png,${imagesUrl}/wide.png` }, [['image', await tinyPng(16, 16), 'r.png']]),
    );
    expect(res.status).toBe(200);
  });

  it('names the bad URL', async () => {
    const res = await postJson('/v1/images/generations', { model: 'nano-banana', operation: 'image-to-image', prompt: 'x', image_urls: [`${imagesUrl}/square.png`, `${imagesUrl}/missing.png`] });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'image_fetch_failed', param: 'image_urls[1]' });
  });
});
