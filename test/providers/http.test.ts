// callUpstream (src/providers/http.ts), the whole-answer call every adapter's JSON request goes
// through, against a plain local HTTP server: a success body whole, with its headers; an error
// answer read and classified (the adapter's classify first, then the status rules and Retry-After);
// bodies past the limits, a connection cut mid-body, and an abort before or during the call each
// an UpstreamError of the right kind, never a hang or a raw undici error.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUpstream } from '../../src/providers/http.ts';
import { UpstreamError } from '../../src/providers/types.ts';

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const routes: Record<string, Route> = {
  '/echo': (req, res, body) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    res.end(JSON.stringify({ method: req.method, url: req.url, key: req.headers['x-key'], type: req.headers['content-type'], body }));
  },
  '/chunked': (_req, res) => {
    res.write('{"parts":[');
    setTimeout(() => res.end('1,2,3]}'), 20);
  },
  '/empty': (_req, res) => {
    res.statusCode = 204;
    res.end();
  },
  '/limited': (_req, res) => {
    res.statusCode = 429;
    res.setHeader('retry-after', '7');
    res.end(JSON.stringify({ error: { message: 'slow down, key sk-abcdefghijklmnop' } }));
  },
  '/teapot': (_req, res) => {
    res.statusCode = 418;
    res.end('{"detail":"short and stout"}');
  },
  '/huge-error': (_req, res) => {
    res.statusCode = 500;
    res.end('x'.repeat(100 * 1024));
  },
  '/cut': (req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('{"partial":');
    setTimeout(() => req.socket.destroy(), 20);
  },
  '/slow': (_req, res) => {
    setTimeout(() => res.end('{}'), 2_000);
  },
};

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => routes[new URL(req.url!, 'http://x').pathname]!(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const signal = () => new AbortController().signal;

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

describe('callUpstream', () => {
  it('sends JSON with its headers and query, and answers the whole body with the response headers', async () => {
    const res = await callUpstream({ url: `${base}/echo?id=a%20b`, headers: { 'x-key': 'k1' }, json: { prompt: 'cat' }, signal: signal() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(JSON.parse(res.body.toString())).toEqual({ method: 'POST', url: '/echo?id=a%20b', key: 'k1', type: 'application/json', body: '{"prompt":"cat"}' });
  });

  it('uses GET without a body, gathers a body sent in pieces, and answers an empty body as empty', async () => {
    const got = await callUpstream({ url: `${base}/echo`, signal: signal() });
    expect(JSON.parse(got.body.toString())).toMatchObject({ method: 'GET', body: '' });
    expect(JSON.parse((await callUpstream({ url: `${base}/chunked`, signal: signal() })).body.toString())).toEqual({ parts: [1, 2, 3] });
    const empty = await callUpstream({ url: `${base}/empty`, signal: signal() });
    expect([empty.status, empty.body.length]).toEqual([204, 0]);
  });

  it('reads an error answer into an UpstreamError: status rules, Retry-After, a scrubbed message', async () => {
    const limited = await failure(callUpstream({ url: `${base}/limited`, signal: signal() }));
    expect([limited.kind, limited.upstreamStatus, limited.retryAfterMs]).toEqual(['rate_limited', 429, 7_000]);
    expect(limited.message).toBe('slow down, [redacted]');
    const teapot = await failure(callUpstream({ url: `${base}/teapot`, signal: signal() }));
    expect([teapot.kind, teapot.message]).toEqual(['bad_request', 'short and stout']);
  });

  it("lets the adapter's classify read the error first, with the body and headers", async () => {
    const seen: unknown[] = [];
    const classify = (status: number, body: string, headers: Headers) => {
      seen.push([status, body, headers.get('retry-after')]);
      return new UpstreamError('moderated', 'theirs');
    };
    const err = await failure(callUpstream({ url: `${base}/limited`, signal: signal(), classify }));
    expect([err.kind, err.message]).toEqual(['moderated', 'theirs']);
    expect(seen).toEqual([[429, '{"error":{"message":"slow down, key sk-abcdefghijklmnop"}}', '7']]);
  });

  it('turns an error body past its limit, and a connection cut mid-body, into upstream faults', async () => {
    const huge = await failure(callUpstream({ url: `${base}/huge-error`, signal: signal() }));
    expect([huge.kind, huge.message]).toEqual(['upstream_fault', 'the upstream answer is larger than Easel accepts']);
    const cut = await failure(callUpstream({ url: `${base}/cut`, signal: signal() }));
    expect(cut.kind).toBe('upstream_fault');
    expect(cut.message).toMatch(/^the upstream connection failed/);
  });

  it('answers an abort, before the call or while it waits, as a timeout at once', async () => {
    const aborted = new AbortController();
    aborted.abort(new Error('gone'));
    expect((await failure(callUpstream({ url: `${base}/slow`, signal: aborted.signal }))).kind).toBe('timeout');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('deadline')), 50);
    const started = Date.now();
    const err = await failure(callUpstream({ url: `${base}/slow`, signal: controller.signal }));
    expect(err.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('answers a connection refused, and a malformed URL, as upstream faults', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await failure(callUpstream({ url: `http://127.0.0.1:${port}/x`, signal: signal() }));
    expect([refused.kind, refused.message]).toEqual(['upstream_fault', 'the upstream connection failed (ECONNREFUSED)']);
    expect((await failure(callUpstream({ url: 'not a url', signal: signal() }))).kind).toBe('upstream_fault');
  });
});
