// The MCP SDK's own client on Easel's two transports, and readers of what the tools answer.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { expect } from 'vitest';

export const TOOL_NAMES = ['edit_image', 'generate_image', 'get_model_contract', 'get_task', 'list_models', 'quote_image'];

/** A connected client of /mcp on `url`, with `key` as the bearer (none when null). */
export async function httpClient(url: string, key: string | null): Promise<Client> {
  const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
  const client = new Client({ name: 'easel-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  return client;
}

/** `easel mcp` as an agent's MCP client starts it: a child process speaking on its stdin and stdout. */
export async function stdioClient(args: string[], env: Record<string, string> = {}): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['bin/easel.mjs', 'mcp', ...args],
    cwd: process.cwd(),
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'easel-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

export async function callTool(client: Client, name: string, args: Record<string, unknown>, opts?: { onprogress?: (p: { progress: number; message?: string }) => void }): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000, ...opts })) as CallToolResult;
}

/** The structured answer of a tool that succeeded (fails the test with its text otherwise). */
export function answerOf(result: CallToolResult): any {
  expect(result.isError, texts(result).join('\n')).toBeFalsy();
  return result.structuredContent;
}

export function texts(result: CallToolResult): string[] {
  return result.content.flatMap((c) => (c.type === 'text' ? [c.text] : []));
}

/** Each image content decoded: its type and dimensions. */
export async function imagesOf(result: CallToolResult): Promise<Array<{ mimeType: string; width: number; height: number; format: string }>> {
  const images = result.content.flatMap((c) => (c.type === 'image' ? [c] : []));
  return Promise.all(
    images.map(async (image) => {
      const meta = await sharp(Buffer.from(image.data, 'base64')).metadata();
      return { mimeType: image.mimeType, width: meta.width, height: meta.height, format: meta.format };
    }),
  );
}
