// Every error leaves as the envelope {"error":{message,type,code,param}}: ours as they are, Fastify's
// own (bad JSON, body too large, wrong content type) translated, anything unexpected as a bare 500
// whose details go to the log only.

import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, apiErrors } from '../api/errors.ts';
import { isDatabaseUnavailable } from '../storage/db/unavailable.ts';

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError | Error, request, reply) => {
    const apiError = toApiError(err);
    if (apiError.status === 499) {
      // Nobody reads this answer; the log line is the record that the client left first.
      request.log.info({ code: apiError.code, status: 499 }, 'The client closed the request before its answer; nothing was charged');
    } else if (apiError.code === 'database_unavailable') {
      request.log.warn({ code: apiError.code, err: { code: (err as { code?: string }).code, message: err.message } }, 'database unavailable');
    } else if (apiError.status >= 500 && !(err instanceof ApiError)) {
      request.log.error({ err }, 'unhandled error');
    } else if (apiError.status >= 500) {
      request.log.warn({ code: apiError.code, status: apiError.status }, apiError.message);
    }
    if (!request.raw.complete) lingerOverUnreadBody(request.raw, reply);
    reply.status(apiError.status).headers(apiError.headers).send(apiError.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    const e = apiErrors.routeNotFound(request.method, request.url);
    reply.status(e.status).send(e.toBody());
  });
}

/**
 * The router's own refusals, before any route or hook runs (Fastify's `frameworkErrors`): a path
 * that is not valid percent-encoding, a path parameter past the router's length limit.
 */
export function answerFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const apiError =
    err.code === 'FST_ERR_BAD_URL'
      ? apiErrors.invalidRequestFromFramework('The request path is not valid percent-encoded UTF-8.', 400)
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? apiErrors.invalidRequestFromFramework('A path parameter is longer than the server accepts.', 414)
        : toApiError(err);
  reply.status(apiError.status).header('x-request-id', request.id).send(apiError.toBody());
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (Fastify's `clientErrorHandler`): a
 * head over the header limit (431), a client too slow to send its head (408), bytes that are not
 * HTTP (400). The answer is written to the socket by hand, in the envelope, and the connection closed.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are larger than the server accepts.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time.']
        : [400, 'The request is not valid HTTP.'];
  const body = JSON.stringify(apiErrors.invalidRequestFromFramework(message, status).toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * How much of an unread upload is read and thrown away after an error answer (a 413 over the limit,
 * a 400 or 415 on a bad multipart part), so that a client still sending (Node's fetch, the official
 * SDKs) reads the answer instead of a reset connection. Past it, the connection is cut: nobody may
 * make Easel swallow an endless upload.
 */
export const LINGER_MAX_BYTES = 64 * 1024 * 1024;

/** Lingering close: the answer goes out with `connection: close`, the rest of the body drains, up to a bound. */
function lingerOverUnreadBody(raw: IncomingMessage, reply: FastifyReply): void {
  reply.header('connection', 'close');
  let discarded = 0;
  raw.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_BYTES) raw.socket?.destroy();
  });
  raw.resume();
}

function toApiError(err: FastifyError | ApiError | Error): ApiError {
  if (err instanceof ApiError) return err;
  if (isDatabaseUnavailable(err)) return apiErrors.databaseUnavailable();
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return apiErrors.payloadTooLarge('The request body is larger than this endpoint accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return apiErrors.unsupportedMediaType('application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return apiErrors.invalidJson('The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return apiErrors.invalidRequestFromFramework('Content-Length does not match the body.', 400);
  }
  if (err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return apiErrors.invalidJson('The request body is not valid JSON.');
  }
  const status = fe.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own 4xx messages are safe and useful (e.g. malformed headers).
    return apiErrors.invalidRequestFromFramework(fe.message, status);
  }
  return apiErrors.serverError();
}
