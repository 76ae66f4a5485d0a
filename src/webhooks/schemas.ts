// Request shapes of the webhook endpoints (query strings arrive as text).

import { z } from 'zod';
import { callbackUrlSchema } from '../api/images.ts';

export const DELIVERY_LIST_DEFAULT_LIMIT = 20;
export const DELIVERY_LIST_MAX_LIMIT = 100;
const ID_MAX_LENGTH = 200;
const limitMessage = `limit must be an integer from 1 to ${DELIVERY_LIST_MAX_LIMIT}`;

/** GET /v1/webhooks/deliveries. Unknown query parameters are ignored, as everywhere in Easel. */
export const listDeliveriesQuerySchema = z.object({
  task_id: z.string().min(1).max(ID_MAX_LENGTH).optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, limitMessage)
    .transform(Number)
    .pipe(z.number().int().min(1, limitMessage).max(DELIVERY_LIST_MAX_LIMIT, limitMessage))
    .default(DELIVERY_LIST_DEFAULT_LIMIT),
  after: z.string().min(1).max(ID_MAX_LENGTH).optional(),
});

/** PUT /admin/v1/keys/{id}/callback: the key's default callback URL, or null to remove it. */
export const keyCallbackSchema = z
  .object({ callback_url: callbackUrlSchema.nullable() })
  .strict()
  .meta({ description: "Set (or with null remove) the callback URL notified of the key's tasks that name none themselves." });
