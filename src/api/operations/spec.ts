// How an HTTP operation is declared: one entry per method and path, next to the schemas it speaks,
// and /openapi.json is assembled from these entries alone (http/openapi.ts). A route Fastify serves
// without an entry here, or an entry without a route, fails test/http/openapi-complete.test.ts.

import { z } from 'zod';
import type { ErrorCode } from '../errors.ts';

export type JsonSchema = Record<string, unknown>;

/**
 * Named schemas become components (`#/components/schemas/<name>`) and every use of one, inside
 * another schema too, a `$ref`. Request bodies are described as the client writes them (zod's
 * input side: defaults optional, text before its transform), answers as the server writes them.
 */
export const requestSchemas = z.registry<{ id: string }>();
export const responseSchemas = z.registry<{ id: string }>();

/** Registers `schema` as the component `name` of an answer and returns it. */
export function answer<T extends z.ZodType>(name: string, schema: T): T {
  responseSchemas.add(schema, { id: name });
  return schema;
}

/** Registers `schema` as the component `name` of a request body and returns it. */
export function request<T extends z.ZodType>(name: string, schema: T): T {
  requestSchemas.add(schema, { id: name });
  return schema;
}

/**
 * An object of an answer: the fields listed are the ones Easel always (or, optional, sometimes)
 * sends; more may come (the TokenLab shapes carry extensions), so other fields are allowed.
 */
export const reply = z.looseObject;

export type Security = 'apiKey' | 'adminToken' | 'none';

/** An error code of the one table (api/errors.ts), or its URL-path variant (a 404 of its own type). */
export type ErrorRef = ErrorCode | { code: ErrorCode; inPath: true };

export function inPath(code: ErrorCode): ErrorRef {
  return { code, inPath: true };
}

export interface ParamSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  description?: string;
  /** Path parameters are always required. */
  required?: boolean;
  schema: z.ZodType | JsonSchema;
}

export interface ResponseSpec {
  description: string;
  /** The JSON body. A named schema (answer()) is referenced, any other converted in place. */
  json?: z.ZodType;
  /** Other media types, each with its schema ({} when any bytes of that type). */
  content?: Record<string, JsonSchema>;
  /** Response headers worth knowing, name → description. */
  headers?: Record<string, string>;
}

export interface OperationSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The OpenAPI path template (`/v1/models/{model}`); Fastify's `:param` names may differ. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  security: Security;
  params?: ParamSpec[];
  /** What the body may be; `optional` when the operation reads none but a client may send one. */
  body?: { description?: string; json?: z.ZodType; multipart?: z.ZodType | JsonSchema; optional?: true };
  /** The answers that are not errors, by status. */
  responses: Record<number, ResponseSpec>;
  /**
   * The error codes this operation raises itself. Those every operation of its kind can answer
   * (a malformed request, a server error; with a body, its size and type; behind a key, the key,
   * the rate limit and the database) are added by http/openapi.ts.
   */
  errors?: ErrorRef[];
}

/** On every create (images, file uploads): a retry with the same key and request gets the first answer (README "Idempotent retries"). */
export const idempotencyKeyHeader: ParamSpec = {
  name: 'Idempotency-Key',
  in: 'header',
  description:
    'A key of your choice (a UUID v4; at most 255 printable ASCII characters), quoted ("...") as the IETF draft has it or bare: the same key and request from this account within 24 h answer as the first did (`Idempotent-Replayed: true`), with no second call or charge; the key with another request is a 422.',
  schema: { type: 'string', minLength: 1, maxLength: 257 },
};

/** The answer header of a replay under an Idempotency-Key. */
export const IDEMPOTENT_REPLAYED_HEADER = { 'Idempotent-Replayed': 'true when this is the answer of an earlier request with the same Idempotency-Key' };

export function pathParam(name: string, description: string): ParamSpec {
  return { name, in: 'path', description, schema: { type: 'string' } };
}

export function queryParam(name: string, schema: z.ZodType | JsonSchema, description: string): ParamSpec {
  return { name, in: 'query', description, schema };
}

/** Unix seconds. */
export const unixSeconds = z.int().describe('Unix seconds');

/** A decimal USD amount as a string ("12.50"): money is never a float in Easel. */
export const usdString = z.string().describe('USD as a decimal string, e.g. "12.50"');
