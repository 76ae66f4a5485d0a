// The catalogue data itself: every model of the spec is there, and the data is self-consistent.

import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.ts';
import { editDistance, listModels, requireModel, resolveModel, suggestModel, upstreamModelName } from '../../src/catalog/catalog.ts';
import { UPSTREAM_PROVIDERS } from '../../src/catalog/model-entry.ts';
import { MODELS } from '../../src/catalog/models.ts';
import { priceMicros } from '../../src/util/money.ts';

const SPEC_MODELS = [
  'gpt-image-2',
  'dall-e-3',
  'dall-e-2',
  'gemini-3.1-flash-image-preview',
  'gemini-3-pro-image-preview',
  'nano-banana-2',
  'nano-banana-pro',
  'gemini-2.5-flash-image',
  'nano-banana',
  'nano-banana-edit',
  'gemini-2.0-flash-preview-image-generation',
  'grok-imagine-image',
  'grok-imagine-image-quality',
  'flux-pro',
  'flux-1.1-pro',
  'flux-kontext-pro',
  'flux-schnell',
  'midjourney',
  'ideogram-v3',
  'stable-diffusion-3',
];

describe('catalogue contents', () => {
  it('has exactly the models of the spec', () => {
    expect(listModels().map((m) => m.id).sort()).toEqual([...SPEC_MODELS].sort());
  });

  it.each([
    ['grok-imagine-image-pro', 'grok-imagine-image-quality'],
    ['gemini-3-pro-image', 'gemini-3-pro-image-preview'],
    ['gemini-3.1-flash-image', 'gemini-3.1-flash-image-preview'],
    ['gpt-image-2', 'gpt-image-2'],
  ])('%s resolves to %s', (name, id) => {
    expect(resolveModel(name)?.id).toBe(id);
  });

  it('is exact about ids', () => {
    expect(resolveModel('GPT-IMAGE-2')).toBeUndefined();
    expect(resolveModel(' gpt-image-2')).toBeUndefined();
    expect(resolveModel('')).toBeUndefined();
  });

  it.each([
    ['gpt-image-2', 'openai', 'gpt-image-2'],
    ['gpt-image-2', 'azure', 'gpt-image-2'],
    ['nano-banana', 'gemini', 'gemini-2.5-flash-image'],
    ['nano-banana-pro', 'gemini', 'gemini-3-pro-image-preview'],
    ['nano-banana-2', 'gemini', 'gemini-3.1-flash-image-preview'],
    ['grok-imagine-image-quality', 'xai', 'grok-imagine-image-quality'],
    ['flux-pro', 'bfl', 'flux-pro-1.1'],
    ['flux-1.1-pro', 'bfl', 'flux-pro-1.1'],
    ['flux-kontext-pro', 'bfl', 'flux-kontext-pro'],
    ['flux-schnell', 'together', 'black-forest-labs/FLUX.1-schnell'],
    ['stable-diffusion-3', 'stability', 'sd3.5-large'],
    ['ideogram-v3', 'ideogram', 'ideogram-v3'],
    ['midjourney', 'midjourney', 'midjourney'],
  ])('%s on %s is %s upstream', (id, provider, name) => {
    expect(upstreamModelName(resolveModel(id)!, provider)).toBe(name);
  });

  it('has no upstream name for a provider that does not serve the model', () => {
    expect(upstreamModelName(resolveModel('gpt-image-2')!, 'gemini')).toBeUndefined();
    expect(upstreamModelName(resolveModel('gpt-image-2')!, 'demo')).toBeUndefined();
  });

  it('async:true is public only for gpt-image-2 and the official BFL models', () => {
    expect(MODELS.filter((m) => m.asyncAllowed).map((m) => m.id).sort()).toEqual(['flux-1.1-pro', 'flux-kontext-pro', 'flux-pro', 'gpt-image-2']);
  });

  it('DALL·E is deprecated but routable', () => {
    for (const id of ['dall-e-2', 'dall-e-3']) {
      const m = resolveModel(id)!;
      expect(m.lifecycle.stage).toBe('deprecated');
      expect(m.lifecycle.replacementModel).toBe('gpt-image-2');
      expect(m.upstream.openai).toBe(id);
    }
  });
});

describe('requireModel', () => {
  it('throws model_not_found with the given status and a suggestion', () => {
    for (const status of [400, 404] as const) {
      try {
        requireModel('nano-banana-prp', status);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        const e = err as ApiError;
        expect([e.status, e.code, e.param, e.hints.did_you_mean]).toEqual([status, 'model_not_found', 'model', 'nano-banana-pro']);
      }
    }
  });

  it.each([
    ['gemini-3-pro', 'gemini-3-pro-image'],
    ['gpt-image', 'gpt-image-2'],
    ['ideogram', 'ideogram-v3'],
    ['stable-diffusion-3.5', 'stable-diffusion-3'],
    ['Midjourney', 'midjourney'],
    ['dalle-3', 'dall-e-3'],
    ['sdxl', undefined],
  ])('suggests %s → %s', (input, expected) => {
    expect(suggestModel(input)).toBe(expected);
  });

  it('edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('data consistency', () => {
  it.each(MODELS.map((m) => [m.id, m] as const))('%s', (_id, m) => {
    expect(m.category).toBe('image');
    expect(Number.isInteger(m.created)).toBe(true);
    expect(m.operations.length).toBeGreaterThan(0);
    for (const provider of Object.keys(m.upstream)) expect(UPSTREAM_PROVIDERS).toContain(provider);
    for (const op of m.operations) {
      // Every enumerated value list belongs to a parameter the operation accepts, and vice versa.
      for (const [param, values] of Object.entries(op.values)) {
        expect(op.parameters, `${m.id} ${op.operation} ${param}`).toContain(param);
        expect(values!.length).toBeGreaterThan(0);
      }
      for (const p of ['aspect_ratio', 'resolution', 'background', 'moderation', 'output_format'] as const) {
        if (op.parameters.includes(p)) expect(op.values[p], `${m.id} ${op.operation} ${p} values`).toBeDefined();
      }
      expect(Boolean(op.size)).toBe(op.parameters.includes('size'));
      if (op.size?.kind === 'aspect-alias') expect(op.values.aspect_ratio).toBeDefined();
      for (const [param, value] of Object.entries(op.defaults ?? {})) {
        expect(op.parameters, `${m.id} default ${param}`).toContain(param);
        const allowed = op.values[param as 'quality'];
        if (allowed) expect(allowed).toContain(value);
      }
      expect(op.maxN).toBeGreaterThanOrEqual(1);
      expect(op.maxN).toBeLessThanOrEqual(10);
      if (op.promptMaxLength !== undefined) expect(op.parameters).toContain('prompt');
      // Reference/source operations take images; text-to-image does not.
      expect(op.maxInputImages !== undefined).toBe(op.operation !== 'text-to-image');
    }
    // Every price figure is an exact decimal with a source.
    const figures =
      m.price.unit === 'per_image' ? m.price.rows.map((r) => r.price) : m.price.unit === 'per_request' ? [m.price.price] : Object.values(m.price.perMillion);
    for (const f of figures) {
      expect(() => priceMicros(f!.usd)).not.toThrow();
      expect(f!.source.length).toBeGreaterThan(5);
    }
    expect(m.price.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('recommended ranks are unique', () => {
    const ranks = MODELS.flatMap((m) => (m.recommendedRank === undefined ? [] : [m.recommendedRank]));
    expect(new Set(ranks).size).toBe(ranks.length);
  });

  it('per-image price rows cover every size × quality the contract allows', () => {
    for (const m of MODELS) {
      if (m.price.unit !== 'per_image') continue;
      const rows = m.price.rows;
      for (const op of m.operations) {
        const sizes = op.size?.kind === 'list' ? op.size.values : [undefined];
        const qualities = op.values.quality ?? [undefined];
        for (const size of sizes) {
          for (const quality of qualities) {
            const match = rows.find((r) => (!r.when.size || r.when.size === size) && (!r.when.quality || r.when.quality === quality));
            expect(match, `${m.id} ${size} ${quality}`).toBeDefined();
          }
        }
      }
    }
  });
});
