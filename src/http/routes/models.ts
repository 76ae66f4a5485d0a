// Public discovery: the catalogue, its contracts and its prices. No key needed.

import type { FastifyInstance } from 'fastify';
import { modelDetailBody, modelListBody, modelPricingBody, pricingBody } from '../../catalog/discovery.ts';

type ListQuery = { recommended_for?: string; category?: string; provider?: string; view?: string };

export function modelRoutes(app: FastifyInstance): void {
  app.get<{ Querystring: ListQuery }>('/v1/models', async (request) => modelListBody(request.query));
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request) => modelDetailBody(request.params.id));
  app.get<{ Params: { id: string } }>('/v1/models/:id/pricing', async (request) => modelPricingBody(request.params.id));
  app.get<{ Querystring: { provider?: string } }>('/v1/pricing', async (request) => pricingBody(request.query));
}
