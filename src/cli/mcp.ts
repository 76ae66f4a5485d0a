// `easel mcp`: Easel's tools for a coding agent over stdio (the agent's MCP client starts this
// command and speaks JSON-RPC on its stdin and stdout). It is a client of an Easel's HTTP API, local
// or remote, with one API key: it opens no database and reads no configuration, so it runs anywhere
// the agent does. Stdout carries only the protocol; anything for people goes to stderr.

import { readArgs, UsageError } from './args.ts';

const USAGE = 'mcp [--url URL] [--key sk-...]   (or EASEL_URL, EASEL_API_KEY)';
const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Serves until the client closes stdin; 0 then. */
export async function mcpCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = readArgs(args, { url: { type: 'string' }, key: { type: 'string' } }, USAGE);
  const baseUrl = values.url ?? (env.EASEL_URL || DEFAULT_URL);
  const apiKey = values.key ?? env.EASEL_API_KEY;
  if (!apiKey) throw new UsageError(`an API key is needed: --key sk-... or EASEL_API_KEY\n  usage: easel ${USAGE}`);
  if (!/^https?:$/.test(protocolOf(baseUrl))) throw new UsageError(`--url must be an http(s) URL of an Easel, e.g. ${DEFAULT_URL}`);

  // Loaded here, so the other commands (serve above all) never load the MCP SDK.
  const [{ StdioServerTransport }, { createEaselMcpServer }] = await Promise.all([import('@modelcontextprotocol/sdk/server/stdio.js'), import('../mcp/server.ts')]);
  const server = createEaselMcpServer({ baseUrl, apiKey });
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await server.connect(new StdioServerTransport());
  process.stderr.write(`easel mcp: serving Easel's tools on stdio for ${baseUrl}\n`);
  await closed;
  await server.close();
  return 0;
}

function protocolOf(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}
