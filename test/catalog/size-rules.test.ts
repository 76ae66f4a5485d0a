import { describe, expect, it } from 'vitest';
import { GPT_IMAGE_2_SIZE_RULE } from '../../src/catalog/models/openai.ts';
import { FLUX_PRO_SIZE_RULE } from '../../src/catalog/models/flux.ts';
import { GEMINI_31_RATIOS, GEMINI_RATIOS, GEMINI_RESOLUTIONS } from '../../src/catalog/models/gemini.ts';
import { checkSize, coveringResolution, mapSizeToSelectors, nearestAspectRatio, parseSize } from '../../src/catalog/size-rules.ts';

describe('gpt-image-2 size rule', () => {
  it.each([
    ['auto', true, 'auto'],
    ['1024x1024', true, 'square'],
    ['1536x1024', true, 'documented example'],
    ['3840x1280', true, 'longest edge 3840 at exactly 3:1'],
    ['3856x1280', false, 'longest edge over 3840'],
    ['3840x2160', true, 'exactly 8,294,400 pixels'],
    ['3840x2176', false, 'over 8,294,400 pixels'],
    ['2160x3840', true, 'portrait at the pixel maximum'],
    ['1000x1000', false, 'not multiples of 16'],
    ['1024x1000', false, 'one edge not a multiple of 16'],
    ['512x512', false, 'under 655,360 pixels'],
    ['2048x672', false, 'ratio over 3:1'],
    ['672x2048', false, 'portrait ratio over 3:1'],
    ['1920x640', true, 'exactly 3:1'],
    ['1024x640', true, 'exactly 655,360 pixels'],
    ['1280x512', true, '655,360 pixels at 2.5:1'],
    ['1008x640', false, 'just under 655,360 pixels'],
    ['1024x624', false, '638,976 pixels'],
    ['3840x3840', false, 'edge fine, pixels far over'],
    ['0x1024', false, 'zero edge'],
    ['1024X1024', true, 'upper-case X'],
    ['1024*1024', false, 'wrong separator'],
    ['large', false, 'not a size'],
    ['', false, 'empty'],
  ])('%s → %s (%s)', (size, ok) => {
    const result = checkSize(GPT_IMAGE_2_SIZE_RULE, size);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.message).toMatch(/Allowed: auto or WIDTHxHEIGHT/);
  });

  it('names the broken limit', () => {
    const messages = ['3856x1280', '3840x2176', '1000x1000', '512x512', '2048x672'].map((s) => {
      const r = checkSize(GPT_IMAGE_2_SIZE_RULE, s);
      return r.ok ? '' : r.message;
    });
    expect(messages[0]).toMatch(/longest edge 3856px exceeds 3840px/);
    expect(messages[1]).toMatch(/8,355,840 pixels exceeds 8,294,400/);
    expect(messages[2]).toMatch(/multiples of 16/);
    expect(messages[3]).toMatch(/below 655,360/);
    expect(messages[4]).toMatch(/ratio 3.05 exceeds 3:1/);
  });
});

describe('FLUX width/height range', () => {
  it.each([
    ['1024x768', true],
    ['256x256', true],
    ['1440x1440', true],
    ['1472x1024', false],
    ['224x256', false],
    ['1000x1000', false],
    ['auto', false],
  ])('%s → %s', (size, ok) => {
    expect(checkSize(FLUX_PRO_SIZE_RULE, size).ok).toBe(ok);
  });
});

describe('fixed size lists', () => {
  const rule = { kind: 'list', values: ['1024x1024', '1792x1024'] } as const;
  it.each([
    ['1024x1024', true],
    ['1792x1024', true],
    ['1024x1792', false],
    ['auto', false],
  ])('%s → %s', (size, ok) => {
    expect(checkSize(rule, size).ok).toBe(ok);
  });
});

describe('size as an alias of aspect_ratio + resolution', () => {
  it.each([
    ['1024x1024', GEMINI_RATIOS, '1:1'],
    ['1792x1024', GEMINI_RATIOS, '16:9'],
    ['1024x1792', GEMINI_RATIOS, '9:16'],
    ['1536x1024', GEMINI_RATIOS, '3:2'],
    ['1024x1536', GEMINI_RATIOS, '2:3'],
    ['1280x1024', GEMINI_RATIOS, '5:4'],
    ['2560x1080', GEMINI_RATIOS, '21:9'],
    ['4096x512', GEMINI_RATIOS, '21:9'],
    ['4096x512', GEMINI_31_RATIOS, '8:1'],
    ['512x2048', GEMINI_31_RATIOS, '1:4'],
  ])('%s over %j → %s', (size, ratios, expected) => {
    expect(nearestAspectRatio(parseSize(size)!, ratios)).toBe(expected);
  });

  it.each([
    ['1024x1024', '1k'],
    ['1280x720', '1k'],
    ['1536x1024', '2k'],
    ['1792x1024', '2k'],
    ['2048x2048', '2k'],
    ['2560x1440', '2k'],
    ['3840x2160', '4k'],
    ['4096x4096', '4k'],
    ['8192x8192', '4k'],
  ])('%s covers with tier %s', (size, tier) => {
    expect(coveringResolution(parseSize(size)!, GEMINI_RESOLUTIONS)).toBe(tier);
  });

  it('maps to a ratio only when the operation has no resolutions', () => {
    expect(mapSizeToSelectors('1792x1024', GEMINI_RATIOS, [])).toEqual({ ok: true, aspectRatio: '16:9', resolution: undefined });
  });

  it('rejects what is not WIDTHxHEIGHT', () => {
    const r = mapSizeToSelectors('auto', GEMINI_RATIOS, GEMINI_RESOLUTIONS);
    expect(r.ok).toBe(false);
  });
});
