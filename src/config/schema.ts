// The configuration Easel runs with, validated once at start. Every limit has a name and a default here.

import { z } from 'zod';

const channelSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "-" and "." only (1–64)'),
    provider: z.string().min(1),
    base_url: z.url({ protocol: /^https?$/ }).optional(),
    api_key: z.string().default(''),
    models: z.array(z.string().min(1)).min(1, 'a channel serves at least one model'),
    priority: z.number().int().default(0),
    weight: z.number().int().min(1).default(1),
    timeout_ms: z.number().int().min(100).max(600_000).default(120_000),
    model_map: z.record(z.string(), z.string()).default({}),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    data_dir: z.string().min(1).default('./data'),
    /** Base of image URLs handed to clients; derived from host and port when unset. */
    public_url: z.url({ protocol: /^https?$/ }).optional(),
    admin_token: z.string().min(16, 'at least 16 characters').optional(),
    /** Unset: SQLite file in data_dir. postgres://...: PostgreSQL. */
    database_url: z
      .string()
      .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres://, postgresql:// or sqlite:')
      .optional(),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    limits: z
      .object({
        /** JSON bodies: prompts and URLs, never images. */
        json_body_bytes: z.number().int().min(1024).default(1024 * 1024),
        /** Multipart bodies carry images (edits: up to 16 × 50 MiB, capped by this). */
        multipart_body_bytes: z.number().int().min(1024).default(200 * 1024 * 1024),
        /** How long SIGTERM waits for in-flight requests before closing anyway. */
        shutdown_grace_ms: z.number().int().min(0).default(30_000),
      })
      .strict()
      .default({ json_body_bytes: 1024 * 1024, multipart_body_bytes: 200 * 1024 * 1024, shutdown_grace_ms: 30_000 }),
    bootstrap: z
      .object({
        /** Demo credit of the starter account created on the first start. */
        starter_credit_usd: z.string().regex(/^\d+(\.\d{1,6})?$/).default('5'),
      })
      .strict()
      .default({ starter_credit_usd: '5' }),
    channels: z.array(channelSchema).default([]),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ChannelConfig = z.infer<typeof channelSchema>;
