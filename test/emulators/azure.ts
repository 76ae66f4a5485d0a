// Azure OpenAI image emulator (upstreams.md §2, §12): POST /openai/deployments/{deployment}/images/
// {generations|edits}?api-version=... with an `api-key` header. The deployment picks the model (a body `model`
// is ignored); validation and the success body are OpenAI's (./openai-rules.ts, ./openai-edits.ts); DALL·E items carry Azure's
// content-filter annotations; errors use Azure's envelope (string codes, `inner_error` on refusals).

import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { Emulator, recordedOf } from './kit.ts';
import { planEdit } from './openai-edits.ts';
import { type GenerationPlan, type WireError, imagesResponse, moderationError, planGeneration, registerImageRoute, sendStream } from './openai-rules.ts';

export const AZURE_TEST_KEY = 'azure-test-key-0d9e77c1b2a34f56';

/** Deployment name → model. A custom name shows that Easel routes by deployment, not by model id. */
export const AZURE_TEST_DEPLOYMENTS: Readonly<Record<string, string>> = {
  'gpt-image-2': 'gpt-image-2',
  'dall-e-3': 'dall-e-3',
  'images-dalle3-prod': 'dall-e-3',
};

/** GA versions that serve images; previews are accepted from the first one that had DALL·E 3. */
const GA_VERSIONS = new Set(['2024-02-01', '2024-06-01', '2024-10-21']);
const FIRST_PREVIEW = '2023-12-01';
/** GPT image models are served from this preview on (GA 2024-10-21 documents DALL·E 3 only). */
export const AZURE_GPT_IMAGE_MIN_VERSION = '2025-04-01';

function versionSupported(version: string): boolean {
  if (GA_VERSIONS.has(version)) return true;
  const m = /^(\d{4}-\d{2}-\d{2})-preview$/.exec(version);
  return !!m && m[1] >= FIRST_PREVIEW;
}

const SAFE = { filtered: false, severity: 'safe' } as const;
const SAFE_FILTERS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };

/** The annotations Azure adds to every DALL·E result item. */
const DALL_E_ANNOTATIONS = {
  content_filter_results: SAFE_FILTERS,
  prompt_filter_results: { ...SAFE_FILTERS, profanity: { detected: false, filtered: false }, jailbreak: { detected: false, filtered: false } },
};

type AzureError = { status: number; error: Record<string, unknown> };

const AUTH_MESSAGE =
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';

/** Kit faults in Azure's words (codes are strings, even for HTTP statuses). */
function statusError(status: number, message: string) {
  if (status === 429) {
    return { error: { code: '429', message: 'Requests to the Images_Generations Operation under Azure OpenAI API version 2025-04-01-preview have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.' } };
  }
  if (status === 401) return { error: { code: '401', message: AUTH_MESSAGE } };
  if (status >= 500) return { error: { code: status === 503 ? 'ServiceUnavailable' : 'InternalServerError', message } };
  return { error: { code: 'BadRequest', message } };
}

/** OpenAI's validation errors pass through Azure with the same four keys. */
function fromWire(e: WireError): AzureError {
  return { status: e.status, error: { code: e.code, message: e.message, param: e.param, type: e.type } };
}

/** Behaviour 'moderate' ({detail:{code}} picks another spelling): DALL·E's Responsible AI refusal, or GPT image's moderation_blocked. */
function refusal(plan: GenerationPlan, detail: Record<string, unknown> = {}): AzureError {
  if (plan.family === 'gpt-image' && !detail.code) return fromWire(moderationError('gpt-image'));
  const error: Record<string, unknown> = {
    code: detail.code ?? 'content_policy_violation',
    message: 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
    param: 'prompt',
    type: 'invalid_request_error',
    inner_error: {
      code: 'ResponsibleAIPolicyViolation',
      content_filter_results: { ...SAFE_FILTERS, violence: { filtered: true, severity: 'high' } },
      revised_prompt: `A rendering of: ${plan.prompt}`,
    },
  };
  // Some refusals name the policy only in inner_error (code null); the adapter must still see moderation.
  if (detail.code === null) error.code = null;
  return { status: 400, error };
}

/**
 * createAzureEmulator({deployments}) serves the given deployments (default AZURE_TEST_DEPLOYMENTS).
 * Behaviours: 'moderate' (detail.code: 'contentFilter' | 'content_filter' | null for inner_error only),
 * 'empty' (200 with no image), and on a `stream: true` request the stream behaviours of openai-rules.ts
 * sendStream ('stream_break', 'stream_stall', 'stream_error').
 */
export function createAzureEmulator(opts: { deployments?: Record<string, string> } = {}): Emulator {
  const deployments = opts.deployments ?? AZURE_TEST_DEPLOYMENTS;
  const emulator = new Emulator('azure', { errorBody: statusError });
  const send = (reply: FastifyReply, e: AzureError) => reply.status(e.status).header('content-type', 'application/json').send(JSON.stringify({ error: e.error }));

  emulator.app.addHook('onSend', async (_request, reply) => {
    reply.header('apim-request-id', randomUUID());
    reply.header('x-ms-region', 'Sweden Central');
  });
  emulator.app.setErrorHandler((error: { statusCode?: number }, _request, reply) =>
    error.statusCode && error.statusCode < 500
      ? send(reply, { status: 400, error: { code: 'BadRequest', message: 'Could not parse the JSON body of the request.' } })
      : send(reply, { status: 500, error: { code: 'InternalServerError', message: 'The server had an error while processing your request.' } }),
  );

  emulator.app.post('/openai/deployments/:deployment/images/:operation', async (request, reply) => {
    const recorded = recordedOf(request);
    const version = recorded.query['api-version'];
    // Azure answers a missing api-version as an unknown route.
    if (!version) return send(reply, { status: 404, error: { code: '404', message: 'Resource not found' } });
    if (!versionSupported(version)) return send(reply, { status: 400, error: { code: 'BadRequest', message: 'API version not supported' } });
    if (request.headers['api-key'] !== AZURE_TEST_KEY) return send(reply, { status: 401, error: { code: '401', message: AUTH_MESSAGE } });
    const { deployment, operation } = request.params as { deployment: string; operation: string };
    if (operation !== 'generations' && operation !== 'edits') return send(reply, { status: 404, error: { code: '404', message: 'Resource not found' } });
    const model = deployments[deployment];
    if (!model) {
      return send(reply, { status: 404, error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.' } });
    }
    const plan = operation === 'edits' ? await planEdit(recorded, { model }) : planGeneration(recorded.json, { model });
    if ('status' in plan) return send(reply, fromWire(plan));
    if (plan.family === 'gpt-image' && version.slice(0, 10) < AZURE_GPT_IMAGE_MIN_VERSION) {
      // [unverified] wording; the fact (GPT image needs a 2025-04-01-preview or later version) is from the spec folders.
      return send(reply, { status: 400, error: { code: 'OperationNotSupported', message: `The images ${operation} operation does not work with the specified model, ${plan.model}, on api-version ${version}.` } });
    }
    const behaviour = emulator.takeBehaviour(recorded.path);
    if (behaviour?.name === 'moderate') return send(reply, refusal(plan, behaviour.detail));
    if (behaviour?.name === 'empty') return reply.status(200).send({ created: Math.floor(Date.now() / 1000), data: [] });
    // GPT image deployments stream as OpenAI does (the same events, the same stream behaviours).
    if (plan.stream) return sendStream(emulator, reply, plan, operation === 'edits' ? 'image_edit' : 'image_generation', behaviour);
    const annotations = plan.family === 'gpt-image' ? {} : DALL_E_ANNOTATIONS;
    return reply.status(200).send(await imagesResponse(emulator, plan, annotations));
  });
  registerImageRoute(emulator);
  return emulator;
}
