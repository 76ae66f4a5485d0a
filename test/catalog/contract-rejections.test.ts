// Every model rejects what its contract excludes, with the right code and param, before anything
// else happens. One row per rule.

import { describe, expect, it } from 'vitest';
import { listModels } from '../../src/catalog/catalog.ts';
import { EDIT, GEN, URL_A, VARY, rejectionOf, urls } from './helpers.ts';

const P = 'a lighthouse at dusk';

type Row = [label: string, endpoint: typeof GEN | typeof EDIT | typeof VARY, body: Record<string, unknown>, code: string, param: string];

const rows: Row[] = [
  // Everyone
  ['model empty', GEN, { model: '  ', prompt: P }, 'missing_required_parameter', 'model'],
  ['model not a string', GEN, { model: 42, prompt: P }, 'missing_required_parameter', 'model'],
  ['model unknown', GEN, { model: 'no-such-model', prompt: P }, 'model_not_found', 'model'],
  ['prompt missing', GEN, { model: 'gpt-image-2' }, 'missing_required_parameter', 'prompt'],
  ['prompt blank', GEN, { model: 'gpt-image-2', prompt: '   ' }, 'missing_required_parameter', 'prompt'],
  ['prompt over 4000', GEN, { model: 'gpt-image-2', prompt: 'x'.repeat(4001) }, 'invalid_value', 'prompt'],
  ['prompt not a string', GEN, { model: 'gpt-image-2', prompt: 7 }, 'invalid_value', 'prompt'],
  ['unknown field', GEN, { model: 'gpt-image-2', prompt: P, foo: 1 }, 'unsupported_parameter', 'foo'],
  ['n zero', GEN, { model: 'gpt-image-2', prompt: P, n: 0 }, 'invalid_value', 'n'],
  ['n eleven', GEN, { model: 'gpt-image-2', prompt: P, n: 11 }, 'invalid_value', 'n'],
  ['n fractional', GEN, { model: 'gpt-image-2', prompt: P, n: 1.5 }, 'invalid_value', 'n'],
  ['response_format png', GEN, { model: 'gpt-image-2', prompt: P, response_format: 'png' }, 'invalid_value', 'response_format'],
  ['images[] on generations', GEN, { model: 'gpt-image-2', prompt: P, images: [{ image_url: URL_A }] }, 'unsupported_parameter', 'images'],
  ['file_id on generations', GEN, { model: 'nano-banana', prompt: P, file_id: 'file-1' }, 'unsupported_parameter', 'file_id'],
  ['stream true on a model that does not stream', GEN, { model: 'dall-e-3', prompt: P, stream: true }, 'unsupported_parameter', 'stream'],
  ['stream with n above 1', GEN, { model: 'gpt-image-2', prompt: P, stream: true, n: 2 }, 'invalid_value', 'n'],
  ['stream with async', GEN, { model: 'gpt-image-2', prompt: P, stream: true, async: true }, 'invalid_value', 'async'],
  ['partial_images above 3', GEN, { model: 'gpt-image-2', prompt: P, stream: true, partial_images: 4 }, 'invalid_value', 'partial_images'],
  ['stream not boolean', GEN, { model: 'gpt-image-2', prompt: P, stream: 'yes' }, 'invalid_value', 'stream'],
  ['operation unknown', GEN, { model: 'gpt-image-2', prompt: P, operation: 'upscale' }, 'invalid_value', 'operation'],
  ['image_url not https', GEN, { model: 'nano-banana', prompt: P, operation: 'image-to-image', image_url: 'ftp://x/y.png' }, 'invalid_value', 'image_url'],
  ['image_urls over 16', GEN, { model: 'nano-banana-pro', prompt: P, image_urls: urls(17) }, 'invalid_value', 'image_urls'],

  // gpt-image-2
  ['gpt-image-2 style', GEN, { model: 'gpt-image-2', prompt: P, style: 'vivid' }, 'unsupported_parameter', 'style'],
  ['gpt-image-2 aspect_ratio', GEN, { model: 'gpt-image-2', prompt: P, aspect_ratio: '16:9' }, 'unsupported_parameter', 'aspect_ratio'],
  ['gpt-image-2 resolution', GEN, { model: 'gpt-image-2', prompt: P, resolution: '2k' }, 'unsupported_parameter', 'resolution'],
  ['gpt-image-2 size 3856x1280', GEN, { model: 'gpt-image-2', prompt: P, size: '3856x1280' }, 'invalid_value', 'size'],
  ['gpt-image-2 size 512x512', GEN, { model: 'gpt-image-2', prompt: P, size: '512x512' }, 'invalid_value', 'size'],
  ['gpt-image-2 quality hd', GEN, { model: 'gpt-image-2', prompt: P, quality: 'hd' }, 'invalid_value', 'quality'],
  ['gpt-image-2 background transparent', GEN, { model: 'gpt-image-2', prompt: P, background: 'transparent' }, 'invalid_value', 'background'],
  ['gpt-image-2 moderation high', GEN, { model: 'gpt-image-2', prompt: P, moderation: 'high' }, 'invalid_value', 'moderation'],
  ['gpt-image-2 output_compression 101', GEN, { model: 'gpt-image-2', prompt: P, output_compression: 101 }, 'invalid_value', 'output_compression'],
  ['gpt-image-2 compression -1', GEN, { model: 'gpt-image-2', prompt: P, compression: -1 }, 'invalid_value', 'compression'],
  ['gpt-image-2 compression ≠ output_compression', GEN, { model: 'gpt-image-2', prompt: P, compression: 10, output_compression: 20 }, 'invalid_value', 'compression'],
  ['gpt-image-2 partial_images 4', GEN, { model: 'gpt-image-2', prompt: P, partial_images: 4 }, 'invalid_value', 'partial_images'],
  ['gpt-image-2 seed', GEN, { model: 'gpt-image-2', prompt: P, seed: 1 }, 'unsupported_parameter', 'seed'],
  ['gpt-image-2 reference image on generations', GEN, { model: 'gpt-image-2', prompt: P, image_url: URL_A }, 'unsupported_parameter', 'image_url'],
  ['gpt-image-2 image-edit on generations', GEN, { model: 'gpt-image-2', prompt: P, operation: 'image-edit' }, 'unsupported_operation', 'operation'],
  ['gpt-image-2 17 edit sources', EDIT, { model: 'gpt-image-2', prompt: P, image_urls: urls(16) }, 'too_many_images', 'image'],

  // DALL·E
  ['dall-e-3 n 2', GEN, { model: 'dall-e-3', prompt: P, n: 2 }, 'invalid_value', 'n'],
  ['dall-e-3 size 512x512', GEN, { model: 'dall-e-3', prompt: P, size: '512x512' }, 'invalid_value', 'size'],
  ['dall-e-3 size auto', GEN, { model: 'dall-e-3', prompt: P, size: 'auto' }, 'invalid_value', 'size'],
  ['dall-e-3 quality high', GEN, { model: 'dall-e-3', prompt: P, quality: 'high' }, 'invalid_value', 'quality'],
  ['dall-e-3 style cartoon', GEN, { model: 'dall-e-3', prompt: P, style: 'cartoon' }, 'invalid_value', 'style'],
  ['dall-e-3 async', GEN, { model: 'dall-e-3', prompt: P, async: true }, 'unsupported_parameter', 'async'],
  ['dall-e-3 background', GEN, { model: 'dall-e-3', prompt: P, background: 'auto' }, 'unsupported_parameter', 'background'],
  ['dall-e-3 on edits', EDIT, { model: 'dall-e-3', prompt: P, image_url: URL_A }, 'unsupported_operation', 'model'],
  ['dall-e-2 size 1792x1024', GEN, { model: 'dall-e-2', prompt: P, size: '1792x1024' }, 'invalid_value', 'size'],
  ['dall-e-2 style', GEN, { model: 'dall-e-2', prompt: P, style: 'natural' }, 'unsupported_parameter', 'style'],
  ['dall-e-2 quality', GEN, { model: 'dall-e-2', prompt: P, quality: 'standard' }, 'unsupported_parameter', 'quality'],
  ['dall-e-2 prompt over 1000', GEN, { model: 'dall-e-2', prompt: 'x'.repeat(1001) }, 'invalid_value', 'prompt'],
  ['dall-e-2 edit with two sources', EDIT, { model: 'dall-e-2', prompt: P, image_urls: urls(2) }, 'too_many_images', 'image_urls'],
  ['dall-e-2 variation with prompt', VARY, { model: 'dall-e-2', prompt: P }, 'unsupported_parameter', 'prompt'],
  ['dall-e-2 variation size 1792x1024', VARY, { model: 'dall-e-2', size: '1792x1024' }, 'invalid_value', 'size'],
  ['variation on gpt-image-2', VARY, { model: 'gpt-image-2' }, 'unsupported_operation', 'model'],

  // Gemini high-resolution families
  ['gemini-3-pro aspect 7:3', GEN, { model: 'gemini-3-pro-image-preview', prompt: P, aspect_ratio: '7:3' }, 'invalid_value', 'aspect_ratio'],
  ['gemini-3-pro aspect 8:1 (3.1 only)', GEN, { model: 'gemini-3-pro-image-preview', prompt: P, aspect_ratio: '8:1' }, 'invalid_value', 'aspect_ratio'],
  ['gemini-3-pro resolution 8k', GEN, { model: 'gemini-3-pro-image-preview', prompt: P, resolution: '8k' }, 'invalid_value', 'resolution'],
  ['gemini-3-pro resolution 2K (case)', GEN, { model: 'gemini-3-pro-image-preview', prompt: P, resolution: '2K' }, 'invalid_value', 'resolution'],
  ['gemini-3-pro size not WxH', GEN, { model: 'gemini-3-pro-image-preview', prompt: P, size: 'big' }, 'invalid_value', 'size'],
  ['gemini-3-pro quality', GEN, { model: 'gemini-3-pro-image-preview', prompt: P, quality: 'high' }, 'unsupported_parameter', 'quality'],
  ['gemini-3-pro n 5', GEN, { model: 'gemini-3-pro-image-preview', prompt: P, n: 5 }, 'invalid_value', 'n'],
  ['gemini-3.1 resolution 512', GEN, { model: 'gemini-3.1-flash-image-preview', prompt: P, resolution: '512' }, 'invalid_value', 'resolution'],
  ['gemini-3.1 async', GEN, { model: 'gemini-3.1-flash-image', prompt: P, async: true }, 'unsupported_parameter', 'async'],
  ['nano-banana-2 i2i with resolution', GEN, { model: 'nano-banana-2', prompt: P, operation: 'image-to-image', image_url: URL_A, resolution: '2k' }, 'unsupported_parameter', 'resolution'],
  ['nano-banana-pro i2i with resolution (inferred)', GEN, { model: 'nano-banana-pro', prompt: P, image_urls: [URL_A], resolution: '1k' }, 'unsupported_parameter', 'resolution'],
  ['nano-banana-pro i2i without images', GEN, { model: 'nano-banana-pro', prompt: P, operation: 'image-to-image' }, 'missing_required_parameter', 'image_urls'],
  ['nano-banana-pro 15 references', GEN, { model: 'nano-banana-pro', prompt: P, image_urls: urls(15) }, 'too_many_images', 'image_urls'],
  ['nano-banana-pro on edits', EDIT, { model: 'nano-banana-pro', prompt: P, image_url: URL_A }, 'unsupported_operation', 'model'],
  ['nano-banana-2 on edits', EDIT, { model: 'nano-banana-2', prompt: P, image_url: URL_A }, 'unsupported_operation', 'model'],

  // Gemini ratio-only and prompt-only
  ['gemini-2.5 resolution', GEN, { model: 'gemini-2.5-flash-image', prompt: P, resolution: '1k' }, 'unsupported_parameter', 'resolution'],
  ['nano-banana resolution', GEN, { model: 'nano-banana', prompt: P, resolution: '2k' }, 'unsupported_parameter', 'resolution'],
  ['nano-banana i2i resolution', GEN, { model: 'nano-banana', prompt: P, operation: 'image-to-image', image_url: URL_A, resolution: '2k' }, 'unsupported_parameter', 'resolution'],
  ['nano-banana 4 references', GEN, { model: 'nano-banana', prompt: P, image_urls: urls(4) }, 'too_many_images', 'image_urls'],
  ['nano-banana on edits', EDIT, { model: 'nano-banana', prompt: P, image_url: URL_A }, 'unsupported_operation', 'model'],
  ['nano-banana-edit resolution', GEN, { model: 'nano-banana-edit', prompt: P, operation: 'image-to-image', image_url: URL_A, resolution: '1k' }, 'unsupported_parameter', 'resolution'],
  ['nano-banana-edit without references', GEN, { model: 'nano-banana-edit', prompt: P }, 'unsupported_operation', 'operation'],
  ['nano-banana-edit text-to-image', GEN, { model: 'nano-banana-edit', prompt: P, operation: 'text-to-image' }, 'unsupported_operation', 'operation'],
  ['nano-banana-edit on edits', EDIT, { model: 'nano-banana-edit', prompt: P, image_url: URL_A }, 'unsupported_operation', 'model'],
  ['gemini-2.0 aspect_ratio', GEN, { model: 'gemini-2.0-flash-preview-image-generation', prompt: P, aspect_ratio: '1:1' }, 'unsupported_parameter', 'aspect_ratio'],
  ['gemini-2.0 size', GEN, { model: 'gemini-2.0-flash-preview-image-generation', prompt: P, size: '1024x1024' }, 'unsupported_parameter', 'size'],
  ['gemini-2.0 resolution', GEN, { model: 'gemini-2.0-flash-preview-image-generation', prompt: P, resolution: '1k' }, 'unsupported_parameter', 'resolution'],
  ['gemini-2.0 reference image', GEN, { model: 'gemini-2.0-flash-preview-image-generation', prompt: P, image_url: URL_A }, 'unsupported_parameter', 'image_url'],

  // Grok Imagine
  ['grok size', GEN, { model: 'grok-imagine-image', prompt: P, size: '1024x1024' }, 'unsupported_parameter', 'size'],
  ['grok style', GEN, { model: 'grok-imagine-image', prompt: P, style: 'vivid' }, 'unsupported_parameter', 'style'],
  ['grok quality', GEN, { model: 'grok-imagine-image-quality', prompt: P, quality: 'high' }, 'unsupported_parameter', 'quality'],
  ['grok resolution 4k', GEN, { model: 'grok-imagine-image', prompt: P, resolution: '4k' }, 'invalid_value', 'resolution'],
  ['grok aspect 5:4', GEN, { model: 'grok-imagine-image', prompt: P, aspect_ratio: '5:4' }, 'invalid_value', 'aspect_ratio'],
  ['grok-pro size', GEN, { model: 'grok-imagine-image-pro', prompt: P, size: '1024x1024' }, 'unsupported_parameter', 'size'],
  ['grok-pro style', GEN, { model: 'grok-imagine-image-pro', prompt: P, style: 'natural' }, 'unsupported_parameter', 'style'],
  ['grok edit 4 sources', EDIT, { model: 'grok-imagine-image', prompt: P, image_urls: urls(4) }, 'too_many_images', 'image_urls'],
  ['grok-pro edit 4 images[]', EDIT, { model: 'grok-imagine-image-pro', prompt: P, images: urls(4).map((u) => ({ image_url: u })) }, 'too_many_images', 'images'],
  ['grok edit mask', EDIT, { model: 'grok-imagine-image', prompt: P, image_url: URL_A, mask: { image_url: URL_A } }, 'unsupported_parameter', 'mask'],

  // Edits shapes
  ['edits without sources', EDIT, { model: 'gpt-image-2', prompt: P }, 'missing_required_parameter', 'image'],
  ['edits with two source fields', EDIT, { model: 'gpt-image-2', prompt: P, image_url: URL_A, image_urls: [URL_A] }, 'invalid_value', 'image_urls'],
  ['edits images[] item with both', EDIT, { model: 'gpt-image-2', prompt: P, images: [{ image_url: URL_A, file_id: 'file-1' }] }, 'invalid_value', 'images[0]'],
  ['edits images[] item with neither', EDIT, { model: 'gpt-image-2', prompt: P, images: [{}] }, 'invalid_value', 'images[0]'],
  ['edits mask with neither', EDIT, { model: 'gpt-image-2', prompt: P, image_url: URL_A, mask: {} }, 'invalid_value', 'mask'],
  ['edits top-level file_id', EDIT, { model: 'gpt-image-2', prompt: P, file_id: 'file-1' }, 'unsupported_parameter', 'file_id'],
  ['edits operation field', EDIT, { model: 'gpt-image-2', prompt: P, image_url: URL_A, operation: 'image-edit' }, 'unsupported_parameter', 'operation'],
  ['gpt-image-2 edit resolution', EDIT, { model: 'gpt-image-2', prompt: P, image_url: URL_A, resolution: '2k' }, 'unsupported_parameter', 'resolution'],
  ['gpt-image-2 edit size 1000x1000', EDIT, { model: 'gpt-image-2', prompt: P, image_url: URL_A, size: '1000x1000' }, 'invalid_value', 'size'],

  // FLUX
  ['flux-pro size not x32', GEN, { model: 'flux-pro', prompt: P, size: '1000x1000' }, 'invalid_value', 'size'],
  ['flux-pro size over 1440', GEN, { model: 'flux-pro', prompt: P, size: '2048x1024' }, 'invalid_value', 'size'],
  ['flux-pro aspect_ratio', GEN, { model: 'flux-pro', prompt: P, aspect_ratio: '1:1' }, 'unsupported_parameter', 'aspect_ratio'],
  ['flux-pro n 5', GEN, { model: 'flux-pro', prompt: P, n: 5 }, 'invalid_value', 'n'],
  ['flux-1.1-pro style', GEN, { model: 'flux-1.1-pro', prompt: P, style: 'vivid' }, 'unsupported_parameter', 'style'],
  ['flux-1.1-pro reference image', GEN, { model: 'flux-1.1-pro', prompt: P, image_urls: [URL_A] }, 'unsupported_parameter', 'image_urls'],
  ['flux-kontext size', GEN, { model: 'flux-kontext-pro', prompt: P, size: '1024x1024' }, 'unsupported_parameter', 'size'],
  ['flux-kontext aspect 1:3', GEN, { model: 'flux-kontext-pro', prompt: P, aspect_ratio: '1:3' }, 'invalid_value', 'aspect_ratio'],
  ['flux-kontext 5 references', GEN, { model: 'flux-kontext-pro', prompt: P, image_urls: urls(5) }, 'too_many_images', 'image_urls'],
  ['flux-kontext edit 5 sources', EDIT, { model: 'flux-kontext-pro', prompt: P, image_urls: urls(5) }, 'too_many_images', 'image_urls'],
  ['flux-schnell async', GEN, { model: 'flux-schnell', prompt: P, async: true }, 'unsupported_parameter', 'async'],
  ['flux-schnell n 5', GEN, { model: 'flux-schnell', prompt: P, n: 5 }, 'invalid_value', 'n'],
  ['flux-schnell output_format', GEN, { model: 'flux-schnell', prompt: P, output_format: 'png' }, 'unsupported_parameter', 'output_format'],

  // Midjourney, Ideogram, Stability
  ['midjourney async', GEN, { model: 'midjourney', prompt: P, async: true }, 'unsupported_parameter', 'async'],
  ['midjourney n 2', GEN, { model: 'midjourney', prompt: P, n: 2 }, 'invalid_value', 'n'],
  ['midjourney resolution', GEN, { model: 'midjourney', prompt: P, resolution: '2k' }, 'unsupported_parameter', 'resolution'],
  ['midjourney 6 image prompts', GEN, { model: 'midjourney', prompt: P, image_urls: urls(6) }, 'too_many_images', 'image_urls'],
  ['ideogram quality hd', GEN, { model: 'ideogram-v3', prompt: P, quality: 'hd' }, 'invalid_value', 'quality'],
  ['ideogram style', GEN, { model: 'ideogram-v3', prompt: P, style: 'vivid' }, 'unsupported_parameter', 'style'],
  ['ideogram n 9', GEN, { model: 'ideogram-v3', prompt: P, n: 9 }, 'invalid_value', 'n'],
  ['ideogram aspect 21:9', GEN, { model: 'ideogram-v3', prompt: P, aspect_ratio: '21:9' }, 'invalid_value', 'aspect_ratio'],
  ['sd3 aspect 4:3', GEN, { model: 'stable-diffusion-3', prompt: P, aspect_ratio: '4:3' }, 'invalid_value', 'aspect_ratio'],
  ['sd3 output_format webp', GEN, { model: 'stable-diffusion-3', prompt: P, output_format: 'webp' }, 'invalid_value', 'output_format'],
  ['sd3 quality', GEN, { model: 'stable-diffusion-3', prompt: P, quality: 'high' }, 'unsupported_parameter', 'quality'],
  ['sd3 on edits', EDIT, { model: 'stable-diffusion-3', prompt: P, image_url: URL_A }, 'unsupported_operation', 'model'],

  // input_fidelity is dropped only where the contract says so
  ['input_fidelity on dall-e-3', GEN, { model: 'dall-e-3', prompt: P, input_fidelity: 'high' }, 'unsupported_parameter', 'input_fidelity'],
  ['input_fidelity on grok edits', EDIT, { model: 'grok-imagine-image', prompt: P, image_url: URL_A, input_fidelity: 'high' }, 'unsupported_parameter', 'input_fidelity'],
];

describe('contract rejections', () => {
  it.each(rows)('%s → 400 %s (%s)', (_label, endpoint, body, code, param) => {
    // The 17-source edit row sends 16 URLs plus one multipart file.
    const opts = code === 'too_many_images' && param === 'image' ? { imageFiles: 1 } : undefined;
    const err = rejectionOf(endpoint, body, opts);
    expect(err.status).toBe(400);
    expect(err.code).toBe(code);
    expect(err.param).toBe(param);
    const body400 = err.toBody() as { error: Record<string, unknown>; validation_errors?: Array<{ field: string }> };
    expect(body400.validation_errors?.[0]?.field).toBe(param);
  });

  it('reports every problem in one pass, the first as the headline', () => {
    const err = rejectionOf(GEN, { model: 'dall-e-3', prompt: P, async: true, stream: true, foo: 1, size: '1x1' });
    expect(err.validationErrors?.map((i) => i.field)).toEqual(['async', 'stream', 'foo', 'size']);
    expect(err.message).toMatch(/and 3 more/);
  });

  it('an unknown model gets a did_you_mean', () => {
    for (const [typo, expected] of [
      ['gpt-imag-2', 'gpt-image-2'],
      ['GPT-IMAGE-2', 'gpt-image-2'],
      ['dall-e3', 'dall-e-3'],
      ['nano-banana-por', 'nano-banana-pro'],
      ['grok-imagine', 'grok-imagine-image'],
      ['flux-kontext', 'flux-kontext-pro'],
    ]) {
      const err = rejectionOf(GEN, { model: typo, prompt: P });
      expect(err.code).toBe('model_not_found');
      expect(err.hints.did_you_mean).toBe(expected);
    }
    expect(rejectionOf(GEN, { model: 'totally-different', prompt: P }).hints.did_you_mean).toBeUndefined();
  });

  it('unsupported parameters carry the contract hints of tokenlab-api.md §2.9', () => {
    const err = rejectionOf(GEN, { model: 'grok-imagine-image-pro', prompt: P, size: '1024x1024' });
    expect(err.hints).toMatchObject({
      model: 'grok-imagine-image-quality',
      supported_operations: ['text-to-image', 'image-edit'],
      supported_parameters: ['prompt', 'n', 'response_format', 'user', 'aspect_ratio', 'resolution'],
      allowed_resolutions: ['1k', '2k'],
      request_endpoint: '/v1/images/generations',
    });
    expect(err.hints.allowed_aspect_ratios).toContain('16:9');
  });

  it('Nano Banana on /v1/images/edits names /v1/images/generations and operation image-to-image', () => {
    for (const model of ['nano-banana', 'nano-banana-2', 'nano-banana-pro', 'nano-banana-edit']) {
      const err = rejectionOf(EDIT, { model, prompt: P, image_url: URL_A });
      expect(err.message).toContain('/v1/images/generations');
      expect(err.message).toContain('image-to-image');
      expect(err.hints.request_endpoint).toBe('/v1/images/generations');
    }
  });

  it('image-to-image with resolution explains that resolution is text-to-image only', () => {
    const err = rejectionOf(GEN, { model: 'nano-banana-pro', prompt: P, operation: 'image-to-image', image_url: URL_A, resolution: '2k' });
    expect(err.message).toMatch(/only accepted for text-to-image/);
    expect(err.hints.allowed_resolutions).toEqual([]);
  });

  it('variations name the models that serve them', () => {
    const err = rejectionOf(VARY, { model: 'gpt-image-2' });
    expect(err.message).toContain('dall-e-2');
    // TokenLab's alternatives[] items: {id, status, tags} (tokenlab-api.md, Agent hints).
    expect(err.hints.alternatives).toEqual([{ id: 'dall-e-2', status: 'deprecated', tags: ['image_generation', 'image_edit', 'image_variation'] }]);
  });

  it('every model rejects the universal mistakes', () => {
    for (const entry of listModels()) {
      const op = entry.operations[0];
      const base = { model: entry.id, prompt: P, ...(op.operation === 'image-to-image' ? { operation: op.operation, image_url: URL_A } : {}) };
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ ...base, bogus: true }, 'unsupported_parameter', 'bogus'],
        ...(op.streaming ? [] : ([[{ ...base, stream: true }, 'unsupported_parameter', 'stream']] as Array<[Record<string, unknown>, string, string]>)),
        [{ ...base, images: [{ image_url: URL_A }] }, 'unsupported_parameter', 'images'],
        [{ ...base, file_id: 'file-1' }, 'unsupported_parameter', 'file_id'],
        [{ ...base, response_format: 'jpeg' }, 'invalid_value', 'response_format'],
        [{ ...base, n: op.maxN + 1 }, 'invalid_value', 'n'],
        [{ ...base, prompt: 'x'.repeat(op.promptMaxLength! + 1) }, 'invalid_value', 'prompt'],
        [{ ...base, prompt: undefined }, 'missing_required_parameter', 'prompt'],
        ...(entry.asyncAllowed ? [] : ([[{ ...base, async: true }, 'unsupported_parameter', 'async']] as Array<[Record<string, unknown>, string, string]>)),
      ];
      for (const [body, code, param] of cases) {
        const err = rejectionOf(GEN, body);
        expect([entry.id, err.code, err.param]).toEqual([entry.id, code, param]);
      }
    }
  });
});
