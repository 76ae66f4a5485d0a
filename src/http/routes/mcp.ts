// /mcp: Easel's MCP tools over Streamable HTTP (stateless), behind the API key like /v1. The key is
// checked here (401 and 429 in the API's envelope, before any MCP), and the tools then call this
// server's own HTTP API on the address the client reached, with the same key: auth, limits and
// billing are those of a direct call. GET (a standing event stream) and DELETE (ending a session)
// mean nothing without sessions: 405, as the MCP transport specification has it.

import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import type { AppDeps } from '../app.ts';
import { abortSignalOf } from '../abort.ts';

export function mcpRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'limits' | 'publicUrl'>): void {
  // A tool call may carry images as data: URLs for edit_image, as a JSON edit may.
  app.post('/mcp', { bodyLimit: deps.limits.multipart_body_bytes }, async (request, reply) => {
    await deps.auth.caller(request);
    // Loaded on the first MCP request, so a server that is never asked does not load the SDK.
    const { answerMcpPost } = await import('../../mcp/http.ts');
    const client = { baseUrl: ownAddress(app, request), apiKey: apiKeyOf(request), ownBases: [deps.publicUrl()] };
    const post = { url: `${client.baseUrl}/mcp`, headers: request.headers, body: request.body, signal: abortSignalOf(reply) };
    const answer = await answerMcpPost(post, client);
    if (answer.accepted) return reply.status(202).type('text/plain').send('');
    reply.raw.once('close', () => void answer.close());
    return reply.send(answer.response);
  });
  const notAllowed = async () => {
    throw apiErrors.methodNotAllowed('POST', '/mcp keeps no sessions, so it has no event stream to GET and no session to DELETE: POST JSON-RPC messages to it.');
  };
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
}

/** The key the caller was just authenticated with (auth.caller accepted `Bearer <key>`). */
function apiKeyOf(request: FastifyRequest): string {
  return String(request.headers.authorization).trim().replace(/^Bearer\s+/i, '');
}

/** Where this server answers: the socket's own end (a 0.0.0.0 bind included), else the listener. */
function ownAddress(app: FastifyInstance, request: FastifyRequest): string {
  const { localAddress, localPort } = request.raw.socket;
  const address = localAddress && localPort ? { address: localAddress, port: localPort } : (app.server.address() as AddressInfo);
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
