// /mcp: the Model Context Protocol's Streamable HTTP transport (stateless), as http/routes/mcp.ts
// and mcp/http.ts serve it. The messages are JSON-RPC 2.0; their methods and the tools' arguments are
// the MCP specification's and the tools' own (tools/list describes them), so the bodies are declared
// as JSON-RPC, no further.

import { z } from 'zod';
import { answer, type OperationSpec, reply, request } from './spec.ts';

const id = z.union([z.string(), z.int()]);

const jsonRpcMessage = reply({
  jsonrpc: z.literal('2.0'),
  id: id.optional().describe('Present on a request (and its response); absent on a notification'),
  method: z.string().optional().describe('initialize, tools/list, tools/call, ping, notifications/...'),
  params: reply({}).optional(),
  result: reply({}).optional(),
  error: reply({ code: z.int(), message: z.string() }).optional(),
}).describe('A JSON-RPC 2.0 request, notification or response');

const mcpRequest = request('McpRequest', z.union([jsonRpcMessage, z.array(jsonRpcMessage).min(1)]).describe('One JSON-RPC message, or a batch of them'));

const jsonRpcAnswer = reply({
  jsonrpc: z.literal('2.0'),
  id: id.nullable(),
  result: reply({}).optional().describe('tools/call: {content: [text, image…], structuredContent, isError}'),
  error: reply({ code: z.int(), message: z.string() }).optional(),
});

const mcpAnswer = answer('McpResponse', z.union([jsonRpcAnswer, z.array(jsonRpcAnswer)]).describe("The requests' responses"));

const STATELESS = '/mcp keeps no sessions: every POST is answered on its own, by any replica.';

export const mcpOperations: OperationSpec[] = [
  {
    method: 'post',
    path: '/mcp',
    operationId: 'mcp',
    summary: "Easel's MCP tools for coding agents (Streamable HTTP)",
    description:
      `JSON-RPC messages of the Model Context Protocol. The tools (list_models, get_model_contract, quote_image, generate_image, edit_image, get_task) call this API with the caller's key, so they are authorized, limited and billed as direct calls. ${STATELESS} ` +
      'The answer is JSON, or an event stream (progress notifications, then the result) when Accept lists text/event-stream.',
    tag: 'mcp',
    security: 'apiKey',
    params: [{ name: 'MCP-Protocol-Version', in: 'header', description: 'The version negotiated at initialize', schema: { type: 'string' } }],
    body: { json: mcpRequest },
    responses: {
      200: { description: 'The responses to the requests sent', json: mcpAnswer, content: { 'text/event-stream': { type: 'string', description: 'Server-sent events, each `event: message` with one JSON-RPC message' } } },
      202: { description: 'Only notifications or responses were sent: accepted, nothing to answer', content: { 'text/plain': { type: 'string', maxLength: 0 } } },
    },
    errors: ['invalid_value'],
  },
  ...(['get', 'delete'] as const).map(
    (method): OperationSpec => ({
      method,
      path: '/mcp',
      operationId: method === 'get' ? 'mcpEventStream' : 'mcpEndSession',
      summary: method === 'get' ? 'No standing event stream: POST instead' : 'No session to end: POST instead',
      description: `${STATELESS} Always 405, with \`Allow: POST\`.`,
      tag: 'mcp',
      security: 'none',
      responses: {},
      errors: ['method_not_allowed'],
    }),
  ),
];
