// Azure OpenAI: the OpenAI bodies (minus `model`) posted to a deployment,
// {base}/openai/deployments/{deployment}/images/{generations|edits}?api-version=..., with an `api-key`
// header.
// The deployment is the channel's upstream name for the model (model_map); the API version is the
// channel's `options.api_version`. What differs by model is the catalogue's ModelEntry.wire.azure.

import type { OpenAIImagesWire } from '../../catalog/model-entry.ts';
import type { NormalizedImageRequest } from '../../catalog/types.ts';
import { extractMessage, joinUrl, openUpstream, type WireBody } from '../http.ts';
import {
  classifyOpenAIError,
  editFormBody,
  errorObject,
  generateBody,
  imagesPerCall,
  postImages,
  readImageStream,
  type WireChoice,
  wireChoice,
  withStream,
} from '../openai/adapter.ts';
import { STREAM_EVENT_PREFIX } from '../openai/wire.ts';
import { type CallContext, type Channel, defineProvider, type GenerateResult, UpstreamError, type UpstreamStreamEvent } from '../types.ts';
import { AZURE_DEPLOYMENT_NOT_FOUND, AZURE_MODERATION_CODES, AZURE_POLICY_INNER_CODE, type AzureInnerError } from './wire.ts';

/** The first API version that serves GPT image models as well as DALL·E 3 (GA 2024-10-21 has DALL·E 3 only). */
export const AZURE_DEFAULT_API_VERSION = '2025-04-01-preview';

function azureApiVersion(channel: Channel): string {
  const value = channel.options.api_version;
  return typeof value === 'string' && value.trim() ? value.trim() : AZURE_DEFAULT_API_VERSION;
}

export function deploymentUrl(ctx: CallContext, operation: 'generations' | 'edits'): string {
  const path = `openai/deployments/${encodeURIComponent(ctx.upstreamModel)}/images/${operation}`;
  return `${joinUrl(ctx.channel.baseUrl, path)}?api-version=${encodeURIComponent(azureApiVersion(ctx.channel))}`;
}

/**
 * Azure's readings on top of OpenAI's: content-filter refusals under several codes (or only an
 * `inner_error` naming the Responsible AI policy) are moderation; a 404 (unknown deployment, or a
 * missing/wrong api-version path) and an unsupported api-version mean this channel is misconfigured
 * for the model, so routing fails over instead of blaming the client.
 */
export function classifyAzureError(status: number, text: string): UpstreamError | undefined {
  const error = errorObject(text);
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const inner = (error?.inner_error ?? error?.innererror) as AzureInnerError | undefined;
  if ((code && AZURE_MODERATION_CODES.includes(code)) || inner?.code === AZURE_POLICY_INNER_CODE) {
    return new UpstreamError('moderated', extractMessage(text) || 'rejected by the content filter', { status });
  }
  if (status === 404) {
    const what = code === AZURE_DEPLOYMENT_NOT_FOUND ? 'the Azure deployment does not exist (check the channel model_map)' : 'the Azure endpoint was not found (check base_url and api_version)';
    return new UpstreamError('upstream_fault', what, { status });
  }
  if (status === 400 && /api version not supported/i.test(error?.message ?? '')) {
    return new UpstreamError('upstream_fault', 'the Azure resource does not support the channel api_version', { status });
  }
  return classifyOpenAIError(status, text);
}

async function post(operation: 'generations' | 'edits', body: WireBody, req: NormalizedImageRequest, ctx: CallContext): Promise<GenerateResult> {
  return postImages({ url: deploymentUrl(ctx, operation), headers: { 'api-key': ctx.channel.apiKey }, ...body, signal: ctx.signal, classify: classifyAzureError }, req.responseFormat);
}

/** `stream: true` on a GPT image deployment: OpenAI's event stream, read the same way. */
async function postStream(operation: 'generations' | 'edits', body: WireBody, ctx: CallContext, onEvent: (event: UpstreamStreamEvent) => void): Promise<GenerateResult> {
  const opened = await openUpstream({ url: deploymentUrl(ctx, operation), headers: { 'api-key': ctx.channel.apiKey }, ...body, signal: ctx.signal, classify: classifyAzureError });
  return readImageStream(opened, { prefix: STREAM_EVENT_PREFIX[operation], classify: classifyAzureError, signal: ctx.signal }, onEvent);
}

/**
 * The catalogue's facts for the model on Azure; a model it lists for OpenAI only is taken with its
 * OpenAI facts, since both speak one protocol (a DALL·E deployment still takes response_format).
 */
const azureFacts = (ctx: CallContext): OpenAIImagesWire | undefined => ctx.wire.azure ?? ctx.wire.openai;

/** The deployment picks the model: no `model` in any body. */
const azureWire = (ctx: CallContext): WireChoice => wireChoice(ctx, azureFacts(ctx), undefined);

export const azureProvider = defineProvider({
  name: 'azure',
  // No default: every Azure resource has its own endpoint.
  maxImagesPerCall: (_req, ctx) => imagesPerCall(ctx && azureFacts(ctx)),
  generate: async (req, ctx) => post('generations', { json: generateBody(req, azureWire(ctx)) }, req, ctx),
  // Multipart, the form Azure documents for image edits; uploads must have been fetched into bytes.
  edit: async (req, ctx) => post('edits', editFormBody(req, azureWire(ctx)), req, ctx),
  generateStream: async (req, ctx, onEvent) => postStream('generations', withStream({ json: generateBody(req, azureWire(ctx)) }, req), ctx, onEvent),
  editStream: async (req, ctx, onEvent) => postStream('edits', withStream(editFormBody(req, azureWire(ctx)), req), ctx, onEvent),
});
