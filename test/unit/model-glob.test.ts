import { describe, expect, it } from 'vitest';
import { firstMatchingGlob, isModelGlob, matchesModelGlob } from '../../src/util/model-glob.ts';

describe('model globs', () => {
  it.each([
    ['flux-*', 'flux-pro', true],
    ['flux-*', 'flux-', true],
    ['flux-*', 'flux', false],
    ['flux-*', 'xflux-pro', false],
    ['gpt-image-?', 'gpt-image-1', true],
    ['gpt-image-?', 'gpt-image-', false],
    ['gpt-image-?', 'gpt-image-10', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['dall-e-3', 'dall-e-3', true],
    ['dall-e-3', 'dall-e-3x', false],
    ['dall-e-3', 'Dall-E-3', false],
    ['*-pro', 'flux-pro', true],
    ['*-pro', 'flux-pro-ultra', false],
    ['*pro*', 'flux-pro-ultra', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyyc-', false],
    ['a*b?c', 'abbbxc', true],
    ['??', 'ab', true],
    ['??', 'a', false],
    ['**', 'x', true],
    ['flux.1', 'flux.1', true],
    ['flux.1', 'fluxx1', false],
  ])('%s against %s is %s', (pattern, model, expected) => {
    expect(matchesModelGlob(pattern, model)).toBe(expected);
  });

  it('stays fast on a pattern built to backtrack', () => {
    const pattern = `${'a*'.repeat(50)}b`;
    const model = 'a'.repeat(5_000);
    expect(matchesModelGlob(pattern, model)).toBe(false);
  });

  it('names the first pattern that matches', () => {
    expect(firstMatchingGlob(['gpt-*', 'flux-*'], 'flux-dev')).toBe('flux-*');
    expect(firstMatchingGlob(['gpt-*'], 'flux-dev')).toBeUndefined();
    expect(firstMatchingGlob([], 'flux-dev')).toBeUndefined();
  });

  it('accepts model-id characters and the two wildcards only', () => {
    expect(isModelGlob('flux-*')).toBe(true);
    expect(isModelGlob('black-forest-labs/flux.1-[dev]')).toBe(false);
    expect(isModelGlob('')).toBe(false);
    expect(isModelGlob('a b')).toBe(false);
    expect(isModelGlob('x'.repeat(201))).toBe(false);
  });
});
