// `easel mcp` over stdio, started as an agent's MCP client starts it (the SDK's StdioClientTransport
// spawning `node bin/easel.mjs mcp --url ... --key ...`), against a real Easel on the demo provider.

import { spawn } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { answerOf, callTool, imagesOf, stdioClient, TOOL_NAMES, texts } from './clients.ts';

let server: TestServer;
let account: { id: string; key: string };
let client: Client;
let stderr: () => string;
beforeAll(async () => {
  server = await startTestServer();
  account = await server.newAccount('5.00');
  ({ client, stderr } = await stdioClient(['--url', server.url, '--key', account.key]));
});
afterAll(async () => {
  await client?.close();
  await server?.close();
});

describe('easel mcp (stdio)', () => {
  it('lists the six tools and says on stderr, never stdout, which Easel it serves', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
    expect(client.getServerVersion()).toMatchObject({ name: 'easel' });
    expect(stderr()).toContain(`for ${server.url}`);
  });

  it('list_models answers the ranked catalogue', async () => {
    const listed = answerOf(await callTool(client, 'list_models', {}));
    expect(listed.data.length).toBeGreaterThan(1);
    expect(listed.data[0]).toMatchObject({ id: 'gpt-image-2', recommendation: { preferred_rank: 1 } });
  });

  it('generate_image answers the image URL and its thumbnail, charged to the key\'s account', async () => {
    const result = await callTool(client, 'generate_image', { model: 'dall-e-3', prompt: 'over stdio', size: '1792x1024' });
    const url: string = answerOf(result).data[0].url;
    expect(url.startsWith(`${server.url}/media/`)).toBe(true);
    expect((await fetch(url)).status).toBe(200);
    expect(await imagesOf(result)).toEqual([{ mimeType: 'image/webp', format: 'webp', width: 256, height: 146 }]);
    expect(Number(await server.balance(account.id))).toBeLessThan(5);
  });

  it('quote_image charges nothing', async () => {
    const before = await server.balance(account.id);
    const quote = answerOf(await callTool(client, 'quote_image', { model: 'dall-e-3', prompt: 'a quote' }));
    expect(quote.object).toBe('image.dry_run');
    expect(await server.balance(account.id)).toBe(before);
  });

  it('answers an invalid request with isError and the API\'s code and param', async () => {
    const result = await callTool(client, 'generate_image', { model: 'dall-e-3', prompt: 'x', size: '640x480' });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: 400, error: { code: 'invalid_value', param: 'size' } });
    expect(texts(result)[0]).toMatch(/^Easel answered HTTP 400 \(invalid_value, param size\): /);
  });

  it('takes the URL and key from EASEL_URL and EASEL_API_KEY, and a wrong key is the API\'s 401', async () => {
    const env = await stdioClient([], { EASEL_URL: server.url, EASEL_API_KEY: 'sk-not-a-key' });
    try {
      const result = await callTool(env.client, 'get_task', { task_id: 'ldtask_00000000000000000000000000000000' });
      expect(result.structuredContent).toMatchObject({ status: 401, error: { code: 'invalid_api_key' } });
    } finally {
      await env.client.close();
    }
  });

  it('exits 2 naming what is missing when no key is given', async () => {
    const env = { ...process.env, EASEL_API_KEY: '' };
    const child = spawn(process.execPath, ['bin/easel.mjs', 'mcp', '--url', server.url], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('an API key is needed');
  });
});
