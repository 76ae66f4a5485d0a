// What a request may look like before any route reads it: each query parameter once, and no body on
// a DELETE. Routes then see plain strings and never an array they did not ask for.

import type { FastifyInstance } from 'fastify';
import { apiErrors } from '../api/errors.ts';

export function installRequestShape(app: FastifyInstance, bodyLimit: number): void {
  app.addHook('onRequest', async (request) => {
    // `?after=a&after=b` parses to an array; no Easel parameter takes a list, so say which one is doubled.
    for (const [name, value] of Object.entries(request.query as Record<string, unknown>)) {
      if (Array.isArray(value)) throw apiErrors.invalidRequest(`The query parameter '${name}' was given more than once; send it once.`, name);
    }
    // A DELETE means the same with or without a body (RFC 9110 §9.3.5): its content type, whatever
    // it is, must not turn it into a 415.
    if (request.method === 'DELETE') delete request.raw.headers['content-type'];
  });

  // Bodies of a type no parser takes (and bodies without a type) land here: a DELETE's is read and
  // dropped within the JSON limit, anything else is a 415.
  app.addContentTypeParser('*', (request, payload, done) => {
    if (request.method !== 'DELETE') return done(apiErrors.unsupportedMediaType('application/json'), undefined);
    let received = 0;
    let settled = false;
    const settle = (err: Error | null) => {
      if (!settled) done(err, undefined);
      settled = true;
    };
    payload.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > bodyLimit) settle(apiErrors.payloadTooLarge());
    });
    payload.on('error', settle);
    payload.on('end', () => settle(null));
  });
}
