// The tools an agent gets: discover the models, read one's contract, quote a request, generate or
// edit images (waiting for the task), look at a task. Each is a thin call of Easel's HTTP API
// through the client; the API decides everything (contracts, prices, errors), so a tool never says
// other than a direct call would. Request fields are the API's own schemas (api/images.ts), less
// those a waiting tool has no use for.

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';
import { imageEditRequestSchema, imageGenerationRequestSchema } from '../api/images.ts';
import type { EaselClient } from './client.ts';
import { answerResult, errorResult, failedTaskResult } from './results.ts';
import { thumbnailsOf } from './thumbnails.ts';
import { progressReporter, TERMINAL_STATUSES, waitForTask } from './wait.ts';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export const DEFAULT_WAIT_SECONDS = 45;
export const MAX_WAIT_SECONDS = 600;

/**
 * Left out of the tools' requests: the tool waits itself (async), images come back as URLs and
 * thumbnails, never base64 in the agent's context (response_format), and stream, webhooks and
 * end-user ids are for programs, not agents.
 */
const NOT_FOR_AGENTS = { async: true, response_format: true, stream: true, callback_url: true, user: true } as const;

const generationRequest = imageGenerationRequestSchema.omit({ ...NOT_FOR_AGENTS, partial_images: true });
const editRequest = imageEditRequestSchema.omit(NOT_FOR_AGENTS);
const waitSeconds = z
  .int()
  .min(0)
  .max(MAX_WAIT_SECONDS)
  .optional()
  .describe(`How long to wait for the images (default ${DEFAULT_WAIT_SECONDS} s). Past it the task is returned as it stands: call get_task with its task_id later.`);

const readOnly = { readOnlyHint: true, openWorldHint: false } as const;
const spends = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;

/** generate_image and edit_image: the same waiting create on two endpoints. */
interface CreateTool {
  name: string;
  title: string;
  description: string;
  fields: z.ZodObject;
  path: string;
}

export function registerEaselTools(server: McpServer, client: EaselClient): void {
  server.registerTool(
    'list_models',
    {
      title: 'List image models',
      description:
        'The image models this Easel serves, recommended first, as GET /v1/models?recommended_for=image ranks them; models no channel of this deployment serves (available: false) only when asked, and last. Each has its operations, request endpoint and pricing; pick one, then get_model_contract for its fields.',
      inputSchema: {
        include_unavailable: z.boolean().optional().describe('Also list catalogue models no channel of this deployment serves (available: false).'),
        provider: z.string().optional().describe('Only models of this provider (openai, google, bfl, ...).'),
      },
      annotations: readOnly,
    },
    ({ include_unavailable, provider }, extra) =>
      run(async () => {
        const query = new URLSearchParams({ recommended_for: 'image', view: 'compact' });
        if (include_unavailable) query.set('include', 'unavailable');
        if (provider) query.set('provider', provider);
        const body = await client.get(`/v1/models?${query}`, extra.signal);
        return answerResult({ ...body, data: availableFirst(body.data) });
      }),
  );

  server.registerTool(
    'get_model_contract',
    {
      title: 'A model and its request contract',
      description: 'One model as GET /v1/models/{model} shows it: operations, the fields each takes with their allowed values (sizes, aspect ratios, quality, n, reference images), defaults and prices.',
      inputSchema: { model: z.string().min(1).describe('Model id or alias, e.g. gpt-image-2') },
      annotations: readOnly,
    },
    ({ model }, extra) => run(async () => answerResult(await client.get(`/v1/models/${encodeURIComponent(model)}`, extra.signal))),
  );

  server.registerTool(
    'quote_image',
    {
      title: 'Quote an image generation',
      description: 'A dry run of generate_image: the request is checked against the model\'s contract and priced (estimated_cost_usd, the normalized request) without rendering anything or charging the account.',
      inputSchema: generationRequest,
      annotations: readOnly,
    },
    (request, extra) => run(async () => answerResult(await client.post('/v1/images/generations', request, { headers: { 'x-easel-dry-run': '1' }, signal: extra.signal }))),
  );

  const creates: CreateTool[] = [
    {
      name: 'generate_image',
      title: 'Generate images',
      description:
        'Creates images from a prompt (POST /v1/images/generations) and waits for them: the answer carries each image\'s URL and a small thumbnail. Charged to the account. If the images take longer than wait_seconds, the task is returned instead (status pending/processing): call get_task with its task_id.',
      fields: generationRequest,
      path: '/v1/images/generations',
    },
    {
      name: 'edit_image',
      title: 'Edit images',
      description:
        'Edits images (POST /v1/images/edits, JSON): the sources as image_url, image_urls or images (each an https URL or a data: URL, or a file_id), an optional mask, and a prompt. Waits like generate_image and answers the same way.',
      fields: editRequest,
      path: '/v1/images/edits',
    },
  ];
  for (const { name, title, description, fields, path } of creates) {
    const inputSchema = fields.extend({ wait_seconds: waitSeconds });
    server.registerTool(name, { title, description, inputSchema, annotations: spends }, ({ wait_seconds, ...request }, extra) => run(() => createAndWait(client, path, request, wait_seconds as number | undefined, extra)));
  }

  server.registerTool(
    'get_task',
    {
      title: 'A task',
      description: 'An image task as it stands (GET /v1/tasks/{id}): status pending, processing, completed (with image URLs and thumbnails) or failed (with its error).',
      inputSchema: { task_id: z.string().min(1).describe('The task id (ldtask_...), as generate_image or edit_image returned it') },
      annotations: readOnly,
    },
    ({ task_id }, extra) => run(async () => taskResult(client, await client.get(`/v1/tasks/${encodeURIComponent(task_id)}`, extra.signal), extra.signal)),
  );
}

async function run(tool: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await tool();
  } catch (err) {
    return errorResult(err);
  }
}

/** Creates, then (for a task) polls until done or the wait is over; images get thumbnails. */
async function createAndWait(client: EaselClient, path: string, request: Record<string, unknown>, waitSeconds: number | undefined, extra: Extra): Promise<CallToolResult> {
  const wait = waitSeconds ?? DEFAULT_WAIT_SECONDS;
  const deadline = Date.now() + wait * 1000;
  const progress = progressReporter(progressSender(extra));
  try {
    progress.report('creating');
    const created = await client.post(path, request, { signal: extra.signal });
    // Inline images: the answer has no task status at all.
    if (typeof created.task_id !== 'string') return answerResult(created, await thumbnailsOf(created, client, extra.signal));
    const task = await waitForTask(client, created.task_id, { deadline, signal: extra.signal, report: progress.report });
    return await taskResult(client, task, extra.signal);
  } finally {
    progress.stop();
  }
}

async function taskResult(client: EaselClient, task: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
  if (task.status === 'failed') return failedTaskResult(task);
  if (TERMINAL_STATUSES.has(String(task.status))) return answerResult(task, await thumbnailsOf(task, client, signal));
  return answerResult(task, [], `Task ${String(task.id)} is still ${String(task.status)}: call get_task with task_id "${String(task.id)}" to see it finish.`);
}

function progressSender(extra: Extra): ((progress: number, message: string) => Promise<void>) | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  return (progress, message) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, message } });
}

/** Stable: the server's ranking holds within each group. */
function availableFirst(data: unknown): unknown {
  if (!Array.isArray(data)) return data;
  const unavailable = (m: unknown) => (m as { available?: unknown }).available === false;
  return [...data.filter((m) => !unavailable(m)), ...data.filter(unavailable)];
}
