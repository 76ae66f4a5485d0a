// /mcp's MCP side: the Streamable HTTP transport in stateless mode. Every POST gets a server and a
// transport of its own, gone when its answer ends, so nothing is kept between requests and any
// replica can answer any of them (no session id, no sticky routing).
//
// What the transport would refuse in its own JSON-RPC words is refused here first, in the API's
// envelope like every other 4xx of Easel: a body that is not JSON-RPC, an unknown protocol version.
// The Accept header is read leniently: an answer in JSON unless the client takes an event stream
// (where a tool's progress notifications come before its result).

import type { IncomingHttpHeaders } from 'node:http';
import { MAX_BATCH_SIZE } from '@modelcontextprotocol/sdk/server/requestBody.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest, isJSONRPCRequest, type JSONRPCMessage, JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { apiErrors } from '../api/errors.ts';
import type { EaselClientOptions } from './client.ts';
import { createEaselMcpServer } from './server.ts';

export const PROTOCOL_VERSION_HEADER = 'mcp-protocol-version';

export interface McpPost {
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Fires when the client goes away: the running tool, and its API calls, stop. */
  signal: AbortSignal;
}

/** `accepted`: only notifications or responses, nothing to answer (202). */
export type McpAnswer = { accepted: true } | { accepted: false; response: Response; close: () => Promise<void> };

export async function answerMcpPost(post: McpPost, client: EaselClientOptions): Promise<McpAnswer> {
  const messages = jsonRpcMessages(post.body);
  const version = protocolVersion(post.headers);
  // Stateless: a notification (initialized, cancelled) concerns no server that still exists.
  if (!messages.some(isJSONRPCRequest)) return { accepted: true };

  const server = createEaselMcpServer(client);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: !accepts(post.headers.accept, 'text/event-stream') });
  const close = () => server.close().catch(() => {});
  post.signal.addEventListener('abort', () => void close(), { once: true });
  await server.connect(transport);
  const headers: Record<string, string> = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
  if (version) headers[PROTOCOL_VERSION_HEADER] = version;
  const answered = transport.handleRequest(new Request(post.url, { method: 'POST', headers }), { parsedBody: post.body });
  // A JSON answer waits for the tool; a client gone meanwhile gets nothing (and is charged nothing more).
  const aborted = new Promise<never>((_, reject) => post.signal.addEventListener('abort', () => reject(apiErrors.clientClosedRequest()), { once: true }));
  return { accepted: false, response: await Promise.race([answered, aborted]), close };
}

/** The body as JSON-RPC messages (one, or a batch), or a 400 naming what is wrong. */
function jsonRpcMessages(body: unknown): JSONRPCMessage[] {
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  if (batch && (items.length === 0 || items.length > MAX_BATCH_SIZE)) {
    throw apiErrors.invalidRequest(`A JSON-RPC batch holds 1 to ${MAX_BATCH_SIZE} messages; this one has ${items.length}.`, null);
  }
  const messages = items.map((item, i) => {
    const parsed = JSONRPCMessageSchema.safeParse(item);
    if (parsed.success) return parsed.data;
    const field = [...(batch ? [`[${i}]`] : []), ...(parsed.error.issues[0]?.path ?? []).map(String)].join('.') || null;
    throw apiErrors.invalidRequest(`The body must be a JSON-RPC 2.0 message (jsonrpc "2.0", a method, an id for a request) or a batch of them${field ? `: ${field} is not valid` : ''}.`, field);
  });
  if (messages.length > 1 && messages.some(isInitializeRequest)) throw apiErrors.invalidRequest('An initialize request must be sent alone, not in a batch.', null);
  return messages;
}

function protocolVersion(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[PROTOCOL_VERSION_HEADER];
  if (value === undefined) return undefined;
  if (typeof value === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(value)) return value;
  throw apiErrors.invalidRequest(`Unsupported MCP-Protocol-Version ${JSON.stringify(value)}; this server speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}.`, 'MCP-Protocol-Version');
}

function accepts(accept: string | undefined, type: string): boolean {
  return (accept ?? '').split(',').some((part) => part.split(';')[0].trim().toLowerCase() === type);
}
