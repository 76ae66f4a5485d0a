// Azure OpenAI through Easel's HTTP API against the Azure emulator: deployment routing (model_map),
// api-version, the api-key header, the OpenAI body without `model`, both delivery paths, and how every
// Azure failure (its envelope, content filters, DeploymentNotFound) reaches the client.

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { NormalizedImageRequest } from '../../src/catalog/types.ts';
import { requireModel } from '../../src/catalog/catalog.ts';
import { AZURE_DEFAULT_API_VERSION, azureProvider, classifyAzureError, deploymentUrl } from '../../src/providers/azure/adapter.ts';
import type { CallContext, Channel } from '../../src/providers/types.ts';
import { callContext } from '../../src/routing/router.ts';
import { AZURE_TEST_KEY, createAzureEmulator } from '../emulators/azure.ts';
import { fakeImage, type RecordedRequest } from '../emulators/kit.ts';
import { IMAGE_ROUTE } from '../emulators/openai.ts';
import { expectChannelTimeout, expectRateLimitPassedOn, expectUpstreamFault, fetchBytes, useEmulatorServer } from '../helpers/emulator-suite.ts';
import type { TestServer } from '../helpers/server.ts';

const MODELS = ['gpt-image-2', 'dall-e-3'];
/** dall-e-3 is served by a deployment with a name of its own; gpt-image-2 by one named like the model. */
const DALL_E_DEPLOYMENT = 'images-dalle3-prod';
const emulator = createAzureEmulator();

function channel(over: Record<string, unknown> = {}) {
  return {
    id: 'azure-main', provider: 'azure', base_url: emulator.url, api_key: AZURE_TEST_KEY, models: MODELS,
    model_map: { 'dall-e-3': DALL_E_DEPLOYMENT }, ...over,
  };
}

const lastPost = (): RecordedRequest => emulator.requests.filter((r) => r.method === 'POST').at(-1)!;
const decode = (b64: string) => Buffer.from(b64, 'base64');

const suite = useEmulatorServer(emulator, (over: Record<string, unknown> = {}) => ({ channels: [channel(over)] }));
const post = suite.generate;

describe('azure: what the deployment receives', () => {
  it('gpt-image-2: posts to its deployment with api-version and api-key, the OpenAI body without model', async () => {
    const res = await post({
      model: 'gpt-image-2', prompt: 'a tram in the rain', n: 2, size: '1280x720', quality: 'medium', output_format: 'jpeg',
      output_compression: 70, background: 'auto', moderation: 'auto', user: 'u-9', input_fidelity: 'low', response_format: 'b64_json',
    });
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data).toHaveLength(2);
    expect(await sharp(decode(data[0].b64_json)).metadata()).toMatchObject({ format: 'jpeg', width: 1280, height: 720 });

    const seen = lastPost();
    expect(seen.path).toBe('/openai/deployments/gpt-image-2/images/generations');
    expect(seen.query).toEqual({ 'api-version': AZURE_DEFAULT_API_VERSION });
    expect(seen.headers['api-key']).toBe(AZURE_TEST_KEY);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.json).toEqual({
      prompt: 'a tram in the rain', n: 2, size: '1280x720', quality: 'medium', output_format: 'jpeg', output_compression: 70,
      background: 'auto', moderation: 'auto', user: 'u-9',
    });
  });

  it('dall-e-3: posts to the model_map deployment, asks for b64_json, ignores the content-filter annotations', async () => {
    const res = await post({ model: 'dall-e-3', prompt: 'a kite festival', size: '1024x1792', quality: 'hd', style: 'vivid', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data[0].revised_prompt).toContain('a kite festival');
    expect(data[0]).not.toHaveProperty('content_filter_results');
    expect(await sharp(decode(data[0].b64_json)).metadata()).toMatchObject({ width: 1024, height: 1792 });
    const seen = lastPost();
    expect(seen.path).toBe(`/openai/deployments/${DALL_E_DEPLOYMENT}/images/generations`);
    expect(seen.json).toEqual({ prompt: 'a kite festival', n: 1, size: '1024x1792', quality: 'hd', style: 'vivid', response_format: 'b64_json' });
  });

  it('delivers an Easel URL whose bytes are the upstream image', async () => {
    const res = await post({ model: 'gpt-image-2', prompt: 'url delivery', size: '1024x1024' });
    const { data } = await res.json();
    expect(data[0].url.startsWith(`${suite.server.publicUrl}/media/`)).toBe(true);
    expect((await fetchBytes(data[0].url)).equals(await fakeImage(1024, 1024, 'png'))).toBe(true);
  });

  it('uses the channel api_version, and DALL·E URLs from upstream are downloaded without the key', async () => {
    await suite.withServer({ options: { api_version: '2024-10-21', upstream_response_format: 'url' } }, async (s) => {
      const res = await post({ model: 'dall-e-3', prompt: 'ga version' }, s);
      expect(res.status).toBe(200);
      const { data } = await res.json();
      expect(data[0].url.startsWith(`${s.publicUrl}/media/`)).toBe(true);
      expect((await fetchBytes(data[0].url)).equals(await fakeImage(1024, 1024, 'png'))).toBe(true);
      expect(lastPost().query['api-version']).toBe('2024-10-21');
      expect(lastPost().json.response_format).toBe('url');
      const download = emulator.requests.find((r) => r.method === 'GET');
      expect(download?.path.startsWith(`${IMAGE_ROUTE}/`)).toBe(true);
      expect(download?.headers['api-key']).toBeUndefined();
    });
  });

  it('a GPT image model on a GA api_version that predates it → 400 upstream_rejected', async () => {
    await suite.withServer({ options: { api_version: '2024-10-21' } }, async (s) => {
      const res = await post({ model: 'gpt-image-2', prompt: 'too old', response_format: 'b64_json' }, s);
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe('upstream_rejected');
    });
  });
});

describe('azure: upstream failures as the client sees them', () => {
  const gpt = { model: 'gpt-image-2', prompt: 'failure', response_format: 'b64_json' };
  const dalle = { model: 'dall-e-3', prompt: 'failure', response_format: 'b64_json' };
  // Each case on an Easel of its own: a failure cools the channel down, which would colour the next case.
  const post = (json: unknown, on: TestServer) => suite.generate(json, on);

  it('429 with Retry-After → 429 rate_limit_exceeded with Retry-After', () =>
    suite.withServer({}, async (s) => {
      await expectRateLimitPassedOn(emulator, 4, () => post(gpt, s));
    }));

  it.each([500, 503])('%i → 502 upstream_error', (status) =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind: 'status', status }, () => post(dalle, s));
    }));

  it.each(['reset', 'malformed'] as const)('%s → 502 upstream_error', (kind) =>
    suite.withServer({}, async (s) => {
      await expectUpstreamFault(emulator, { kind }, () => post(gpt, s));
    }));

  it('a success body without images → 502', () =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'empty' });
      expect((await post(gpt, s)).status).toBe(502);
    }));

  it.each([
    ['dall-e-3 content_policy_violation + inner_error', dalle, {}],
    ['gpt-image-2 moderation_blocked', gpt, {}],
    ['contentFilter', dalle, { code: 'contentFilter' }],
    ['content_filter', gpt, { code: 'content_filter' }],
    ['inner_error ResponsibleAIPolicyViolation only', dalle, { code: null }],
  ])('%s → 400 content_policy_violation', (_name, body, detail) =>
    suite.withServer({}, async (s) => {
      emulator.inject({ kind: 'behaviour', name: 'moderate', detail });
      const res = await post(body, s);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('content_policy_violation');
      expect(text).not.toContain('ResponsibleAIPolicyViolation');
    }));

  it('an unknown deployment (DeploymentNotFound 404) → 502: the channel is misconfigured, not the request', async () => {
    await suite.withServer({ model_map: { 'dall-e-3': 'no-such-deployment' } }, async (s) => {
      const res = await post(dalle, s);
      expect(res.status).toBe(502);
      expect(lastPost().path).toBe('/openai/deployments/no-such-deployment/images/generations');
    });
  });

  it('an api_version the resource does not support → 502', async () => {
    await suite.withServer({ options: { api_version: '2019-01-01' } }, async (s) => {
      expect((await post(gpt, s)).status).toBe(502);
    });
  });

  it('a wrong key → an auth failure (502), never a 500 nor the key', async () => {
    await suite.withServer({ api_key: 'azure-wrong-key-5555555555' }, async (s) => {
      const res = await post(gpt, s);
      expect(res.status).toBe(502);
      expect(await res.text()).not.toContain('5555555555');
      expect(lastPost().headers['api-key']).toBe('azure-wrong-key-5555555555');
    });
  });

  it('a slow upstream beyond timeout_ms → 504 timeout_error', async () => {
    await suite.withServer({ timeout_ms: 300 }, async (s) => {
      await expectChannelTimeout(emulator, () => post(gpt, s));
    });
  });
});

describe('azure adapter', () => {
  const channelOf = (over: Partial<Channel> = {}): Channel => ({
    id: 'az', provider: 'azure', baseUrl: emulator.url, apiKey: AZURE_TEST_KEY, models: MODELS,
    priority: 0, weight: 1, timeoutMs: 10_000, modelMap: {}, options: {}, onUncertainSubmit: 'resubmit', ...over,
  });
  /** What routing hands the adapter for `model` on the channel: the deployment (model_map) and the catalogue's wire facts. */
  const ctx = (model: string, over: Partial<Channel> = {}): CallContext => callContext(channelOf(over), requireModel(model, 400), AbortSignal.timeout(10_000));
  const request = (over: Partial<NormalizedImageRequest> = {}): NormalizedImageRequest => ({
    model: 'gpt-image-2', requestedModel: 'gpt-image-2', endpoint: '/v1/images/generations', operation: 'text-to-image',
    prompt: 'adapter', n: 1, responseFormat: 'b64_json', async: false, ...over,
  });

  it('captures the GPT image usage for billing', async () => {
    const result = await azureProvider.generate!(request({ quality: 'low', size: 'auto' }), ctx('gpt-image-2'));
    expect(result.usage).toMatchObject({ input_tokens: 2, output_tokens: 272, total_tokens: 274 });
  });

  it('builds the deployment URL from base_url, the deployment and the api_version (escaped)', () => {
    expect(deploymentUrl(ctx('gpt-image-2', { baseUrl: 'https://res.openai.azure.com/', modelMap: { 'gpt-image-2': 'my deployment' } }), 'generations')).toBe(
      `https://res.openai.azure.com/openai/deployments/my%20deployment/images/generations?api-version=${AZURE_DEFAULT_API_VERSION}`,
    );
    expect(deploymentUrl(ctx('gpt-image-2', { options: { api_version: '2025-04-01-preview' }, modelMap: { 'gpt-image-2': 'd' } }), 'edits')).toMatch(/\/openai\/deployments\/d\/images\/edits\?api-version=2025-04-01-preview$/);
  });

  it('edit: uploads the sources as multipart to the deployment edits path, without model', async () => {
    const png = await fakeImage(1024, 1024, 'png');
    const source = { bytes: png, mime: 'image/png' as const, width: 1024, height: 1024, source: 'image' };
    const result = await azureProvider.edit!(
      request({ endpoint: '/v1/images/edits', operation: 'image-edit', images: [source, source], size: { width: 1024, height: 1536 }, moderation: 'low' }),
      ctx('gpt-image-2'),
    );
    expect(await sharp(result.images[0].bytes!).metadata()).toMatchObject({ width: 1024, height: 1536 });
    const seen = lastPost();
    expect(seen.path).toBe('/openai/deployments/gpt-image-2/images/edits');
    expect(seen.query['api-version']).toBe(AZURE_DEFAULT_API_VERSION);
    expect(seen.headers['api-key']).toBe(AZURE_TEST_KEY);
    expect(seen.parts!.filter((p) => p.name === 'image[]')).toHaveLength(2);
    // Multipart edits have no moderation field; the deployment names the model.
    expect(Object.fromEntries(seen.parts!.filter((p) => !p.bytes).map((p) => [p.name, p.value]))).toEqual({ prompt: 'adapter', n: '1', size: '1024x1536' });
  });

  it('asks dall-e-3 for one image per call', () => {
    const perCall = azureProvider.maxImagesPerCall as (req: NormalizedImageRequest, ctx: CallContext) => number;
    expect(perCall(request({ model: 'dall-e-3' }), ctx('dall-e-3'))).toBe(1);
    expect(perCall(request(), ctx('gpt-image-2'))).toBe(10);
  });

  it('reads Azure refusals, missing deployments and unsupported versions', () => {
    const err = (error: Record<string, unknown>) => JSON.stringify({ error });
    expect(classifyAzureError(400, err({ code: 'content_policy_violation', message: 'm' }))?.kind).toBe('moderated');
    expect(classifyAzureError(400, err({ code: 'contentFilter', message: 'm' }))?.kind).toBe('moderated');
    expect(classifyAzureError(400, err({ code: null, message: 'm', innererror: { code: 'ResponsibleAIPolicyViolation' } }))?.kind).toBe('moderated');
    expect(classifyAzureError(400, err({ code: 'moderation_blocked', type: 'image_generation_user_error', message: 'm' }))?.kind).toBe('moderated');
    expect(classifyAzureError(404, err({ code: 'DeploymentNotFound', message: 'm' }))?.kind).toBe('upstream_fault');
    expect(classifyAzureError(404, err({ code: '404', message: 'Resource not found' }))?.kind).toBe('upstream_fault');
    expect(classifyAzureError(400, err({ code: 'BadRequest', message: 'API version not supported' }))?.kind).toBe('upstream_fault');
    expect(classifyAzureError(400, err({ code: 'invalid_size', message: 'The size is not supported by this model.' }))).toBeUndefined();
  });
});

describe('azure emulator fidelity', () => {
  const raw = (path: string, json: unknown, headers: Record<string, string> = { 'api-key': AZURE_TEST_KEY }) =>
    fetch(`${emulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) });
  const gen = (deployment: string, version?: string) => `/openai/deployments/${deployment}/images/generations${version ? `?api-version=${version}` : ''}`;

  it('answers a missing api-version as an unknown resource (404)', async () => {
    const res = await raw(gen('gpt-image-2'), { prompt: 'x' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
  });

  it('answers a wrong api-key with 401 in Azure’s envelope and an unknown deployment with DeploymentNotFound', async () => {
    const denied = await raw(gen('gpt-image-2', AZURE_DEFAULT_API_VERSION), { prompt: 'x' }, { 'api-key': 'nope' });
    expect(denied.status).toBe(401);
    expect((await denied.json()).error.code).toBe('401');
    const missing = await raw(gen('nope', AZURE_DEFAULT_API_VERSION), { prompt: 'x' });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('DeploymentNotFound');
  });

  it('routes by deployment (body model ignored) and annotates DALL·E items with content-filter results', async () => {
    const res = await raw(gen(DALL_E_DEPLOYMENT, AZURE_DEFAULT_API_VERSION), { model: 'gpt-image-2', prompt: 'x', response_format: 'b64_json' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).not.toHaveProperty('usage');
    expect(body.data[0].revised_prompt).toBeTypeOf('string');
    expect(body.data[0].content_filter_results.violence).toEqual({ filtered: false, severity: 'safe' });
    expect(body.data[0].prompt_filter_results.jailbreak).toEqual({ detected: false, filtered: false });
  });
});
