// Prices worked by hand from the catalogue's figures and the upstreams' usage reports.

import { describe, expect, it } from 'vitest';
import { charge, quote, tokensFromUsage } from '../../src/billing/quote.ts';
import { priceAdjustments } from '../../src/billing/adjustments.ts';
import { requireModel } from '../../src/catalog/catalog.ts';
import { validateImageRequest } from '../../src/catalog/contract.ts';
import { IMAGE_ENDPOINTS } from '../../src/catalog/types.ts';

const req = (body: Record<string, unknown>) => validateImageRequest(IMAGE_ENDPOINTS.generations, body);
const gpt = requireModel('gpt-image-2', 400);

describe('gpt-image-2 (token-priced: $5/M text in, $8/M image in, $1.25/M cached text, $30/M image out)', () => {
  it('charges an OpenAI usage report exactly', () => {
    // 50 text tokens → 250 µ$; 40 image tokens → 320 µ$; 7024 output tokens → 210,720 µ$.
    const usage = { input_tokens: 90, input_tokens_details: { text_tokens: 50, image_tokens: 40 }, output_tokens: 7024, total_tokens: 7114 };
    const r = req({ model: 'gpt-image-2', prompt: 'p', size: '1024x1024', quality: 'high' });
    expect(charge(gpt, r, 1, usage).micros).toBe(250 + 320 + 210_720);
  });

  it('prices reported cached input at the cached rate', () => {
    // 1000 text tokens of which 400 cached: 600 × 5 + 400 × 1.25 = 3000 + 500 µ$; 100 out → 3000 µ$.
    const usage = { input_tokens: 1000, input_tokens_details: { text_tokens: 1000, image_tokens: 0, cached_tokens: 400 }, output_tokens: 100 };
    expect(tokensFromUsage(usage)).toEqual({ text: 600, image: 0, cachedText: 400, output: 100 });
    expect(charge(gpt, req({ model: 'gpt-image-2', prompt: 'p' }), 1, usage).micros).toBe(3000 + 500 + 3000);
  });

  it('quotes the worst case for the size, quality and n, and the charge never exceeds it', () => {
    const r = req({ model: 'gpt-image-2', prompt: 'abcd', size: '2048x1024', quality: 'high', n: 2 });
    const q = quote(gpt, r);
    // 7024 tokens per MP × 2 MP × 2 images = 28,096 → 842,880 µ$; prompt 4 + 16 tokens → 100 µ$.
    expect(q.micros).toBe(842_880 + 100);
    expect(quote(gpt, req({ model: 'gpt-image-2', prompt: 'abcd' })).micros).toBeGreaterThan(quote(gpt, req({ model: 'gpt-image-2', prompt: 'abcd', quality: 'low' })).micros);
  });

  it('charges the estimate for delivered images when the upstream reported no usage', () => {
    const r = req({ model: 'gpt-image-2', prompt: 'abcd', size: '1024x1024', quality: 'low', n: 3 });
    const two = charge(gpt, r, 2, undefined);
    expect(two.micros).toBe(quote(gpt, { ...r, n: 2 }).micros);
  });
});

describe('Gemini usageMetadata', () => {
  it('splits prompt tokens by modality and counts thoughts as output', () => {
    expect(
      tokensFromUsage({ promptTokenCount: 600, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 40 }, { modality: 'IMAGE', tokenCount: 560 }], candidatesTokenCount: 1120, thoughtsTokenCount: 80 }),
    ).toEqual({ text: 40, image: 560, cachedText: 0, output: 1200 });
  });
});

describe('per-image models', () => {
  it('price by size and quality, and charge per delivered image', () => {
    const dalle3 = requireModel('dall-e-3', 400);
    expect(quote(dalle3, req({ model: 'dall-e-3', prompt: 'p', size: '1792x1024', quality: 'hd' })).micros).toBe(120_000);
    const dalle2 = requireModel('dall-e-2', 400);
    const r = req({ model: 'dall-e-2', prompt: 'p', size: '512x512', n: 4 });
    expect(quote(dalle2, r).micros).toBe(4 * 18_000);
    expect(charge(dalle2, r, 3, undefined).micros).toBe(3 * 18_000);
    expect(charge(dalle2, r, 0, undefined).micros).toBe(0);
  });

  it('apply operator overrides and markup, and tag the price version', () => {
    const adj = priceAdjustments({ markup_percent: 10, overrides: { 'dall-e-2': { per_image_usd: '0.05' } } });
    const r = req({ model: 'dall-e-2', prompt: 'p', size: '256x256', n: 2 });
    const q = quote(requireModel('dall-e-2', 400), r, adj);
    expect(q.micros).toBe(110_000);
    expect(q.priceVersion).toMatch(/\+ops-[0-9a-f]{8}$/);
    expect(() => priceAdjustments({ markup_percent: 0, overrides: { 'no-such-model': { per_image_usd: '1' } } })).toThrow(/no-such-model/);
  });
});
