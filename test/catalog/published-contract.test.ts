// /v1/models/{id} and the engine agree: requests built only from what modelDetailBody publishes are
// accepted, and every public field the published contract does not list is rejected.

import { describe, expect, it } from 'vitest';
import { imageEditRequestSchema, imageGenerationRequestSchema, imageVariationRequestSchema } from '../../src/api/images.ts';
import type { ValidateOptions } from '../../src/catalog/contract.ts';
import { modelDetailBody } from '../../src/catalog/discovery.ts';
import { MODELS } from '../../src/catalog/models.ts';
import { IMAGE_ENDPOINTS, type ImageEndpoint } from '../../src/catalog/types.ts';
import { URL_A, accept, rejectionOf } from './helpers.ts';

interface Constraint {
  operation: string;
  request_endpoint: ImageEndpoint;
  supported_parameters: string[];
  allowed_aspect_ratios: string[];
  allowed_resolutions: string[];
}

interface Limits {
  max_n: number;
  prompt_max_characters: number | null;
  max_input_images: number | null;
  parameter_values: Record<string, string[]>;
  size_rule: ({ kind: string; values?: string[]; minEdge?: number; maxEdge?: number; multipleOf?: number; allowAuto?: boolean } & Record<string, unknown>) | null;
  dropped_parameters: string[];
}

function published(id: string) {
  const details = (modelDetailBody(id).tokenlab as Record<string, any>).request_format_details;
  return {
    constraints: details.operation_constraints as Constraint[],
    limits: details.limits_by_operation as Record<string, Limits>,
    recommended: details.recommended_request as Record<string, unknown>,
  };
}

/** The smallest request for an operation, built from the published contract only. */
function baseRequest(id: string, c: Constraint): { body: Record<string, unknown>; opts?: ValidateOptions } {
  const body: Record<string, unknown> = { model: id };
  if (c.supported_parameters.includes('prompt')) body.prompt = 'a paper boat on a pond';
  if (c.request_endpoint === IMAGE_ENDPOINTS.generations) body.operation = c.operation;
  if (c.operation === 'image-to-image') body.image_urls = [URL_A];
  if (c.request_endpoint === IMAGE_ENDPOINTS.edits) body.image_url = URL_A;
  if (c.request_endpoint === IMAGE_ENDPOINTS.variations) return { body, opts: { multipart: true, imageFiles: 1 } };
  return { body };
}

/** A type-correct value for every public field, to probe what the contract leaves out. */
const SAMPLE: Record<string, unknown> = {
  prompt: 'p',
  n: 1,
  size: '1024x1024',
  quality: 'high',
  style: 'vivid',
  background: 'auto',
  output_format: 'png',
  output_compression: 50,
  compression: 50,
  moderation: 'auto',
  partial_images: 1,
  aspect_ratio: '1:1',
  resolution: '1k',
  seed: 1,
  negative_prompt: 'blur',
  expand_prompt: true,
  image_url: URL_A,
  image_urls: [URL_A],
  reference_image_urls: [URL_A],
  mask_url: URL_A,
  input_fidelity: 'high',
  images: [{ image_url: URL_A }],
  mask: { image_url: URL_A },
  user: 'u',
  response_format: 'url',
  async: true,
  stream: true,
};

/** Every public field of any image endpoint: each endpoint must refuse the ones its contract does not list. */
const FIELDS = [
  ...new Set([...Object.keys(imageGenerationRequestSchema.shape), ...Object.keys(imageEditRequestSchema.shape), ...Object.keys(imageVariationRequestSchema.shape)]),
];

const cases = MODELS.flatMap((m) => published(m.id).constraints.map((c) => [m.id, c.operation, c] as const));

describe('requests derived from the published contract are accepted', () => {
  it.each(MODELS.map((m) => m.id))('%s: recommended_request', (id) => {
    const { recommended } = published(id);
    expect(accept(IMAGE_ENDPOINTS.generations, recommended).model).toBe(id);
  });

  it.each(cases)('%s %s', (id, op, c) => {
    const limits = published(id).limits[op];
    const { body, opts } = baseRequest(id, c);
    const ep = c.request_endpoint;
    expect(accept(ep, body, opts).operation).toBe(op);

    for (const ratio of c.allowed_aspect_ratios) expect(accept(ep, { ...body, aspect_ratio: ratio }, opts).aspectRatio).toBe(ratio);
    for (const resolution of c.allowed_resolutions) expect(accept(ep, { ...body, resolution }, opts).resolution).toBe(resolution);
    for (const [param, values] of Object.entries(limits.parameter_values)) {
      for (const value of values) accept(ep, { ...body, [param]: value }, opts);
    }
    // n up to the published maximum passes, one more does not.
    expect(accept(ep, { ...body, n: limits.max_n }, opts).n).toBe(limits.max_n);
    if (limits.max_n < 10) expect(rejectionOf(ep, { ...body, n: limits.max_n + 1 }, opts).param).toBe('n');
    if (limits.prompt_max_characters !== null) {
      accept(ep, { ...body, prompt: 'x'.repeat(limits.prompt_max_characters) }, opts);
      expect(rejectionOf(ep, { ...body, prompt: 'x'.repeat(limits.prompt_max_characters + 1) }, opts).param).toBe('prompt');
    }
    // As many input images as published, not one more.
    if (limits.max_input_images !== null && ep !== IMAGE_ENDPOINTS.variations) {
      const many = Array.from({ length: limits.max_input_images }, (_, i) => `https://example.com/${i}.png`);
      const withImages = { ...body, image_url: undefined, image_urls: many };
      accept(ep, withImages, opts);
      expect(rejectionOf(ep, withImages, { ...opts, imageFiles: 1 }).code).toBe('too_many_images');
    }
    const rule = limits.size_rule;
    if (rule?.kind === 'list') for (const size of rule.values!) accept(ep, { ...body, size }, opts);
    if (rule?.kind === 'flexible') for (const size of ['auto', '1024x1024', '3840x2160']) accept(ep, { ...body, size }, opts);
    if (rule?.kind === 'range') {
      for (const size of [`${rule.minEdge}x${rule.minEdge}`, `${rule.maxEdge}x${rule.maxEdge}`]) accept(ep, { ...body, size }, opts);
      expect(rejectionOf(ep, { ...body, size: `${rule.maxEdge! + rule.multipleOf!}x${rule.minEdge}` }, opts).param).toBe('size');
    }
    if (rule?.kind === 'aspect-alias') expect(accept(ep, { ...body, size: '1024x1024' }, opts).aspectRatio).toBe('1:1');
    if (c.supported_parameters.includes('async')) expect(accept(ep, { ...body, async: true }, opts).async).toBe(true);
  });
});

describe('parameters the published contract does not list are rejected', () => {
  it.each(cases)('%s %s', (id, op, c) => {
    const { body, opts } = baseRequest(id, c);
    const { dropped_parameters } = published(id).limits[op];
    // callback_url is the gateway's own (webhooks), taken on every model like model itself.
    const listed = new Set([...c.supported_parameters, 'model', 'operation', 'callback_url', ...dropped_parameters]);
    const unlisted = FIELDS.filter((f) => !listed.has(f));
    expect(unlisted.length).toBeGreaterThan(0);
    for (const field of unlisted) {
      const err = rejectionOf(c.request_endpoint, { ...body, [field]: SAMPLE[field] }, opts);
      expect([field, err.code, err.param]).toEqual([field, 'unsupported_parameter', field]);
    }
    // Dropped fields are accepted and never passed on.
    for (const field of dropped_parameters) {
      const req = accept(c.request_endpoint, { ...body, [field]: SAMPLE[field] }, opts);
      expect(JSON.stringify(req)).not.toContain(SAMPLE[field] as string);
    }
  });

  it('fields outside every schema are rejected on every endpoint', () => {
    for (const [ep, body, opts] of [
      [IMAGE_ENDPOINTS.generations, { model: 'gpt-image-2', prompt: 'p' }, undefined],
      [IMAGE_ENDPOINTS.edits, { model: 'gpt-image-2', prompt: 'p', image_url: URL_A }, undefined],
      [IMAGE_ENDPOINTS.variations, { model: 'dall-e-2' }, { multipart: true, imageFiles: 1 }],
    ] as const) {
      for (const field of ['temperature', 'steps', 'cfg_scale', 'width', 'height', 'num_images', 'webhook_url']) {
        const err = rejectionOf(ep, { ...body, [field]: 1 }, opts);
        expect([err.code, err.param]).toEqual(['unsupported_parameter', field]);
      }
    }
  });
});
