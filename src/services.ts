// Everything a request handler may touch, built once at start (main.ts) and handed to the HTTP app.

import type { Logger } from 'pino';
import type { PriceAdjustments } from './billing/quote.ts';
import type { Config } from './config/schema.ts';
import type { Metrics } from './http/metrics.ts';
import type { KeyRateLimiter } from './http/rate-limit.ts';
import type { Router } from './routing/router.ts';
import type { BlobStore } from './storage/blobs/types.ts';
import type { Db } from './storage/db/open.ts';
import type { TaskEngine } from './tasks/engine.ts';

export interface Services {
  config: Config;
  db: Db;
  blobs: BlobStore;
  router: Router;
  rateLimiter: KeyRateLimiter;
  metrics: Metrics;
  tasks: TaskEngine;
  /** Operator markup and overrides applied to catalogue prices. */
  pricing: PriceAdjustments;
  /** Base of the URLs of Easel's own media, without a trailing slash. */
  publicUrl: string;
  /** The token that guards /admin/v1 (configured, or generated on the first start). */
  adminToken: string;
  log: Logger;
}
