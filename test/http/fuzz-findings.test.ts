// The fuzz suite's findings (issue 11, test/fuzz/openapi-fuzz.test.ts), each pinned by its smallest
// request: every one answered a 5xx, a body outside the error envelope, or a status /openapi.json
// did not list.

import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let openapi: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
beforeAll(async () => {
  server = await startTestServer();
  openapi = await (await fetch(`${server.url}/openapi.json`)).json();
});
afterAll(() => server.close());

async function expectEnvelope(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text);
  expect(body.error).toMatchObject({ code, type: 'invalid_request_error' });
  expect(Object.keys(body.error)).toEqual(expect.arrayContaining(['message', 'type', 'code', 'param']));
  return body.error;
}

/** Sends raw bytes and reads the whole answer (the server closes the connection after it). */
function rawExchange(request: string): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

it.each([
  ['/v1/files?after=a&after=b', 'after'],
  ['/v1/files?limit=1&limit=2', 'limit'],
  ['/v1/models?provider=a&provider=b', 'provider'],
  ['/v1/pricing?provider=a&provider=b', 'provider'],
  ['/v1/usage?start_date=2026-01-01&start_date=2026-01-02', 'start_date'],
])('a query parameter sent twice is a 400 naming it, not a 500: %s', async (path, param) => {
  const error = await expectEnvelope(await server.call(path), 400, 'invalid_value');
  expect(error.param).toBe(param);
  expect(error.message).toContain('more than once');
});

it('a body nested 10,000 levels deep is a 400, not a 500', async () => {
  for (const [field, deep] of ['operation', 'prompt', 'size', 'n'].flatMap((f) => [
    [f, '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)],
    [f, '['.repeat(10_000) + ']'.repeat(10_000)],
  ])) {
    const body = `{"model":"nano-banana","prompt":"x","${field}":${deep}}`;
    const res = await server.call('/v1/images/generations', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-easel-dry-run': '1' } });
    expect(res.status, field).toBe(400);
    expect((await res.json()).error.type).toBe('invalid_request_error');
  }
});

it.each(['/v1/tasks/%zz', '/v1/tasks/%', '/v1/tasks/%C0%AF', '/v1/files/%E0%A4%A'])('a malformed percent-encoding is a 400 in the envelope: %s', async (path) => {
  await expectEnvelope(await server.call(path), 400, 'invalid_request');
});

it('a path parameter past the router limit is a 414 in the envelope, and the document lists 414', async () => {
  await expectEnvelope(await server.call(`/v1/tasks/${'t'.repeat(200)}`), 414, 'invalid_request');
  expect(openapi.paths['/v1/tasks/{id}'].get.responses).toHaveProperty('414');
});

it('a request head over the header limit is a 431 in the envelope, listed for every operation', async () => {
  const answer = await rawExchange(`GET /v1/models HTTP/1.1\r\nhost: x\r\nx-padding: ${'p'.repeat(20_000)}\r\n\r\n`);
  const [head, body] = answer.split('\r\n\r\n');
  expect(head).toMatch(/^HTTP\/1\.1 431 /);
  expect(head.toLowerCase()).toContain('content-type: application/json');
  expect(JSON.parse(body).error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error', param: null });
  for (const methods of Object.values(openapi.paths)) for (const op of Object.values(methods)) expect(op.responses).toHaveProperty('431');
});

it('a malformed request line is a 400 in the envelope', async () => {
  const answer = await rawExchange('GET /v1/models HTTP/1.1\r\nhost x\r\n\r\n');
  expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  expect(JSON.parse(answer.split('\r\n\r\n')[1]).error.code).toBe('invalid_request');
});

it.each(['/v1/tasks/task_nope', '/v1/files/file_nope'])('DELETE %s with a body is answered as without one (no 415)', async (path) => {
  for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/json' }, { 'content-type': 'application/x-www-form-urlencoded' }]) {
    const res = await server.call(path, { method: 'DELETE', body: 'junk', headers });
    expect(res.status, JSON.stringify(headers)).toBe(404);
  }
});
