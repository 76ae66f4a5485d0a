// Discovery bodies match TokenLab's published schemas and tell the truth about the catalogue.

import { readFileSync } from 'node:fs';
// ajv comes with fastify; the 2020 build understands the OpenAPI 3.1 schemas ("type": [..., "null"]).
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.ts';
import { type Deployment, type ModelListQuery, modelDetailBody, modelListBody, modelPricingBody, pricingBody } from '../../src/catalog/discovery.ts';
import { NO_ACTIVITY } from '../../src/catalog/recommendation.ts';
import { MODELS } from '../../src/catalog/models.ts';

const spec = JSON.parse(readFileSync(new URL('../fixtures/tokenlab-openapi-images.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ ...spec, $id: 'tokenlab.json' });

/** Easel's additions to TokenLab's model shapes (whose objects allow no others): whether this deployment can run the model, and why not. */
const EASEL_EXTENSIONS = ['available', 'unavailable_reason'];

function withoutEaselExtensions(model: unknown): unknown {
  const copy = { ...(model as Record<string, unknown>) };
  expect(typeof copy.available).toBe('boolean');
  for (const field of EASEL_EXTENSIONS) delete copy[field];
  return copy;
}

/** `body` matches TokenLab's schema `name` once Easel's own fields (and only those) are set aside. */
function expectSchema(name: string, body: unknown): void {
  const validate = ajv.getSchema(`tokenlab.json#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name}`);
  const b = body as { data: unknown[] };
  const lists = ['ModelsResponse', 'CompactModelsResponse'];
  const tokenlab = name === 'Model' ? withoutEaselExtensions(body) : lists.includes(name) ? { ...b, data: b.data.map(withoutEaselExtensions) } : body;
  const ok = validate(tokenlab);
  expect(ok ? [] : validate.errors, name).toEqual([]);
}

type Item = { id: string; tokenlab: Record<string, unknown> };

describe('GET /v1/models', () => {
  it('full list: every catalogue model, each a valid ModelListItem', () => {
    const body = modelListBody({}) as { object: string; data: Item[] };
    expectSchema('ModelsResponse', body);
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(MODELS.map((m) => m.id));
    const gpt = body.data[0];
    expect(gpt.tokenlab).toMatchObject({ aliases: [], category: 'image', max_input_tokens: null, max_output_tokens: null, pricing_unit: 'per_token' });
    expect(gpt.tokenlab.request_format_summary).toEqual({
      public_operations: ['text-to-image', 'image-edit'],
      request_endpoint: '/v1/images/generations',
      request_endpoint_by_operation: { 'text-to-image': '/v1/images/generations', 'image-edit': '/v1/images/edits' },
    });
  });

  it('aliases are listed on their model, not as separate items', () => {
    const body = modelListBody({}) as { data: Item[] };
    expect(body.data.find((m) => m.id === 'grok-imagine-image-pro')).toBeUndefined();
    expect(body.data.find((m) => m.id === 'grok-imagine-image-quality')?.tokenlab.aliases).toEqual(['grok-imagine-image-pro']);
  });

  it('recommended_for=image with no task figures yet: catalogue rank order, every model insufficient_samples, then the unranked', () => {
    const body = modelListBody({ recommended_for: 'image' }) as { data: Item[] };
    expectSchema('ModelsResponse', body);
    const ids = body.data.map((m) => m.id);
    expect(ids.slice(0, 5)).toEqual(['gpt-image-2', 'nano-banana-pro', 'gemini-3-pro-image-preview', 'nano-banana-2', 'gemini-3.1-flash-image-preview']);
    const prefs = body.data.map((m) => (m.tokenlab.agent_preferences as { image: Record<string, unknown> }).image);
    // preferred_rank is the position in this order, 1-based.
    expect(prefs.map((p) => p.preferred_rank)).toEqual(ids.map((_, i) => i + 1));
    for (const p of prefs) {
      expect(p).toMatchObject({ success_rate_24h: null, sample_count_24h: 0, status: 'insufficient_samples', updated_at: null, basis: { source: 'recent_activity_24h' } });
    }
    // Models without a catalogue rank come after every ranked one, in catalogue order.
    const catalogueRank = (id: string) => MODELS.find((m) => m.id === id)!.recommendedRank;
    const firstUnranked = ids.findIndex((id) => catalogueRank(id) === undefined);
    expect(ids.slice(firstUnranked).every((id) => catalogueRank(id) === undefined)).toBe(true);
    expect(ids.slice(0, firstUnranked).map(catalogueRank)).toEqual([...ids.slice(0, firstUnranked).map(catalogueRank)].sort((a, b) => a! - b!));
    expect(ids).toContain('dall-e-3');
    expect(ids.indexOf('dall-e-3')).toBeGreaterThan(ids.indexOf('flux-schnell'));
  });

  it('recommended_for another kind and other categories are empty', () => {
    expect((modelListBody({ recommended_for: 'video' }) as { data: unknown[] }).data).toEqual([]);
    expect((modelListBody({ category: 'chat' }) as { data: unknown[] }).data).toEqual([]);
    expect((modelListBody({ category: 'image' }) as { data: unknown[] }).data).toHaveLength(MODELS.length);
  });

  it('provider filters by maker or by upstream', () => {
    const ids = (q: Record<string, string>) => (modelListBody(q) as { data: Item[] }).data.map((m) => m.id);
    expect(ids({ provider: 'google' })).toHaveLength(8);
    expect(ids({ provider: 'gemini' })).toEqual(ids({ provider: 'google' }));
    expect(ids({ provider: 'xai' })).toEqual(['grok-imagine-image', 'grok-imagine-image-quality']);
    expect(ids({ provider: 'together' })).toEqual(['flux-schnell']);
    expect(ids({ provider: 'nobody' })).toEqual([]);
  });

  it('compact view per CompactModelsResponse', () => {
    const body = modelListBody({ view: 'compact', recommended_for: 'image' }) as { count: number; data: Array<Record<string, unknown>> };
    expectSchema('CompactModelsResponse', body);
    expect(body.count).toBe(MODELS.length);
    expect(body.data[0]).toMatchObject({
      id: 'gpt-image-2',
      provider: 'openai',
      status: 'active',
      supported_operations: ['text-to-image', 'image-edit'],
      request_endpoint: '/v1/images/generations',
      available: true,
      recommendation: { preferred_rank: 1, success_rate_24h: null, sample_count_24h: 0, status: 'insufficient_samples' },
      pricing: { unit: 'per_token', currency: 'USD', input_per_1m: '5.00', output_per_1m: '30.00', has_complex_pricing: true },
    });
    const dalle = body.data.find((m) => m.id === 'dall-e-3')!;
    expect(dalle.status).toBe('deprecated');
    expectSchema('CompactModelsResponse', modelListBody({ view: 'compact' }));
  });

  it('lifecycle and badges', () => {
    const body = modelListBody({}) as { data: Item[] };
    const dalle = body.data.find((m) => m.id === 'dall-e-3')!.tokenlab;
    expect(dalle.lifecycle).toMatchObject({ stage: 'deprecated', replacement_model: 'gpt-image-2', sunset_at: '2026-05-12T00:00:00Z' });
    expect((dalle.badges as Array<{ key: string }>).map((b) => b.key)).toEqual(['deprecated']);
    const preview = body.data.find((m) => m.id === 'gemini-3.1-flash-image-preview')!.tokenlab;
    expect((preview.badges as Array<{ key: string }>).map((b) => b.key)).toEqual(['preview', 'latest']);
  });
});

describe('a deployment whose channels serve two models', () => {
  const served = new Set(['flux-pro', 'gpt-image-2']);
  const deployment: Deployment = { serves: (id) => served.has(id), activity: NO_ACTIVITY };
  const list = (q: ModelListQuery) => modelListBody(q, deployment) as { data: Array<Item & { available: boolean }>; count?: number };

  it('lists only those two, available, in every view and with recommended_for', () => {
    for (const q of [{}, { view: 'compact' }, { recommended_for: 'image' }, { recommended_for: 'image', view: 'compact' }]) {
      const body = list(q);
      expect(body.data.map((m) => [m.id, m.available]), JSON.stringify(q)).toEqual([['gpt-image-2', true], ['flux-pro', true]]);
      expectSchema(q.view ? 'CompactModelsResponse' : 'ModelsResponse', body);
    }
    expect(list({ view: 'compact' }).count).toBe(2);
    // Positions count only what can run here: flux-pro is second, whatever its catalogue rank.
    const prefs = list({ recommended_for: 'image' }).data.map((m) => (m.tokenlab.agent_preferences as { image: { preferred_rank: number } }).image.preferred_rank);
    expect(prefs).toEqual([1, 2]);
    expect(list({ provider: 'google' }).data).toEqual([]);
  });

  it('include=unavailable: every catalogue model, the others marked available: false (after the served ones when ranked)', () => {
    const all = list({ include: 'unavailable' });
    expectSchema('ModelsResponse', all);
    expect(all.data.map((m) => m.id)).toEqual(MODELS.map((m) => m.id));
    expect(all.data.filter((m) => m.available).map((m) => m.id)).toEqual(['gpt-image-2', 'flux-pro']);
    expect(all.data.filter((m) => !m.available)).toHaveLength(MODELS.length - 2);

    const ranked = list({ include: 'unavailable', recommended_for: 'image' }).data;
    expect(ranked.slice(0, 2).map((m) => [m.id, m.available])).toEqual([['gpt-image-2', true], ['flux-pro', true]]);
    expect(ranked.slice(2).every((m) => m.available === false)).toBe(true);
    // Nothing here can run them: no position.
    expect(ranked.slice(2).map((m) => (m.tokenlab.agent_preferences as { image: { preferred_rank: unknown } }).image.preferred_rank)).toEqual(ranked.slice(2).map(() => null));
    expect(ranked[2].id).toBe('nano-banana-pro');
    expectSchema('CompactModelsResponse', list({ include: 'unavailable', view: 'compact', recommended_for: 'image' }));
  });

  it('include takes only unavailable', () => {
    try {
      list({ include: 'everything' });
      expect.unreachable();
    } catch (err) {
      const e = err as ApiError;
      expect([e.status, e.code, e.param]).toEqual([400, 'invalid_value', 'include']);
    }
  });

  it('the detail of a model no channel serves says so, and why; a served one is available', () => {
    const pro = modelDetailBody('nano-banana-pro', deployment);
    expectSchema('Model', pro);
    expect(pro.available).toBe(false);
    expect(pro.unavailable_reason).toMatch(/No channel of this deployment serves nano-banana-pro/);
    // The contract is still published: a client may read what the model would take.
    expect((pro.tokenlab as Record<string, unknown>).request_format_details).toBeDefined();
    const gpt = modelDetailBody('gpt-image-2', deployment);
    expect([gpt.available, 'unavailable_reason' in gpt]).toEqual([true, false]);
  });
});

describe('GET /v1/models/{id}', () => {
  it.each(MODELS.map((m) => m.id))('%s is a valid Model', (id) => {
    const body = modelDetailBody(id);
    expectSchema('Model', body);
    const details = (body.tokenlab as Record<string, unknown>).request_format_details as Record<string, unknown>;
    expectSchema('NonChatRequestFormatDetails', details);
    for (const c of details.operation_constraints as unknown[]) expectSchema('NonChatOperationConstraint', c);
  });

  it('an alias resolves to its model', () => {
    expect(modelDetailBody('grok-imagine-image-pro').id).toBe('grok-imagine-image-quality');
    expect(modelDetailBody('gemini-3-pro-image').id).toBe('gemini-3-pro-image-preview');
  });

  it('unknown → 404 model_not_found with did_you_mean', () => {
    try {
      modelDetailBody('nano-bananna');
      expect.unreachable();
    } catch (err) {
      const e = err as ApiError;
      expect([e.status, e.code, e.hints.did_you_mean]).toEqual([404, 'model_not_found', 'nano-banana']);
    }
  });

  it('publishes the per-operation contract', () => {
    const t = modelDetailBody('nano-banana-pro').tokenlab as Record<string, unknown>;
    const d = t.request_format_details as Record<string, any>;
    expect(d.public_operations).toEqual(['text-to-image', 'image-to-image']);
    expect(d.request_endpoint_by_operation).toEqual({ 'text-to-image': '/v1/images/generations', 'image-to-image': '/v1/images/generations' });
    expect(d.status_mode).toBe('inline');
    const [t2i, i2i] = d.operation_constraints;
    expect(t2i.allowed_resolutions).toEqual(['1k', '2k', '4k']);
    expect(i2i.allowed_resolutions).toEqual([]);
    expect(i2i.supported_parameters).not.toContain('resolution');
    expect(i2i.supported_parameters).toContain('image_urls');
    expect(d.limits_by_operation['image-to-image'].max_input_images).toBe(14);

    const gpt = (modelDetailBody('gpt-image-2').tokenlab as Record<string, any>).request_format_details;
    expect(gpt.limits_by_operation['text-to-image'].size_rule).toMatchObject({ kind: 'flexible', maxEdge: 3840, minPixels: 655_360, maxPixels: 8_294_400 });
    expect(gpt.limits_by_operation['text-to-image'].dropped_parameters).toEqual(['input_fidelity']);
    expect(gpt.supported_parameters).toEqual(expect.arrayContaining(['async', 'compression', 'output_compression', 'partial_images']));
    expect(gpt.supported_parameters).not.toContain('input_fidelity');
    const flux = (modelDetailBody('flux-pro').tokenlab as Record<string, any>).request_format_details;
    expect(flux.status_mode).toBe('task');
    expect(flux.fallback_status_endpoints).toContain('/v1/tasks/{id}');
  });
});

describe('pricing', () => {
  it('GET /v1/pricing is a PricingResponse covering every model', () => {
    const body = pricingBody({}) as { data: Array<Record<string, unknown>>; updated_at: string };
    expectSchema('PricingResponse', body);
    expect(body.data.map((r) => r.model)).toEqual(MODELS.map((m) => m.id));
    expect(body.data.find((r) => r.model === 'gpt-image-2')).toMatchObject({
      is_lock_price: false,
      input_per_1m_tokens: '5.00',
      output_per_1m_tokens: '30.00',
      lock_price_per_request: null,
      has_complex_pricing: true,
    });
    expect(body.data.find((r) => r.model === 'flux-pro')).toMatchObject({ is_lock_price: true, lock_price_per_request: '0.04', has_complex_pricing: false });
    expect(body.data.find((r) => r.model === 'dall-e-3')).toMatchObject({
      lock_price_per_request: null,
      has_complex_pricing: true,
      pricing_summary: { min_price: '0.04', max_price: '0.12' },
    });
    expect(body.data.find((r) => r.model === 'midjourney')).toMatchObject({ lock_price_per_request: '0.05' });
    expect((pricingBody({ provider: 'xai' }) as { data: unknown[] }).data).toHaveLength(2);
  });

  it('GET /v1/models/{id}/pricing is a ModelPricingResponse with provenance for every number', () => {
    for (const m of MODELS) {
      const body = modelPricingBody(m.id) as Record<string, any>;
      expectSchema('ModelPricingResponse', body);
      expect(body.model).toBe(m.id);
      expect(body.pricing_provenance.version).toBe(m.price.version);
      for (const f of body.pricing_provenance.figures) expect(f.source).toBeTruthy();
    }
    const pro = modelPricingBody('nano-banana-pro') as Record<string, any>;
    expect(pro.pricing_summary).toMatchObject({ min_price: '0.1344', max_price: '0.24' });
    expect(modelPricingBody('grok-imagine-image-pro').model).toBe('grok-imagine-image-quality');
  });

  it('list items carry the same figures as the pricing routes', () => {
    const body = modelListBody({}) as { data: Item[] };
    for (const item of body.data) {
      const row = (pricingBody({}) as { data: Array<Record<string, unknown>> }).data.find((r) => r.model === item.id)!;
      expect(item.tokenlab.has_complex_pricing).toBe(row.has_complex_pricing);
      expect(item.tokenlab.pricing_summary).toEqual(row.pricing_summary);
    }
  });
});
