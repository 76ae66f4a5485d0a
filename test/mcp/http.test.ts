// /mcp (Streamable HTTP, stateless) with the MCP SDK's own client, on the demo provider: the six
// tools, their answers against the HTTP API's, thumbnails, waiting for a task, errors as the API
// words them, and the key: no key, no MCP.

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, withTestServer } from '../helpers/server.ts';
import { answerOf, callTool, httpClient, imagesOf, TOOL_NAMES, texts } from './clients.ts';

// flux-pro is a task on the demo channel; 1.5 s leaves room to see it running. midjourney's channel
// never finishes a task in time: it fails with task_timeout.
const TASK_MS = 1_500;
const stalled = { id: 'stalled', provider: 'demo', models: ['midjourney'], options: { task_ms: 60_000, task_timeout_ms: 800 } };

let server: TestServer;
let client: Client;
beforeAll(async () => {
  server = await startTestServer({ config: { channels: [{ id: 'demo', provider: 'demo', models: ['gpt-image-2', 'flux-pro', 'dall-e-3'], options: { task_ms: TASK_MS } }, stalled], tasks: { worker_interval_ms: 100 } } });
  client = await httpClient(server.url, server.apiKey);
});
afterAll(async () => {
  await client?.close();
  await server?.close();
});

describe('/mcp tools', () => {
  it('lists the six tools, their requests the API schemas less what a waiting tool has no use for', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
    const generate = tools.find((t) => t.name === 'generate_image')!;
    const fields = Object.keys(generate.inputSchema.properties ?? {});
    expect(fields).toEqual(expect.arrayContaining(['model', 'prompt', 'size', 'n', 'wait_seconds']));
    for (const hidden of ['response_format', 'async', 'stream', 'callback_url']) expect(fields).not.toContain(hidden);
    expect(generate.inputSchema.required).toEqual(['prompt']);
    expect(tools.find((t) => t.name === 'quote_image')!.annotations?.readOnlyHint).toBe(true);
  });

  it('list_models answers what /v1/models?recommended_for=image ranks, available models first', async () => {
    const direct = await (await server.call('/v1/models?recommended_for=image&view=compact')).json();
    const listed = answerOf(await callTool(client, 'list_models', {}));
    const ids = (models: Array<{ id: string; available?: boolean }>) => [...models.filter((m) => m.available !== false), ...models.filter((m) => m.available === false)].map((m) => m.id);
    expect(listed.data.map((m: { id: string }) => m.id)).toEqual(ids(direct.data));
    expect(listed.data[0]).toMatchObject({ id: 'gpt-image-2', recommendation: { preferred_rank: 1 } });
  });

  it('get_model_contract is GET /v1/models/{id}', async () => {
    const direct = await (await server.call('/v1/models/flux-pro')).json();
    expect(answerOf(await callTool(client, 'get_model_contract', { model: 'flux-pro' }))).toEqual(direct);
  });

  it('generate_image answers inline images with their URL and a thumbnail of at most 256 px', async () => {
    const result = await callTool(client, 'generate_image', { model: 'gpt-image-2', prompt: 'a red fox', size: '1536x1024' });
    const body = answerOf(result);
    expect(body.data).toHaveLength(1);
    const url: string = body.data[0].url;
    expect(url.startsWith(`${server.publicUrl}/media/`)).toBe(true);
    expect(texts(result).join('\n')).toContain(url);
    const full = await sharp(Buffer.from(await (await fetch(url)).arrayBuffer())).metadata();
    expect([full.width, full.height]).toEqual([1536, 1024]);
    expect(await imagesOf(result)).toEqual([{ mimeType: 'image/webp', format: 'webp', width: 256, height: 171 }]);
  });

  it('generate_image waits for a task, reporting progress, and answers its images', async () => {
    const progress: Array<{ progress: number; message?: string }> = [];
    const result = await callTool(client, 'generate_image', { model: 'flux-pro', prompt: 'a task', size: '1024x768' }, { onprogress: (p) => progress.push(p) });
    const task = answerOf(result);
    expect(task).toMatchObject({ object: 'image.task', status: 'completed' });
    expect(task.task_id).toMatch(/^ldtask_/);
    expect(await imagesOf(result)).toEqual([{ mimeType: 'image/webp', format: 'webp', width: 256, height: 192 }]);
    expect(progress.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^task (pending|processing)/)]));
    const values = progress.map((p) => p.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it('generate_image past wait_seconds returns the running task; get_task shows it finish', async () => {
    const result = await callTool(client, 'generate_image', { model: 'flux-pro', prompt: 'slow', wait_seconds: 0 });
    const task = answerOf(result);
    expect(['pending', 'processing']).toContain(task.status);
    expect(texts(result)[0]).toContain(`get_task with task_id "${task.task_id}"`);
    expect(await imagesOf(result)).toEqual([]);
    let done = await callTool(client, 'get_task', { task_id: task.task_id });
    for (const deadline = Date.now() + 20_000; answerOf(done).status !== 'completed' && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      done = await callTool(client, 'get_task', { task_id: task.task_id });
    }
    expect(answerOf(done).data[0].url).toMatch(/\/media\//);
    expect(await imagesOf(done)).toHaveLength(1);
  });

  it('edit_image takes a data: URL source and answers the edit with its thumbnail', async () => {
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#2a6' } }).png().toBuffer();
    const result = await callTool(client, 'edit_image', { model: 'gpt-image-2', prompt: 'add a hat', image_url: `data:image/png;base64,${png.toString('base64')}` });
    expect(answerOf(result).data).toHaveLength(1);
    expect(await imagesOf(result)).toEqual([{ mimeType: 'image/webp', format: 'webp', width: 256, height: 192 }]);
  });

  it('quote_image prices the request and charges nothing; generate_image charges the caller', async () => {
    const account = await server.newAccount('5.00');
    const own = await httpClient(server.url, account.key);
    try {
      const request = { model: 'dall-e-3', prompt: 'a quote', size: '1024x1024' };
      const quote = answerOf(await callTool(own, 'quote_image', request));
      expect(quote).toMatchObject({ object: 'image.dry_run', model: 'dall-e-3' });
      expect(Number(quote.estimated_cost_usd)).toBeGreaterThan(0);
      expect(await server.balance(account.id)).toBe('5.00');
      answerOf(await callTool(own, 'generate_image', request));
      expect(Number(await server.balance(account.id))).toBeCloseTo(5 - Number(quote.estimated_cost_usd), 6);
    } finally {
      await own.close();
    }
  });

  it('answers an invalid request with isError and the API\'s message, code and param', async () => {
    const unknown = await callTool(client, 'generate_image', { model: 'gpt-image-3', prompt: 'x' });
    expect(unknown.isError).toBe(true);
    expect(unknown.structuredContent).toMatchObject({ status: 400, error: { code: 'model_not_found', param: 'model', did_you_mean: 'gpt-image-2' } });
    expect(texts(unknown)[0]).toContain("The model 'gpt-image-3' does not exist");
    const badSize = await callTool(client, 'quote_image', { model: 'gpt-image-2', prompt: 'x', size: '1000x1000' });
    expect(badSize.isError).toBe(true);
    expect(badSize.structuredContent).toMatchObject({ error: { code: 'invalid_value', param: 'size' } });
    const noTask = await callTool(client, 'get_task', { task_id: 'ldtask_00000000000000000000000000000000' });
    expect(noTask.structuredContent).toMatchObject({ status: 404, error: { code: 'async_task_not_found' } });
  });

  it('a task that fails is an isError result with the task\'s own code and message', async () => {
    const result = await callTool(client, 'generate_image', { model: 'midjourney', prompt: 'never done', wait_seconds: 30 });
    expect(result.isError).toBe(true);
    const { error, task } = result.structuredContent as { error: { code: string; message: string }; task: { status: string; error: { code: string; message: string } } };
    expect(task.status).toBe('failed');
    expect(error).toEqual({ ...task.error, param: null });
    expect(error.code).toBe('task_timeout');
    expect(texts(result)[0]).toMatch(/^Task ldtask_\w+ failed \(task_timeout\): /);
  });

  it('a model no channel serves is refused as the API refuses it', async () => {
    const request = { model: 'nano-banana-pro', prompt: 'x' };
    const direct = await server.call('/v1/images/generations', { method: 'POST', json: request });
    const unserved = await callTool(client, 'generate_image', request);
    expect(unserved.isError).toBe(true);
    expect(unserved.structuredContent).toEqual({ ...(await direct.json()), status: direct.status });
  });
});

describe('/mcp behind a public URL', () => {
  it('fetches its own images for thumbnails on its own address, whatever the public URL says', async () => {
    // Nothing answers at easel.invalid: a thumbnail can only come through the server's own address.
    await withTestServer({ config: { public_url: 'http://easel.invalid:9/gateway' } }, async (behind) => {
      const own = await httpClient(behind.url, behind.apiKey);
      try {
        const result = await callTool(own, 'generate_image', { model: 'gpt-image-2', prompt: 'behind a proxy', size: '1024x1024' });
        expect(answerOf(result).data[0].url).toMatch(/^http:\/\/easel\.invalid:9\/gateway\/media\//);
        expect(await imagesOf(result)).toEqual([{ mimeType: 'image/webp', format: 'webp', width: 256, height: 256 }]);
      } finally {
        await own.close();
      }
    });
  });
});

describe('/mcp and the key', () => {
  it('refuses a request without a key or with a wrong one: 401 in the API envelope', async () => {
    const headers = { accept: 'application/json, text/event-stream' };
    for (const key of [null, 'sk-wrong']) {
      const res = await server.call('/mcp', { method: 'POST', json: { jsonrpc: '2.0', id: 1, method: 'tools/list' }, headers, key });
      expect(res.status).toBe(401);
      expect((await res.json()).error).toMatchObject({ code: 'invalid_api_key' });
    }
    await expect(httpClient(server.url, null)).rejects.toMatchObject({ code: 401 });
  });

  it('answers GET and DELETE with 405 method_not_allowed: it keeps no sessions', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await server.call('/mcp', { method, headers: { accept: 'text/event-stream' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect((await res.json()).error).toMatchObject({ code: 'method_not_allowed', type: 'invalid_request_error' });
    }
  });
});

describe('/mcp over plain HTTP', () => {
  const post = (json: unknown, headers: Record<string, string> = {}) => server.call('/mcp', { method: 'POST', json, headers });
  const toolsList = { jsonrpc: '2.0', id: 7, method: 'tools/list' };
  const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

  it('answers JSON to a client that does not take an event stream, and an event stream to one that does', async () => {
    const json = await post(toolsList);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await json.json();
    expect(body).toMatchObject({ jsonrpc: '2.0', id: 7 });
    expect(body.result.tools.map((t: { name: string }) => t.name).sort()).toEqual(TOOL_NAMES);
    const sse = await post(toolsList, { accept: 'application/json, text/event-stream' });
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await sse.text()).toMatch(/^event: message\ndata: \{"result":\{"tools":/m);
  });

  it('accepts notifications with 202 and nothing to read', async () => {
    const res = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
  });

  it('refuses what is not JSON-RPC, or an unknown protocol version, with 400 in the API envelope', async () => {
    for (const body of [{}, [], { jsonrpc: '1.0', id: 1, method: 'x' }, [toolsList, initialize]]) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value' });
    }
    const version = await post(toolsList, { 'mcp-protocol-version': '1999-01-01' });
    expect(version.status).toBe(400);
    expect((await version.json()).error).toMatchObject({ code: 'invalid_value', param: 'MCP-Protocol-Version' });
  });
});
