// The pipeline's promise to adapters: every image a request names is loaded into req.images / req.mask
// before any upstream call, and a task read back from its row keeps that promise.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InputImage, NormalizedImageRequest } from '../../src/catalog/types.ts';
import { assertInputsLoaded, hydrateRequest, serializeRequest } from '../../src/pipeline/inputs.ts';
import { LocalBlobStore } from '../../src/storage/blobs/local.ts';
import { tinyPng } from '../helpers/png.ts';

const base = { model: 'gpt-image-2', requestedModel: 'gpt-image-2', endpoint: '/v1/images/edits', operation: 'image-edit', prompt: 'p', n: 1, responseFormat: 'url', async: false } as NormalizedImageRequest;
const image = async (source: string): Promise<InputImage> => ({ bytes: await tinyPng(), mime: 'image/png', width: 4, height: 3, source });

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('input images reach adapters loaded', () => {
  it('refuses a request that names images it has not loaded', async () => {
    const one = await image('image_urls[0]');
    expect(() => assertInputsLoaded({ ...base, imageRefs: [{ url: 'https://example.com/a.png', field: 'image_url' }] })).toThrow(/not loaded/);
    expect(() => assertInputsLoaded({ ...base, imageRefs: [{ url: 'https://example.com/a.png', field: 'image_urls[0]' }, { url: 'https://example.com/b.png', field: 'image_urls[1]' }], images: [one] })).toThrow(/2 named, 1 loaded/);
    expect(() => assertInputsLoaded({ ...base, images: [one], maskRef: { fileId: 'file_x', field: 'mask.file_id' } })).toThrow(/not loaded/);
    expect(() => assertInputsLoaded({ ...base, images: [one], maskUrl: 'https://example.com/m.png' })).toThrow(/not loaded/);
  });

  it('accepts a loaded request, uploads beside URLs included, and a text-only one', async () => {
    expect(() => assertInputsLoaded(base)).not.toThrow();
    const loaded = { ...base, imageRefs: [{ url: 'https://example.com/a.png', field: 'image_url' }], images: [await image('image'), await image('images[0].image_url')], maskRef: { url: 'https://example.com/m.png', field: 'mask.image_url' }, mask: await image('mask') };
    expect(() => assertInputsLoaded(loaded)).not.toThrow();
  });

  it('holds for a task read back from its row: inputs travel by blob key and come back as bytes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'easel-inputs-'));
    dirs.push(dir);
    const blobs = new LocalBlobStore(dir, () => 'http://easel.test');
    const req: NormalizedImageRequest = { ...base, imageRefs: [{ url: 'https://example.com/a.png', field: 'image_url' }], images: [await image('images[0].image_url')], maskUrl: 'https://example.com/m.png', mask: await image('mask_url') };
    const stored = JSON.parse(JSON.stringify(await serializeRequest(req, blobs)));
    expect(JSON.stringify(stored)).not.toContain(req.images![0].bytes.toString('base64'));
    const back = await hydrateRequest(stored, blobs);
    expect(() => assertInputsLoaded(back)).not.toThrow();
    expect(back.images![0].bytes.equals(req.images![0].bytes)).toBe(true);
    expect(back.mask!.bytes.equals(req.mask!.bytes)).toBe(true);
  });
});
