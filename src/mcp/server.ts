// One MCP server (its name, its tools) over a client of one Easel and one key, whichever transport
// carries it: `easel mcp` on stdio, or /mcp on the server (one per HTTP request, stateless).

import { readFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { EaselClient, type EaselClientOptions } from './client.ts';
import { registerEaselTools } from './tools.ts';

export const MCP_SERVER_NAME = 'easel';

const INSTRUCTIONS =
  'Easel generates images with many models behind one API. Start with list_models (recommended first), read the chosen model\'s fields with get_model_contract, ' +
  'check and price a request with quote_image, then generate_image or edit_image; each result carries image URLs and thumbnails. Errors name the field (param) to fix.';

/** Easel's version, from package.json two folders up (src/mcp/ and dist/mcp/ alike). */
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function createEaselMcpServer(options: EaselClientOptions): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version: VERSION }, { instructions: INSTRUCTIONS });
  registerEaselTools(server, new EaselClient(options));
  return server;
}
