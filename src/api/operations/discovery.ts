// Public discovery: the catalogue (full and compact), one model with its request contract, and the
// prices. Shapes: tokenlab-openapi-images.json ModelsResponse, CompactModelsResponse, Model,
// PricingResponse and ModelPricingResponse, as catalog/discovery.ts writes them. The `tokenlab`
// extension is described by its main fields; catalog tests hold it to TokenLab's full schemas.

import { z } from 'zod';
import { answer, inPath, type OperationSpec, pathParam, queryParam, reply, usdString } from './spec.ts';

const nullableObject = reply({}).nullable();
const strings = z.array(z.string());

const lifecycle = reply({
  stage: z.enum(['active', 'preview', 'deprecated', 'retired']),
  reason: z.string().nullable(),
  replacement_model: z.string().nullable(),
  released_at: z.string().nullable(),
  deprecated_at: z.string().nullable(),
  retired_at: z.string().nullable(),
  sunset_at: z.string().nullable(),
  latest: z.boolean(),
});

const tokenlabFields = {
  aliases: strings.describe('Other ids that resolve to this model'),
  pricing: reply({ unit: z.string(), currency: z.literal('USD') }),
  capabilities: strings,
  providers: strings.describe('Upstream providers that can serve it'),
  category: z.string(),
  pricing_unit: z.string().describe('per_image, per_request or per_token'),
  has_complex_pricing: z.boolean(),
  pricing_summary: nullableObject,
  lifecycle,
  request_format_summary: reply({}),
};

const modelListItem = answer(
  'ModelListItem',
  z.object({
    id: z.string(),
    object: z.literal('model'),
    created: z.int(),
    owned_by: z.string(),
    available: z.boolean().describe('Whether a channel of this deployment serves it (an Easel extension); false only with include=unavailable'),
    tokenlab: reply(tokenlabFields),
  }),
);

const compactModel = answer(
  'CompactModelListItem',
  reply({
    id: z.string(),
    available: z.boolean().describe('Whether a channel of this deployment serves it (an Easel extension); false only with include=unavailable'),
    provider: z.string(),
    category: z.string(),
    capabilities: strings,
    pricing: reply({ unit: z.string(), currency: z.literal('USD'), has_complex_pricing: z.boolean() }),
    status: z.string().describe('Lifecycle stage'),
    latest: z.boolean(),
    supported_operations: strings.optional(),
    request_endpoint: z.string().optional(),
  }),
);

const modelList = answer('ModelsResponse', z.object({ object: z.literal('list'), data: z.array(modelListItem) }));
const compactModelList = answer('CompactModelsResponse', z.object({ object: z.literal('list'), view: z.literal('compact'), count: z.int().min(0), data: z.array(compactModel) }));

const modelListAnswer = answer('ModelListResponse', z.union([modelList, compactModelList]));

const model = answer(
  'Model',
  z.object({
    id: z.string(),
    object: z.literal('model'),
    created: z.int(),
    owned_by: z.string(),
    available: z.boolean().describe('Whether a channel of this deployment serves it (an Easel extension): a request for a model it does not serve answers 503 all_channels_failed'),
    unavailable_reason: z.string().optional().describe('Why it cannot be used here, when available is false'),
    tokenlab: reply({
      ...tokenlabFields,
      supported_operations: strings,
      pricing_provenance: nullableObject,
      request_format_details: reply({}).describe('What the model accepts: operations, parameters, selectors and their values, limits'),
      upstream_models: z.record(z.string(), z.string()).describe('The upstream model name per provider'),
    }),
  }),
);

const pricingEntry = answer(
  'PricingEntry',
  reply({
    model: z.string(),
    provider: z.string(),
    is_lock_price: z.boolean(),
    capabilities: strings,
    aliases: strings,
    input_per_1m_tokens: usdString.nullable(),
    output_per_1m_tokens: usdString.nullable(),
    lock_price_per_request: usdString.nullable(),
    has_complex_pricing: z.boolean(),
    supported_operations: strings,
    pricing_summary: nullableObject,
    pricing_provenance: nullableObject,
  }),
);

const pricingList = answer('PricingResponse', reply({ object: z.literal('pricing'), updated_at: z.string(), currency: z.literal('USD'), data: z.array(pricingEntry) }));

const modelPricing = answer(
  'ModelPricingResponse',
  reply({
    model: z.string(),
    pricing_unit: z.string(),
    has_complex_pricing: z.boolean(),
    supported_operations: strings,
    pricing_summary: nullableObject,
    pricing_provenance: nullableObject,
    pricing_details: nullableObject,
    scalar_pricing: z.record(z.string(), usdString),
  }),
);

const modelId = pathParam('model', 'A model id or one of its aliases');
const provider = queryParam('provider', { type: 'string' }, 'Only models of this provider (owner or upstream), e.g. openai, google');

export const discoveryOperations: OperationSpec[] = [
  {
    method: 'get',
    path: '/v1/models',
    operationId: 'listModels',
    summary: 'The catalogue',
    tag: 'models',
    security: 'none',
    params: [
      queryParam(
        'recommended_for',
        { type: 'string', examples: ['image'] },
        "image: image models in recommended order, with agent_preferences.image (compact: recommendation) from this deployment's tasks of the last 24 h: models with at least basis.min_samples_24h tasks closed (status ready; failures the request caused, such as moderation, do not count) first, by success rate then mean latency, the catalogue rank breaking ties; then the others (insufficient_samples) in catalogue rank; anything else lists none",
      ),
      queryParam('category', { type: 'string', examples: ['image'] }, 'Only models of this category'),
      provider,
      queryParam('view', { type: 'string', enum: ['compact'] }, 'compact: the short form for choosing a model'),
      queryParam('include', { type: 'string', enum: ['unavailable'] }, 'unavailable: also the catalogue models no channel of this deployment serves (available: false; last when ranked)'),
    ],
    responses: { 200: { description: 'The models this deployment serves (include=unavailable: every catalogue model); view=compact: the compact list', json: modelListAnswer } },
    errors: ['invalid_value'],
  },
  {
    method: 'get',
    path: '/v1/models/{model}',
    operationId: 'getModel',
    summary: 'One model with its request contract',
    tag: 'models',
    security: 'none',
    params: [modelId],
    responses: { 200: { description: 'The model', json: model } },
    errors: [inPath('model_not_found')],
  },
  {
    method: 'get',
    path: '/v1/models/{model}/pricing',
    operationId: 'getModelPricing',
    summary: 'The prices of one model',
    tag: 'models',
    security: 'none',
    params: [modelId],
    responses: { 200: { description: 'Its prices and where each figure comes from', json: modelPricing } },
    errors: [inPath('model_not_found')],
  },
  {
    method: 'get',
    path: '/v1/pricing',
    operationId: 'getPricing',
    summary: 'The price list',
    tag: 'models',
    security: 'none',
    params: [provider],
    responses: { 200: { description: 'One row per model', json: pricingList } },
  },
];
