// A body over the limit must reach Node's fetch (and so the official Node SDK) as a 413, not as a reset
// connection: Easel reads and discards the rest of the upload, up to a bound, before closing.

import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINGER_MAX_BYTES } from '../../src/http/errors.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const LIMIT = 1024 * 1024;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { limits: { json_body_bytes: LIMIT, multipart_body_bytes: LIMIT } } });
});
afterAll(() => server.close());

const big = (bytes: number) => 'x'.repeat(bytes);

function multipart(bytes: number): FormData {
  const form = new FormData();
  form.append('model', 'gpt-image-2');
  form.append('prompt', 'p');
  form.append('image', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'a.png');
  return form;
}

describe('oversized bodies answer 413 to fetch clients', () => {
  it.each([
    ['JSON generations, 50× the limit', '/v1/images/generations', () => ({ json: { model: 'gpt-image-2', prompt: big(50 * LIMIT) } })],
    ['multipart edits, 50× the limit', '/v1/images/edits', () => ({ body: multipart(50 * LIMIT) })],
    ['file upload, 50× the limit', '/v1/files', () => {
      const form = new FormData();
      form.append('purpose', 'user_data');
      form.append('model', 'gpt-image-2');
      form.append('file', new Blob([new Uint8Array(50 * LIMIT)], { type: 'image/png' }), 'a.png');
      return { body: form };
    }],
  ])('%s', async (_label, path, init) => {
    const res = await server.call(path, { method: 'POST', ...init() });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatchObject({ code: 'payload_too_large', type: 'invalid_request_error' });
  });
});

describe('the drain is bounded', () => {
  it(`cuts the connection once ${LINGER_MAX_BYTES / (1024 * 1024)} MiB past the 413 have been thrown away`, async () => {
    // A raw client that keeps writing: it must see the 413 first, then the server hang up long before the end.
    const total = LINGER_MAX_BYTES * 4;
    const url = new URL(`${server.url}/v1/images/generations`);
    const outcome = await new Promise<{ status?: number; sent: number; closed: boolean }>((resolve) => {
      let sent = 0;
      let status: number | undefined;
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(total), authorization: `Bearer ${server.apiKey}` } });
      req.on('response', (res) => {
        status = res.statusCode;
        res.resume();
      });
      req.on('error', () => resolve({ status, sent, closed: true }));
      req.on('close', () => resolve({ status, sent, closed: sent < total }));
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(outcome.status).toBe(413);
    expect(outcome.closed).toBe(true);
    expect(outcome.sent).toBeLessThan(total);
  });
});
