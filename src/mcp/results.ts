// What a tool hands back: the API's answer as JSON text (and as structured content, for clients that
// read it), thumbnails after it; a failure as an isError result carrying the API's message, code and
// param, so the agent can fix the field named and try again.

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { EaselApiError } from './client.ts';
import type { ImageContent } from './thumbnails.ts';

export function answerResult(body: Record<string, unknown>, images: ImageContent[] = [], note?: string): CallToolResult {
  return {
    content: [...(note ? [{ type: 'text' as const, text: note }] : []), { type: 'text', text: JSON.stringify(body) }, ...images],
    structuredContent: body,
  };
}

/** The API's error as a tool error; anything else (a bug, an abort) as its message. */
export function errorResult(err: unknown): CallToolResult {
  if (!(err instanceof EaselApiError)) return { isError: true, content: [{ type: 'text', text: (err as Error).message ?? String(err) }] };
  const envelopeError = (err.envelope.error ?? {}) as Record<string, unknown>;
  const structured = { ...err.envelope, error: { ...envelopeError, message: err.message, code: err.code, param: err.param }, status: err.status };
  const where = [err.code, err.param && `param ${err.param}`].filter(Boolean).join(', ');
  return {
    isError: true,
    content: [
      { type: 'text', text: err.status === 0 ? err.message : `Easel answered HTTP ${err.status}${where ? ` (${where})` : ''}: ${err.message}` },
      { type: 'text', text: JSON.stringify(structured) },
    ],
    structuredContent: structured,
  };
}

/** A failed task as a tool error: its own code and message (the task failed; the request was fine). */
export function failedTaskResult(task: Record<string, unknown>): CallToolResult {
  const error = (task.error ?? {}) as { code?: string; message?: string };
  return {
    isError: true,
    content: [
      { type: 'text', text: `Task ${String(task.id)} failed${error.code ? ` (${error.code})` : ''}: ${error.message ?? 'no reason given'}` },
      { type: 'text', text: JSON.stringify(task) },
    ],
    structuredContent: { error: { message: error.message ?? null, code: error.code ?? null, param: null }, task },
  };
}
