// What accepted requests become: the one NormalizedImageRequest the adapters consume.

import { describe, expect, it } from 'vitest';
import { EDIT, GEN, URL_A, VARY, accept, rejectionOf, urls } from './helpers.ts';

const P = 'a red fox in snow';

describe('gpt-image-2', () => {
  it.each(['auto', '1024x1024', '1536x1024', '3840x1280', '3840x2160', '2160x3840', '1024x640', '1920x640'])('accepts size %s', (size) => {
    const req = accept(GEN, { model: 'gpt-image-2', prompt: P, size });
    expect(req.size).toEqual(size === 'auto' ? 'auto' : { width: Number(size.split('x')[0]), height: Number(size.split('x')[1]) });
  });

  it('omitted size and quality become auto, reported in normalized', () => {
    const req = accept(GEN, { model: 'gpt-image-2', prompt: P });
    expect(req).toMatchObject({ size: 'auto', quality: 'auto', normalized: { size: 'auto', quality: 'auto' } });
  });

  it('input_fidelity is removed, never reaching the adapter (generations and edits, JSON and multipart)', () => {
    const cases = [
      accept(GEN, { model: 'gpt-image-2', prompt: P, input_fidelity: 'high' }),
      accept(GEN, { model: 'gpt-image-2', prompt: P, input_fidelity: 'anything-at-all' }),
      accept(EDIT, { model: 'gpt-image-2', prompt: P, image_url: URL_A, input_fidelity: 'low' }),
      accept(EDIT, { model: 'gpt-image-2', prompt: P, input_fidelity: 'high' }, { multipart: true, imageFiles: 2 }),
    ];
    for (const req of cases) expect(JSON.stringify(req)).not.toMatch(/fidelity/i);
  });

  it('compression is an alias of output_compression', () => {
    expect(accept(GEN, { model: 'gpt-image-2', prompt: P, compression: 60 }).outputCompression).toBe(60);
    expect(accept(GEN, { model: 'gpt-image-2', prompt: P, output_compression: 70 }).outputCompression).toBe(70);
    expect(accept(GEN, { model: 'gpt-image-2', prompt: P, compression: 80, output_compression: 80 }).outputCompression).toBe(80);
  });

  it('carries every accepted field in Easel vocabulary', () => {
    const req = accept(GEN, {
      model: 'gpt-image-2',
      prompt: P,
      n: 3,
      size: '1536x1024',
      quality: 'high',
      background: 'opaque',
      output_format: 'webp',
      output_compression: 50,
      moderation: 'low',
      partial_images: 2,
      user: 'u-1',
      response_format: 'b64_json',
      async: true,
      stream: false,
    });
    expect(req).toEqual({
      model: 'gpt-image-2',
      requestedModel: 'gpt-image-2',
      endpoint: '/v1/images/generations',
      operation: 'text-to-image',
      prompt: P,
      n: 3,
      responseFormat: 'b64_json',
      async: true,
      size: { width: 1536, height: 1024 },
      quality: 'high',
      background: 'opaque',
      outputFormat: 'webp',
      outputCompression: 50,
      moderation: 'low',
      user: 'u-1',
      partialImages: 2,
    });
  });

  it('edits take up to 16 sources in order, with file ids and a mask', () => {
    expect(accept(EDIT, { model: 'gpt-image-2', prompt: P, image_urls: urls(16) }).imageRefs).toHaveLength(16);
    const req = accept(EDIT, {
      model: 'gpt-image-2',
      prompt: P,
      images: [{ image_url: URL_A }, { file_id: 'file-abc' }],
      mask: { file_id: 'file-mask' },
    });
    expect(req).toMatchObject({ operation: 'image-edit', imageRefs: [{ url: URL_A, field: 'images[0].image_url' }, { fileId: 'file-abc', field: 'images[1].file_id' }], maskRef: { fileId: 'file-mask', field: 'mask.file_id' } });
    expect(accept(EDIT, { model: 'gpt-image-2', prompt: P }, { multipart: true, imageFiles: 16, maskFile: true }).operation).toBe('image-edit');
  });
});

describe('aliases', () => {
  it('grok-imagine-image-pro reaches the adapter as grok-imagine-image-quality', () => {
    for (const endpoint of [GEN, EDIT] as const) {
      const req = accept(endpoint, { model: 'grok-imagine-image-pro', prompt: P, ...(endpoint === EDIT ? { image_urls: urls(3) } : {}) });
      expect(req.model).toBe('grok-imagine-image-quality');
      expect(req.requestedModel).toBe('grok-imagine-image-pro');
    }
  });

  it('the newer Gemini ids resolve to the -preview models', () => {
    expect(accept(GEN, { model: 'gemini-3-pro-image', prompt: P }).model).toBe('gemini-3-pro-image-preview');
    expect(accept(GEN, { model: 'gemini-3.1-flash-image', prompt: P }).model).toBe('gemini-3.1-flash-image-preview');
  });
});

describe('Gemini size → aspect_ratio (+ resolution)', () => {
  it.each([
    ['gemini-3-pro-image-preview', '1024x1024', { aspect_ratio: '1:1', resolution: '1k' }],
    ['gemini-3-pro-image-preview', '1792x1024', { aspect_ratio: '16:9', resolution: '2k' }],
    ['gemini-3-pro-image-preview', '1024x1792', { aspect_ratio: '9:16', resolution: '2k' }],
    ['gemini-3-pro-image-preview', '3840x2160', { aspect_ratio: '16:9', resolution: '4k' }],
    ['nano-banana-pro', '1280x720', { aspect_ratio: '16:9', resolution: '1k' }],
    ['nano-banana-2', '2048x2048', { aspect_ratio: '1:1', resolution: '2k' }],
    ['gemini-3.1-flash-image-preview', '4096x512', { aspect_ratio: '8:1', resolution: '2k' }],
    ['gemini-2.5-flash-image', '1792x1024', { aspect_ratio: '16:9' }],
    ['nano-banana', '1024x1536', { aspect_ratio: '2:3' }],
  ])('%s size %s → %j', (model, size, expected) => {
    const req = accept(GEN, { model, prompt: P, size });
    expect(req.normalized).toEqual(expected);
    expect(req.aspectRatio).toBe(expected.aspect_ratio);
    expect(req.resolution).toBe((expected as { resolution?: string }).resolution);
    expect(req.size).toBeUndefined();
  });

  it('image-to-image maps size to a ratio only (no resolution there)', () => {
    const req = accept(GEN, { model: 'nano-banana-pro', prompt: P, operation: 'image-to-image', image_url: URL_A, size: '3840x2160' });
    expect(req.normalized).toEqual({ aspect_ratio: '16:9' });
    expect(req.resolution).toBeUndefined();
  });

  it('explicit selectors win over the size alias', () => {
    const req = accept(GEN, { model: 'gemini-3-pro-image-preview', prompt: P, size: '1792x1024', aspect_ratio: '1:1', resolution: '4k' });
    expect(req).toMatchObject({ aspectRatio: '1:1', resolution: '4k' });
    expect(req.normalized).toBeUndefined();
  });

  it('defaults 1:1 and 1k for text-to-image, reported back', () => {
    expect(accept(GEN, { model: 'nano-banana-pro', prompt: P }).normalized).toEqual({ aspect_ratio: '1:1', resolution: '1k' });
    expect(accept(GEN, { model: 'nano-banana', prompt: P }).normalized).toEqual({ aspect_ratio: '1:1' });
    expect(accept(GEN, { model: 'gemini-2.0-flash-preview-image-generation', prompt: P }).normalized).toBeUndefined();
  });

  it('resolution and aspect_ratio on the high-resolution models', () => {
    const req = accept(GEN, { model: 'gemini-3-pro-image-preview', prompt: P, aspect_ratio: '16:9', resolution: '2k', n: 1 });
    expect(req).toMatchObject({ aspectRatio: '16:9', resolution: '2k', operation: 'text-to-image' });
  });
});

describe('Nano Banana image-to-image', () => {
  it('operation image-to-image with image_url and image_urls, in order', () => {
    const req = accept(GEN, { model: 'nano-banana', prompt: P, operation: 'image-to-image', image_url: URL_A, image_urls: urls(2) });
    expect(req).toMatchObject({ operation: 'image-to-image', imageRefs: [{ url: URL_A, field: 'image_url' }, ...urls(2).map((url, i) => ({ url, field: `image_urls[${i}]` }))] });
  });

  it('infers image-to-image from references when operation is omitted', () => {
    expect(accept(GEN, { model: 'nano-banana-2', prompt: P, image_urls: [URL_A] }).operation).toBe('image-to-image');
    expect(accept(GEN, { model: 'nano-banana-edit', prompt: P, image_url: URL_A }).operation).toBe('image-to-image');
  });

  it('keeps reference_image_urls apart from the primary inputs', () => {
    const req = accept(GEN, { model: 'nano-banana-pro', prompt: P, image_url: URL_A, reference_image_urls: urls(2) });
    expect(req).toMatchObject({ imageRefs: [{ url: URL_A, field: 'image_url' }], referenceImageUrls: urls(2) });
  });

  it('a multipart image file counts as the reference', () => {
    expect(accept(GEN, { model: 'nano-banana', prompt: P, operation: 'image-to-image' }, { multipart: true, imageFiles: 1 }).operation).toBe('image-to-image');
    expect(accept(GEN, { model: 'nano-banana', prompt: P }, { multipart: true, imageFiles: 1 }).operation).toBe('image-to-image');
    // Files not yet counted by the caller: the bytes layer checks them later.
    expect(accept(GEN, { model: 'nano-banana', prompt: P, operation: 'image-to-image' }, { multipart: true }).operation).toBe('image-to-image');
  });

  it('14 references on the 3.x models, 3 on 2.5', () => {
    expect(accept(GEN, { model: 'nano-banana-pro', prompt: P, image_urls: urls(14) }).imageRefs).toHaveLength(14);
    expect(accept(GEN, { model: 'nano-banana', prompt: P, image_urls: urls(3) }).imageRefs).toHaveLength(3);
    expect(rejectionOf(GEN, { model: 'nano-banana', prompt: P, image_urls: urls(2) }, { imageFiles: 2 }).code).toBe('too_many_images');
  });

  it('an image file on a text-to-image request is refused', () => {
    const err = rejectionOf(GEN, { model: 'dall-e-3', prompt: P }, { multipart: true, imageFiles: 1 });
    expect([err.code, err.param]).toEqual(['unsupported_parameter', 'image']);
  });
});

describe('DALL·E and the rest', () => {
  it('dall-e-3 defaults', () => {
    const req = accept(GEN, { model: 'dall-e-3', prompt: P });
    expect(req).toMatchObject({ size: { width: 1024, height: 1024 }, quality: 'standard', style: 'vivid', n: 1 });
    expect(req.normalized).toEqual({ size: '1024x1024', quality: 'standard', style: 'vivid' });
  });

  it.each([
    ['dall-e-3', { size: '1792x1024', quality: 'hd', style: 'natural' }],
    ['dall-e-3', { size: '1024x1792' }],
    ['dall-e-2', { size: '256x256', n: 10 }],
    ['grok-imagine-image', { aspect_ratio: '19.5:9', resolution: '2k', n: 10 }],
    ['grok-imagine-image', { aspect_ratio: 'auto' }],
    ['flux-pro', { size: '1440x256', seed: 7, output_format: 'png', expand_prompt: true, async: true }],
    ['flux-1.1-pro', { size: '1024x768' }],
    ['flux-kontext-pro', { aspect_ratio: '21:9', async: true }],
    ['flux-schnell', { size: '1024x1024', n: 4, seed: 1 }],
    ['midjourney', { aspect_ratio: '16:9' }],
    ['midjourney', { size: '1792x1024' }],
    ['ideogram-v3', { aspect_ratio: '16:10', quality: 'turbo', negative_prompt: 'blur', n: 8, expand_prompt: false }],
    ['stable-diffusion-3', { aspect_ratio: '9:21', negative_prompt: 'blur', seed: 4_294_967_294, output_format: 'jpeg', n: 4 }],
  ])('%s accepts %j', (model, extra) => {
    const req = accept(GEN, { model, prompt: P, ...extra });
    expect(req.model).toBe(model);
  });

  it('midjourney maps size to its nearest ratio', () => {
    expect(accept(GEN, { model: 'midjourney', prompt: P, size: '1792x1024' }).normalized).toEqual({ aspect_ratio: '16:9' });
  });

  it('dall-e-2 serves edits and variations', () => {
    expect(accept(EDIT, { model: 'dall-e-2', prompt: P, image_url: URL_A, mask: { image_url: URL_A }, size: '512x512' })).toMatchObject({
      operation: 'image-edit',
      size: { width: 512, height: 512 },
      maskRef: { url: URL_A },
    });
    const vary = accept(VARY, { model: 'dall-e-2', n: '3', size: '256x256', response_format: 'b64_json' }, { multipart: true, imageFiles: 1 });
    expect(vary).toMatchObject({ operation: 'variation', n: 3, prompt: '', responseFormat: 'b64_json', size: { width: 256, height: 256 } });
    expect(rejectionOf(VARY, { model: 'dall-e-2' }, { multipart: true, imageFiles: 2 }).code).toBe('too_many_images');
  });

  it('flux-kontext edits with up to 4 sources', () => {
    expect(accept(EDIT, { model: 'flux-kontext-pro', prompt: P, image_urls: urls(4), async: true })).toMatchObject({ operation: 'image-edit', async: true });
  });
});

describe('multipart', () => {
  it('coerces scalars and splits comma-separated URL lists', () => {
    const req = accept(
      GEN,
      { model: 'nano-banana-pro', prompt: P, n: '2', operation: 'image-to-image', image_urls: `${URL_A}, https://example.com/b.png`, reference_image_urls: 'https://example.com/r.png' },
      { multipart: true },
    );
    expect(req).toMatchObject({ n: 2, imageRefs: [{ url: URL_A, field: 'image_urls[0]' }, { url: 'https://example.com/b.png', field: 'image_urls[1]' }], referenceImageUrls: ['https://example.com/r.png'] });
    // A data: URL carries a comma of its own; the list splits only where the next URL starts.
    const inline = 'data:image/png;base64,iVBORw0KGgo=';
    const mixed = accept(GEN, { model: 'nano-banana-pro', prompt: P, operation: 'image-to-image', image_urls: `${inline},${URL_A}, ${inline}` }, { multipart: true });
    expect(mixed.imageRefs?.map((r) => 'url' in r && r.url)).toEqual([inline, URL_A, inline]);
    const flux = accept(GEN, { model: 'flux-pro', prompt: P, async: 'true', seed: '42', expand_prompt: 'false', stream: 'false' }, { multipart: true });
    expect(flux).toMatchObject({ async: true, seed: 42, expandPrompt: false });
    const gpt = accept(GEN, { model: 'gpt-image-2', prompt: P, compression: '55', partial_images: '1', stream: 'true' }, { multipart: true });
    expect(gpt).toMatchObject({ outputCompression: 55, partialImages: 1, stream: true });
  });

  it('rejects what does not read as the right type', () => {
    expect(rejectionOf(GEN, { model: 'gpt-image-2', prompt: P, n: 'two' }, { multipart: true }).param).toBe('n');
    expect(rejectionOf(GEN, { model: 'flux-pro', prompt: P, async: 'yes' }, { multipart: true }).param).toBe('async');
    expect(rejectionOf(GEN, { model: 'dall-e-3', prompt: P, stream: 'true' }, { multipart: true }).param).toBe('stream');
  });

  it('JSON strings are not coerced', () => {
    expect(rejectionOf(GEN, { model: 'gpt-image-2', prompt: P, n: '2' }).param).toBe('n');
  });
});

describe('tolerated no-ops', () => {
  it('stream:false, async:false and JSON nulls are accepted and leave no trace', () => {
    const req = accept(GEN, { model: 'dall-e-3', prompt: P, stream: false, async: false, style: null, user: null });
    expect(req).toMatchObject({ async: false, style: 'vivid' });
    expect(req).not.toHaveProperty('user');
    expect(JSON.stringify(req)).not.toMatch(/stream/);
  });
});

describe('model omitted', () => {
  // OpenAI's defaults, which its SDKs rely on when a caller leaves `model` out.
  it('generations default to dall-e-3, edits and variations to dall-e-2, reported in normalized.model', () => {
    expect(accept(GEN, { prompt: P })).toMatchObject({ model: 'dall-e-3', requestedModel: 'dall-e-3', normalized: { model: 'dall-e-3' } });
    expect(accept(EDIT, { prompt: P }, { multipart: true, imageFiles: 1 })).toMatchObject({ model: 'dall-e-2', normalized: { model: 'dall-e-2' } });
    expect(accept(VARY, {}, { multipart: true, imageFiles: 1 })).toMatchObject({ model: 'dall-e-2', normalized: { model: 'dall-e-2' } });
  });

  it('a model the client named is never reported as defaulted, and the default obeys its contract', () => {
    expect(accept(GEN, { model: 'dall-e-3', prompt: P }).normalized?.model).toBeUndefined();
    expect(rejectionOf(GEN, { prompt: P, size: '1536x1024' })).toMatchObject({ param: 'size' });
  });
});
