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
    /**
     * A task submit cut off by a crash (the upstream may or may not have the task) on an upstream that
     * cannot be asked: `resubmit` (the customer gets an image; the operator may pay twice) or `fail`
     * (refund; never pay twice). Upstreams that can find their own submissions never need it.
     */
    on_uncertain_submit: z.enum(['resubmit', 'fail']).default('resubmit'),
  })
  .strict();

/**
 * How clients get an image's URL: `serve` (Easel answers /media/{key} from the store, any replica
 * any image), `public` (base_url + "/" + key: a CDN or public bucket in front of the store; the base
 * is where the S3 `prefix` is published, not the bucket's root), `presigned` (a signed GET on the
 * bucket, valid `presign_ttl_s`, re-signed at every read, its end published as `expires_at`; S3
 * only). /media/{key} keeps answering in every mode.
 */
const mediaSchema = z
  .object({
    mode: z.enum(['serve', 'public', 'presigned']).default('serve'),
    base_url: z.url({ protocol: /^https?$/ }).optional(),
    presign_ttl_s: z.number().int().min(60).max(7 * 24 * 3600).default(3600),
  })
  .strict()
  .prefault({});

const storageSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('local'), media: mediaSchema }).strict(),
    z
      .object({
        kind: z.literal('s3'),
        bucket: z.string().min(3).max(63),
        region: z.string().min(1).default('us-east-1'),
        /** An S3-compatible server (MinIO, R2, s3rver); unset: AWS. */
        endpoint: z.url({ protocol: /^https?$/ }).optional(),
        force_path_style: z.boolean().default(false),
        /** Keys are stored under this prefix ("easel/"), so one bucket can serve several deployments. */
        prefix: z.string().regex(/^([A-Za-z0-9._-]+\/)*$/, 'segments of letters, digits, ".", "_", "-", each ending in "/"').default(''),
        /** Unset: the standard AWS chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles). */
        access_key_id: z.string().min(1).optional(),
        secret_access_key: z.string().min(1).optional(),
        media: mediaSchema,
      })
      .strict(),
  ])
  .superRefine((storage, ctx) => {
    if (storage.media.mode === 'public' && !storage.media.base_url) ctx.addIssue({ code: 'custom', path: ['media', 'base_url'], message: 'media.mode public needs media.base_url' });
    if (storage.media.mode === 'presigned' && storage.kind !== 's3') ctx.addIssue({ code: 'custom', path: ['media', 'mode'], message: 'presigned URLs need storage kind s3' });
  })
  .prefault({ kind: 'local' });

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
        /** Requests per API key per minute on the authenticated routes; 0 turns the limit off. */
        requests_per_minute: z.number().int().min(0).default(1000),
        /** A client has this long to send its request headers (a slowloris client is cut off after it). */
        headers_timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
        /** A client has this long to send its whole request, body included (a 200 MiB upload on a slow link). */
        request_timeout_ms: z.number().int().min(1000).max(3_600_000).default(300_000),
        /** An idle keep-alive connection is closed after this. */
        keep_alive_timeout_ms: z.number().int().min(100).max(600_000).default(5_000),
        /** Open connections at most; one more is closed at once, so an idle crowd cannot exhaust the process. */
        max_connections: z.number().int().min(1).max(1_000_000).default(10_000),
      })
      .strict()
      .prefault({}),
    bootstrap: z
      .object({
        /** Demo credit of the starter account created on the first start. */
        starter_credit_usd: z.string().regex(/^\d+(\.\d{1,6})?$/).default('5'),
      })
      .strict()
      .default({ starter_credit_usd: '5' }),
    fetch: z
      .object({
        /** Client-supplied image URLs may reach private/loopback addresses. Trusted deployments and tests only. */
        allow_private_addresses: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    tasks: z
      .object({
        /** A synchronous call still running after this becomes a task (answer: pending + poll_url). */
        wait_budget_ms: z.number().int().min(100).max(600_000).default(50_000),
        /**
         * How long a create that did not ask for `async` waits for a task-based upstream before answering
         * with the task (0: at once). Per key `sync_wait_ms`; per request `Prefer: wait=N`.
         */
        sync_wait_ms: z.number().int().min(0).max(600_000).default(0),
        /** Tasks and their images are kept this long after creation, then swept. */
        retention_hours: z.number().min(0.001).default(168),
        /** A task not finished this long after creation fails (overridden per channel by options.task_timeout_ms). */
        timeout_ms: z.number().int().min(1000).default(15 * 60_000),
        /** How often the worker looks for due tasks. */
        worker_interval_ms: z.number().int().min(10).default(1000),
        /** A worker's claim on a task; renewed while it works, taken over by another worker when it lapses. */
        lease_ms: z.number().int().min(200).default(30_000),
        /** Tasks one process works on at once. */
        concurrency: z.number().int().min(1).max(256).default(16),
      })
      .strict()
      .prefault({}),
    /** Signed callbacks of closed tasks (callback_url): how each delivery attempt is made and retried. */
    webhooks: z
      .object({
        /** One attempt, from the DNS lookup to the receiver's status line, is given up after this. */
        timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
        /** A delivery is retried this long after its task closed (or after a replay), then marked dead. */
        retry_window_ms: z.number().int().min(1).default(24 * 3_600_000),
        /** The wait before the first retry; each later wait doubles, with jitter, up to max_retry_ms. */
        first_retry_ms: z.number().int().min(1).default(5_000),
        max_retry_ms: z.number().int().min(1).default(3_600_000),
        /** After a rotation the previous signing secret keeps signing (a second signature) this long. */
        secret_overlap_ms: z.number().int().min(0).default(24 * 3_600_000),
        /** Deliveries one process makes at once. */
        concurrency: z.number().int().min(1).max(256).default(8),
        /** How often a replica looks for due deliveries (a close in this process wakes it at once). */
        worker_interval_ms: z.number().int().min(10).default(1000),
      })
      .strict()
      .prefault({}),
    /** OpenTelemetry traces (http/tracing.ts): off unless otlp_endpoint is set. */
    tracing: z
      .object({
        /** OTLP/HTTP (JSON) traces endpoint, e.g. http://collector:4318/v1/traces. Unset: no tracing. */
        otlp_endpoint: z.url({ protocol: /^https?$/ }).optional(),
        /** Headers sent with every export, as OTEL_EXPORTER_OTLP_HEADERS writes them: `k1=v1,k2=v2` (values URL-encoded). A secret: never logged. */
        headers: z.string().default(''),
        service_name: z.string().min(1).default('easel'),
        /** Share of new traces recorded (a trace continued from a caller's `traceparent` follows the caller's choice). */
        sample_ratio: z.number().min(0).max(1).default(1),
        /** Spans are sent in batches at most this long after they end. */
        export_interval_ms: z.number().int().min(10).max(60_000).default(5_000),
      })
      .strict()
      .prefault({}),
    pricing: z
      .object({
        /** Percent added to every catalogue price. */
        markup_percent: z.number().min(0).max(1000).default(0),
        /** Per-model flat prices replacing the catalogue's: {"dall-e-3": {"per_image_usd": "0.05"}}. */
        overrides: z
          .record(
            z.string(),
            z.union([z.object({ per_image_usd: z.string().regex(/^\d+(\.\d{1,6})?$/) }).strict(), z.object({ per_request_usd: z.string().regex(/^\d+(\.\d{1,6})?$/) }).strict()]),
          )
          .default({}),
      })
      .strict()
      .prefault({}),
    /** Where generated and uploaded images live, and how clients are given their URLs. */
    storage: storageSchema,
    /** Unset: limits and channel health are this process's own. redis://...: shared by every replica. */
    redis_url: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
    /** The longest a request waits on Redis before it decides without it (fail-open). */
    redis_command_timeout_ms: z.number().int().min(10).max(10_000).default(150),
    channels: z.array(channelSchema).default([]),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ChannelConfig = z.infer<typeof channelSchema>;
export type StorageConfig = Config['storage'];
