// Public discovery: the catalogue, its contracts and its prices. No key needed. The lists tell the
// truth about this deployment: which models its channels serve (router), and how they fared lately
// (the model activity cache).

import type { FastifyInstance } from 'fastify';
import { type Deployment, type ModelListQuery, modelDetailBody, modelListBody, modelPricingBody, pricingBody } from '../../catalog/discovery.ts';
import type { AppDeps } from '../app.ts';

export function modelRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'router' | 'modelActivity'>): void {
  // Channels are read per request: a config reload (router.replaceChannels) shows at once.
  const deployment = (): Deployment => {
    const served = new Set(deps.router.channels.flatMap((c) => c.models));
    return { serves: (id) => served.has(id), activity: deps.modelActivity.snapshot() };
  };
  app.get<{ Querystring: ModelListQuery }>('/v1/models', async (request) => modelListBody(request.query, deployment()));
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request) => modelDetailBody(request.params.id, deployment()));
  app.get<{ Params: { id: string } }>('/v1/models/:id/pricing', async (request) => modelPricingBody(request.params.id));
  app.get<{ Querystring: { provider?: string } }>('/v1/pricing', async (request) => pricingBody(request.query));
}
