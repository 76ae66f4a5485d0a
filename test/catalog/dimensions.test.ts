import { describe, expect, it } from 'vitest';
import { validateImageRequest } from '../../src/catalog/contract.ts';
import { outputDimensions } from '../../src/catalog/dimensions.ts';
import { MODELS } from '../../src/catalog/models.ts';
import { ratioValue } from '../../src/catalog/size-rules.ts';
import { GEN } from './helpers.ts';

const dims = (body: Record<string, unknown>) => outputDimensions(validateImageRequest(GEN, { prompt: 'p', ...body }));

describe('outputDimensions', () => {
  it.each([
    [{ model: 'gpt-image-2' }, [1024, 1024]],
    [{ model: 'gpt-image-2', size: 'auto' }, [1024, 1024]],
    [{ model: 'gpt-image-2', size: '3840x2160' }, [3840, 2160]],
    [{ model: 'dall-e-3' }, [1024, 1024]],
    [{ model: 'dall-e-3', size: '1792x1024' }, [1792, 1024]],
    [{ model: 'dall-e-2', size: '256x256' }, [256, 256]],
    [{ model: 'gemini-3-pro-image-preview' }, [1024, 1024]],
    [{ model: 'gemini-3-pro-image-preview', aspect_ratio: '16:9' }, [1376, 768]],
    [{ model: 'nano-banana-pro', aspect_ratio: '16:9', resolution: '2k' }, [2752, 1536]],
    [{ model: 'gemini-3-pro-image', aspect_ratio: '16:9', resolution: '4k' }, [5504, 3072]],
    [{ model: 'gemini-3-pro-image-preview', aspect_ratio: '1:1', resolution: '4k' }, [4096, 4096]],
    [{ model: 'gemini-3-pro-image-preview', size: '1792x1024' }, [2752, 1536]],
    [{ model: 'gemini-2.5-flash-image', aspect_ratio: '16:9' }, [1344, 768]],
    [{ model: 'nano-banana', aspect_ratio: '1:1' }, [1024, 1024]],
    [{ model: 'gemini-3.1-flash-image-preview', aspect_ratio: '9:16', resolution: '2k' }, [1536, 2720]],
    [{ model: 'grok-imagine-image' }, [1024, 1024]],
    [{ model: 'grok-imagine-image', aspect_ratio: 'auto', resolution: '2k' }, [2048, 2048]],
    [{ model: 'grok-imagine-image-pro', aspect_ratio: '1:1', resolution: '2k' }, [2048, 2048]],
    [{ model: 'flux-pro' }, [1024, 1024]],
    [{ model: 'flux-pro', size: '1440x768' }, [1440, 768]],
    [{ model: 'flux-kontext-pro', aspect_ratio: '16:9' }, [1376, 768]],
    [{ model: 'flux-schnell', size: '512x512' }, [512, 512]],
    [{ model: 'midjourney' }, [1024, 1024]],
    [{ model: 'ideogram-v3', aspect_ratio: '16:9' }, [1360, 768]],
    [{ model: 'stable-diffusion-3', aspect_ratio: '21:9' }, [1568, 672]],
  ])('%j → %j', (body, [width, height]) => {
    expect(dims(body)).toEqual({ width, height });
  });

  it('image-to-image without a ratio is drawn square', () => {
    expect(dims({ model: 'nano-banana', operation: 'image-to-image', image_url: 'https://example.com/a.png' })).toEqual({ width: 1024, height: 1024 });
  });

  it('every published ratio and tier gives whole-16 pixels close to the ratio', () => {
    for (const m of MODELS) {
      for (const op of m.operations) {
        if (op.operation !== 'text-to-image') continue;
        for (const ratio of op.values.aspect_ratio ?? ['1:1']) {
          for (const resolution of op.values.resolution ?? [undefined]) {
            const { width, height } = outputDimensions({
              model: m.id,
              requestedModel: m.id,
              endpoint: GEN,
              operation: 'text-to-image',
              prompt: 'p',
              n: 1,
              responseFormat: 'url',
              async: false,
              aspectRatio: ratio,
              resolution,
            });
            expect(width % 16, `${m.id} ${ratio} ${resolution}`).toBe(0);
            expect(height % 16).toBe(0);
            const wanted = ratioValue(ratio) ?? 1;
            expect(Math.abs(width / height / wanted - 1), `${m.id} ${ratio}`).toBeLessThan(0.06);
          }
        }
      }
    }
  });
});
