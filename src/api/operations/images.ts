// The image operations (generations, edits, variations) and the task status routes: their bodies,
// their three kinds of answer (images inline, a task, a dry-run quote) and the task snapshot.
// Shapes: tokenlab-openapi-images.json ImageGenerationResponse and VideoTaskResponse, as
// pipeline/generate.ts and tasks/views.ts write them.

import { z } from 'zod';
import type { ErrorCode } from '../errors.ts';
import { imageEditRequestSchema, imageGenerationRequestSchema, imageVariationRequestSchema } from '../images.ts';
import { answer, type ErrorRef, IDEMPOTENT_REPLAYED_HEADER, idempotencyKeyHeader, type OperationSpec, pathParam, reply, request, unixSeconds, usdString } from './spec.ts';

const TASK_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;

export const imageData = answer(
  'ImageData',
  reply({
    url: z.string().optional().describe('Where to fetch the image (response_format url, and every task result)'),
    b64_json: z.string().optional().describe('The image, base64 (response_format b64_json)'),
    revised_prompt: z.string().optional().describe('The prompt as the model rewrote it, where it does'),
    expires_at: unixSeconds.optional().describe('Until when a presigned `url` works (unix seconds); absent when it does not expire'),
  }).describe('One image: `url` or `b64_json`.'),
);

const imagesResponse = answer(
  'ImagesResponse',
  reply({
    created: unixSeconds,
    data: z.array(imageData),
    billing_transaction_id: z.string().describe('The charge of this request in the ledger (also the X-Billing-Transaction-ID header)'),
    normalized: z.record(z.string(), z.string()).optional().describe('Values Easel chose or filled in for the client (e.g. aspect_ratio for a size)'),
  }).describe('Images made within the wait budget, inline.'),
);

const taskCreated = answer(
  'TaskCreated',
  reply({
    created: unixSeconds,
    id: z.string(),
    task_id: z.string().describe('Poll it at poll_url (also the X-Task-ID header)'),
    status: z.literal('pending'),
    poll_url: z.string().describe('/v1/tasks/{id}'),
    data: z.array(imageData).describe('Empty until the task completes'),
    model: z.string(),
  }).describe('The work goes on as a task (async: true, or past the wait budget).'),
);

const dryRun = answer(
  'ImageDryRun',
  reply({
    object: z.literal('image.dry_run'),
    model: z.string(),
    normalized_request: reply({}).describe('The request as Easel would send it on'),
    estimated_cost_usd: usdString,
    price_version: z.string(),
    quote: reply({}).describe('The figures the quote was computed from'),
  }).describe('With `X-Easel-Dry-Run: 1`: validated and quoted; nothing held, nothing rendered.'),
);

const imageCreateAnswer = answer('ImageCreateResponse', z.union([imagesResponse, taskCreated, dryRun]));

export const taskSnapshot = answer(
  'TaskSnapshot',
  reply({
    id: z.string(),
    task_id: z.string(),
    object: z.literal('image.task'),
    poll_url: z.string(),
    status: z.enum(TASK_STATUSES),
    model: z.string(),
    created: unixSeconds,
    updated: unixSeconds,
    data: z.array(imageData).describe('The images once completed; empty before'),
    progress: z.int().min(0).max(100).optional().describe('Only when the provider reports one'),
    error: reply({ code: z.string(), message: z.string() }).optional().describe('Why a failed task failed'),
    billing_transaction_id: z.string().optional(),
  }),
);

/** What can go wrong on any image create, from the contract check to the delivery of the result. */
const CREATE_ERRORS: ErrorCode[] = [
  'invalid_value',
  'unsupported_parameter',
  'missing_required_parameter',
  'too_many_images',
  'unsupported_operation',
  'model_not_found',
  'invalid_multipart',
  'too_many_files',
  'invalid_image_url',
  'image_fetch_failed',
  'unsupported_image_type',
  'invalid_image_dimensions',
  'file_not_found',
  'file_model_mismatch',
  'upstream_rejected',
  'content_policy_violation',
  'webhook_secret_required',
  'insufficient_balance',
  'quota_exceeded',
  'budget_exceeded',
  'model_not_allowed',
  'input_expired',
  'upstream_error',
  'uncertain_submit',
  'all_channels_failed',
  'channel_unavailable',
  'storage_unavailable',
  'timeout_error',
  'task_timeout',
  'idempotency_key_reused',
];

const createResponses = {
  200: {
    description: 'Images inline, a pending task to poll, or (dry run) a quote',
    json: imageCreateAnswer,
    headers: {
      'X-Billing-Transaction-ID': 'The charge, on images inline',
      'X-Task-ID': 'The task, on a pending answer',
      'Preference-Applied': 'The Prefer preference the answer honoured (`wait=N` with the seconds waited at most, or `respond-async`)',
      ...IDEMPOTENT_REPLAYED_HEADER,
    },
  },
};

/**
 * `stream: true` (gpt-image-2, README "Streaming partial images"): OpenAI's image event stream, relayed;
 * `prefix` is the endpoint's event name prefix (image_generation, image_edit).
 */
const streamingCreateResponses = (prefix: string) => ({
  200: {
    ...createResponses[200],
    description: 'Images inline, a pending task to poll, (dry run) a quote, or with `stream: true` the image event stream',
    content: {
      'text/event-stream': {
        type: 'string',
        description:
          `With stream: true (gpt-image-2, n = 1): Server-Sent Events, each an \`event:\` line naming its \`type\` and one \`data:\` line of JSON. ` +
          `\`${prefix}.partial_image\` (b64_json, partial_image_index, created_at, size, quality, background, output_format) for each partial image, ` +
          `then \`${prefix}.completed\` (the same fields with the final b64_json, \`url\` as well when URLs are asked for, the upstream's \`usage\` that was charged, billing_transaction_id). ` +
          'A failure after the first event is an `error` event ({type: "error", error: {message, type, code, param}}) and nothing is charged. The X-Task-ID header names the task.',
      },
    },
  },
});

const dryRunHeader = {
  name: 'X-Easel-Dry-Run',
  in: 'header' as const,
  description: '1 or true: validate and quote only',
  schema: { type: 'string', enum: ['1', 'true'] },
};

/** RFC 7240 (README "Waiting for images: Prefer"). */
const preferHeader = {
  name: 'Prefer',
  in: 'header' as const,
  description:
    '`wait=N`: hold the create up to N seconds (capped by tasks.wait_budget_ms) for the images, answered inline when ready, else the task; `respond-async`: the task at once. Malformed or unknown preferences are ignored. The preference honoured comes back in `Preference-Applied`.',
  schema: { type: 'string', examples: ['wait=60', 'respond-async'] },
};

const multipartFields = (what: string) => ({ type: 'object', description: `The JSON body's fields as text parts; ${what}.` });

const taskId = pathParam('id', 'The task id (ldtask_...)');

const snapshotOf = (path: string, operationId: string, summary: string): OperationSpec => ({
  method: 'get',
  path,
  operationId,
  summary,
  tag: 'tasks',
  security: 'apiKey',
  params: [taskId],
  responses: { 200: { description: 'The task now', json: taskSnapshot, headers: { 'X-Task-ID': 'The task', 'X-Billing-Transaction-ID': 'Its charge, once settled' } } },
  errors: ['async_task_not_found'],
});

export const imageOperations: OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/images/generations',
    operationId: 'createImage',
    summary: 'Create images from a prompt',
    description: 'JSON, or multipart/form-data with a reference `image` file. Answers inline within the wait budget, else a task.',
    tag: 'images',
    security: 'apiKey',
    params: [dryRunHeader, idempotencyKeyHeader, preferHeader],
    body: {
      json: request('ImageGenerationRequest', imageGenerationRequestSchema),
      multipart: multipartFields('a reference image as an `image` part, `image_urls` comma-separated'),
    },
    responses: streamingCreateResponses('image_generation'),
    errors: [...CREATE_ERRORS, 'invalid_json'],
  },
  {
    method: 'post',
    path: '/v1/images/edits',
    operationId: 'editImage',
    summary: 'Edit images',
    tag: 'images',
    security: 'apiKey',
    params: [dryRunHeader, idempotencyKeyHeader, preferHeader],
    body: {
      json: request('ImageEditRequest', imageEditRequestSchema),
      multipart: multipartFields('images as `image` / repeated `image[]` parts (1–16) and an optional `mask` part'),
    },
    responses: streamingCreateResponses('image_edit'),
    errors: [...CREATE_ERRORS, 'invalid_json'],
  },
  {
    method: 'post',
    path: '/v1/images/variations',
    operationId: 'createImageVariation',
    summary: 'Variations of one square PNG (dall-e-2)',
    tag: 'images',
    security: 'apiKey',
    params: [dryRunHeader, idempotencyKeyHeader, preferHeader],
    body: { multipart: request('ImageVariationRequest', imageVariationRequestSchema) },
    responses: createResponses,
    errors: CREATE_ERRORS,
  },
  snapshotOf('/v1/tasks/{id}', 'getTask', 'A task: its status and, once completed, its images'),
  snapshotOf('/v1/images/{id}', 'getImageTask', 'A task (alias of GET /v1/tasks/{id})'),
  snapshotOf('/v1/images/generations/{id}', 'getImageGenerationTask', 'A task (alias of GET /v1/tasks/{id})'),
  {
    method: 'delete',
    path: '/v1/tasks/{id}',
    operationId: 'cancelTask',
    summary: 'Cancel a task: image tasks cannot be cancelled',
    description: 'Always an error: 400 `unsupported_task_cancel` for a task of yours, 404 otherwise.',
    tag: 'tasks',
    security: 'apiKey',
    params: [taskId],
    responses: {},
    errors: ['unsupported_task_cancel', 'async_task_not_found'] satisfies ErrorRef[],
  },
];
