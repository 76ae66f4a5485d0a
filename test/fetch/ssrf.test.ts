// The client URL fetcher: every non-public target refused before any connection is opened to it,
// redirects re-checked, DNS asked once with the connection pinned to the checked answer, and the
// size, type and time limits at their edges.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.ts';
import {
  CLIENT_FETCH_TIMEOUT_MS,
  ClientImageFetcher,
  FetchBudget,
  MAX_CLIENT_FETCH_BYTES_PER_REQUEST,
  MAX_CLIENT_IMAGE_BYTES,
  fetchClientImage,
  type FetchClientImageOptions,
  type ResolvedAddress,
} from '../../src/fetch/guard.ts';
import { pngOfSize, tinyPng } from '../helpers/png.ts';

// The trap: what a refused URL would reach if the guard let it through. It serves a real PNG, so a
// guard failure would show up as a successful fetch as well as a connection.
let trap: Server;
let trap6: Server | undefined;
let trapPort: number;
let trapConnections = 0;

// The honest server for the cases that must work (reached with allowPrivate or a trusted name).
let images: Server;
let imagesPort: number;
const hostHeaders: string[] = [];

let png: Buffer;
const sized = new Map<number, Buffer>();

async function listen(server: Server, host: string, port = 0): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function serveImages(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  hostHeaders.push(String(req.headers.host));
  const path = url.pathname;
  if (path === '/ok.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(png);
  if (path === '/redirect') return void res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/' }).end();
  if (path === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
  if (path === '/text') return void res.writeHead(200, { 'content-type': 'image/png' }).end('this is not an image');
  if (path === '/broken.png') return void res.writeHead(200).end(Buffer.concat([png.subarray(0, 8), Buffer.from('garbage garbage garbage')]));
  if (path === '/missing.png') return void res.writeHead(404).end('no');
  if (path === '/hang') return; // never answers
  const size = /^\/(sized|chunked)\/(\d+)$/.exec(path);
  if (size) {
    const n = Number(size[2]);
    if (!sized.has(n)) sized.set(n, await pngOfSize(n));
    const body = sized.get(n)!;
    if (size[1] === 'sized') return void res.writeHead(200, { 'content-length': body.length }).end(body);
    // No Content-Length: the limit must be enforced while reading, in 1 MiB writes.
    res.writeHead(200, { 'content-type': 'image/png' });
    for (let at = 0; at < body.length; at += 1024 * 1024) {
      if (!res.write(body.subarray(at, at + 1024 * 1024))) await once(res, 'drain');
    }
    return void res.end();
  }
  res.writeHead(404).end();
}

beforeAll(async () => {
  png = await tinyPng(5, 3);
  trap = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
  trap.on('connection', () => trapConnections++);
  trapPort = await listen(trap, '127.0.0.1');
  // The same port on ::1 too when the host has IPv6 loopback, so [::1] cases would also be caught.
  try {
    trap6 = createServer((_req, res) => res.writeHead(200).end(png));
    trap6.on('connection', () => trapConnections++);
    await listen(trap6, '::1', trapPort);
  } catch {
    trap6 = undefined;
  }
  images = createServer((req, res) => void serveImages(req, res));
  imagesPort = await listen(images, '127.0.0.1');
});

afterAll(async () => {
  for (const s of [trap, trap6, images]) {
    if (!s) continue;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** The resolver the guard is given: names we control, every call recorded. */
const lookups: string[] = [];
const names: Record<string, ResolvedAddress[]> = {
  'localtest.example': [{ address: '127.0.0.1', family: 4 }],
  'metadata.example': [{ address: '169.254.169.254', family: 4 }],
  'mixed.example': [
    { address: '93.184.215.14', family: 4 },
    { address: '10.1.2.3', family: 4 },
  ],
  'v6-loopback.example': [{ address: '::1', family: 6 }],
  'mapped.example': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'nat64.example': [{ address: '64:ff9b::7f00:1', family: 6 }],
  'cdn.example.test': [{ address: '127.0.0.1', family: 4 }],
  'pinned.example': [{ address: '127.0.0.1', family: 4 }],
};
async function resolve(hostname: string): Promise<ResolvedAddress[]> {
  lookups.push(hostname);
  const found = names[hostname];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return found;
}

beforeEach(() => {
  lookups.length = 0;
});

const field = 'image_urls[1]';
const get = (url: string, opts: Partial<FetchClientImageOptions> = {}) => fetchClientImage(url, { field, resolve, ...opts });

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the fetch to be refused');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('SSRF: refused before any connection', () => {
  // `P` is replaced by the trap's port, so a URL that got through would land on the trap.
  const cases: Array<[string, string]> = [
    ['loopback', 'http://127.0.0.1:P/x.png'],
    ['localhost', 'http://localhost:P/x.png'],
    ['localhost with a trailing dot', 'http://localhost.:P/x.png'],
    ['a .localhost name', 'http://app.localhost:P/x.png'],
    ['IPv6 loopback', 'http://[::1]:P/x.png'],
    ['10/8', 'http://10.0.0.1:P/x.png'],
    ['172.16/12', 'http://172.16.0.1:P/x.png'],
    ['192.168/16', 'http://192.168.1.1:P/x.png'],
    ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data/'],
    ['CGNAT 100.64/10', 'http://100.64.0.1:P/x.png'],
    ['unspecified 0.0.0.0', 'http://0.0.0.0:P/x.png'],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]:P/x.png'],
    ['decimal IPv4', 'http://2130706433:P/x.png'],
    ['hex IPv4', 'http://0x7f000001:P/x.png'],
    ['short IPv4', 'http://127.1:P/x.png'],
    ['octal IPv4', 'http://0177.0.0.1:P/x.png'],
    ['unspecified IPv6', 'http://[::]:P/x.png'],
    ['IPv6 link-local', 'http://[fe80::1]:P/x.png'],
    ['IPv6 unique-local', 'http://[fd00::1]:P/x.png'],
    ['NAT64 of loopback', 'http://[64:ff9b::7f00:1]:P/x.png'],
    ['multicast', 'http://224.0.0.1:P/x.png'],
    ['broadcast', 'http://255.255.255.255:P/x.png'],
    ['documentation range', 'http://192.0.2.10:P/x.png'],
    ['benchmark range', 'http://198.18.0.1:P/x.png'],
    ['a name that resolves to loopback', 'http://localtest.example:P/x.png'],
    ['a name that resolves to link-local', 'http://metadata.example/x.png'],
    ['a name with one private address among public ones', 'http://mixed.example:P/x.png'],
    ['a name that resolves to IPv6 loopback', 'http://v6-loopback.example:P/x.png'],
    ['a name that resolves to IPv4-mapped loopback', 'http://mapped.example:P/x.png'],
    ['a name that resolves to NAT64 loopback', 'http://nat64.example:P/x.png'],
    ['file://', 'file:///etc/passwd'],
    ['ftp://', 'ftp://127.0.0.1:P/x.png'],
    ['credentials', 'http://user:pass@127.0.0.1:P/x.png'],
    ['credentials on a public name', 'http://user:pass@images.example.com/x.png'],
    ['a fragment', 'http://images.example.com/x.png#top'],
    ['an empty fragment', 'http://localtest.example:P/x.png#'],
    ['not a URL', 'not a url'],
  ];

  it.each(cases)('%s: %s', async (_name, template) => {
    const err = await refusal(get(template.replaceAll('P', String(trapPort))));
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_image_url');
    expect(err.param).toBe(field);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
    expect(trapConnections).toBe(0);
  });

  it('refuses URL shape problems before asking DNS', async () => {
    for (const url of ['http://user:pass@images.example.com/x.png', 'http://images.example.com/x.png#top', 'ftp://images.example.com/x.png']) {
      await refusal(get(url));
    }
    expect(lookups).toEqual([]);
  });

  it('does not echo the private address a name resolves to', async () => {
    const err = await refusal(get(`http://localtest.example:${trapPort}/x.png`));
    expect(err.message).toMatch(/localtest\.example resolves to a loopback address/);
    expect(err.message).not.toContain('127.0.0.1');
  });

  describe('a public-looking URL that redirects to a private address', () => {
    // cdn.example.test stands for a public host: it is trusted (its own address is not checked) and
    // resolves to the honest test server, which answers with a redirect. Only that first hop is
    // trusted; every redirect target is checked like a client URL.
    const viaCdn = (to: string, status: number) =>
      get(`http://cdn.example.test:${imagesPort}/redirect?status=${status}&to=${encodeURIComponent(to.replaceAll('P', String(trapPort)))}`, {
        trustedHosts: ['cdn.example.test'],
      });

    const targets: Array<[string, string, string]> = [
      ['loopback literal', 'http://127.0.0.1:P/x.png', 'invalid_image_url'],
      ['private range 10/8', 'http://10.0.0.7:P/x.png', 'invalid_image_url'],
      ['private range 192.168/16', 'http://192.168.1.1/x.png', 'invalid_image_url'],
      ['unspecified 0.0.0.0', 'http://0.0.0.0:P/x.png', 'invalid_image_url'],
      ['IPv6 loopback', 'http://[::1]:P/x.png', 'invalid_image_url'],
      ['another scheme (ftp)', 'ftp://127.0.0.1:P/x.png', 'invalid_image_url'],
      ['another scheme (gopher)', 'gopher://127.0.0.1:P/_x', 'invalid_image_url'],
      ['decimal loopback', 'http://2130706433:P/x.png', 'invalid_image_url'],
      ['IPv4-mapped loopback', 'http://[::ffff:7f00:1]:P/x.png', 'invalid_image_url'],
      ['a name resolving to loopback', 'http://localtest.example:P/x.png', 'invalid_image_url'],
      ['localhost', 'http://localhost:P/x.png', 'invalid_image_url'],
      ['cloud metadata', 'http://169.254.169.254/latest/meta-data/', 'invalid_image_url'],
      ['file://', 'file:///etc/passwd', 'invalid_image_url'],
      ['credentials', 'http://user:pass@127.0.0.1:P/x.png', 'invalid_image_url'],
    ];
    const cases = [301, 302, 307, 308].flatMap((status) => targets.map(([name, target, code]) => [`${status} to ${name}`, target, code, status] as const));

    it.each(cases)('%s', async (_name, target, code, status) => {
      const served = hostHeaders.length;
      const err = await refusal(viaCdn(target, status));
      expect(err.status).toBe(400);
      expect(err.code).toBe(code);
      expect(err.param).toBe(field);
      expect(hostHeaders.length).toBe(served + 1); // the redirect itself was fetched
      expect(trapConnections).toBe(0);
    });

    it('follows the same redirect when the target is allowed (the arrangement is honest)', async () => {
      const image = await get(`http://cdn.example.test:${imagesPort}/redirect?to=${encodeURIComponent(`http://cdn.example.test:${imagesPort}/ok.png`)}`, {
        trustedHosts: ['cdn.example.test'],
      });
      expect(image).toMatchObject({ mime: 'image/png', width: 5, height: 3 });
    });
  });

  it('saw no connection at all on the private target', () => {
    expect(trapConnections).toBe(0);
  });
});

describe('allowed fetches', () => {
  it('allowPrivate lets a 127.0.0.1 URL through, with the type and dimensions read', async () => {
    const image = await get(`http://127.0.0.1:${imagesPort}/ok.png`, { allowPrivate: true });
    expect(image.mime).toBe('image/png');
    expect([image.width, image.height]).toEqual([5, 3]);
    expect(image.bytes.equals(png)).toBe(true);
  });

  it('allowPrivate with the system resolver (localhost)', async () => {
    const image = await fetchClientImage(`http://localhost:${imagesPort}/ok.png`, { field, allowPrivate: true });
    expect(image.width).toBe(5);
  });

  it('resolves a name once and connects to the pinned answer, keeping the host name', async () => {
    // A resolver that would answer differently the second time (DNS rebinding) is asked only once.
    let calls = 0;
    const rebinding = async (host: string): Promise<ResolvedAddress[]> => {
      calls++;
      return calls === 1 ? resolve(host) : [{ address: '10.9.9.9', family: 4 }];
    };
    const fetcher = new ClientImageFetcher({ resolve: rebinding, trustedHosts: ['pinned.example'] });
    try {
      const base = `http://pinned.example:${imagesPort}`;
      hostHeaders.length = 0;
      await fetcher.fetch(`${base}/ok.png`, { field: 'image_urls[0]' });
      await fetcher.fetch(`${base}/redirect?to=${encodeURIComponent('/ok.png')}`, { field: 'image_urls[1]' });
      await fetcher.fetch(`${base}/ok.png?again`, { field: 'image_urls[2]' });
      expect(calls).toBe(1);
      expect(new Set(hostHeaders)).toEqual(new Set([`pinned.example:${imagesPort}`]));
    } finally {
      await fetcher.close();
    }
  });
});

describe('limits', () => {
  const local = (path: string, opts: Partial<FetchClientImageOptions> = {}) => get(`http://127.0.0.1:${imagesPort}${path}`, { allowPrivate: true, ...opts });

  it.each(['sized', 'chunked'])('takes exactly maxBytes and refuses one byte more (%s)', async (mode) => {
    const ok = await local(`/${mode}/4096`, { maxBytes: 4096 });
    expect(ok.bytes.length).toBe(4096);
    const err = await refusal(local(`/${mode}/4097`, { maxBytes: 4096 }));
    expect(err.status).toBe(413);
    expect(err.code).toBe('payload_too_large');
    expect(err.param).toBe(field);
  });

  it('at the real 50 MiB limit, streamed without Content-Length', async () => {
    expect(MAX_CLIENT_IMAGE_BYTES).toBe(50 * 1024 * 1024);
    const ok = await local(`/chunked/${MAX_CLIENT_IMAGE_BYTES}`);
    expect(ok.bytes.length).toBe(MAX_CLIENT_IMAGE_BYTES);
    const err = await refusal(local(`/chunked/${MAX_CLIENT_IMAGE_BYTES + 1}`));
    expect(err.status).toBe(413);
    expect(err.message).toContain('50 MiB');
    sized.clear();
  });

  it('a per-request budget counts every fetched input together', async () => {
    const budget = new FetchBudget(10_000);
    await local('/sized/6000', { budget });
    expect(budget.usedBytes).toBe(6000);
    const err = await refusal(local('/chunked/6000', { budget, field: 'mask' }));
    expect(err.status).toBe(413);
    expect(err.param).toBe('mask');
    expect(err.message).toMatch(/together are larger than 10000 bytes/);
    expect(() => new FetchBudget(10).charge(11, 'image')).toThrow(ApiError);
  });

  it('the default budget is 200 MiB: exactly that is fine, one byte more is 413', () => {
    expect(MAX_CLIENT_FETCH_BYTES_PER_REQUEST).toBe(200 * 1024 * 1024);
    const budget = new FetchBudget();
    for (let i = 0; i < 4; i++) budget.charge(MAX_CLIENT_IMAGE_BYTES, `image_urls[${i}]`);
    expect(budget.remainingBytes).toBe(0);
    let err: unknown;
    try {
      budget.charge(1, 'mask');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(413);
    expect((err as ApiError).param).toBe('mask');
    expect((err as ApiError).message).toMatch(/200 MiB \(the mask included\)/);
  });

  it('refuses a body that is not an image, whatever its Content-Type says', async () => {
    const err = await refusal(local('/text'));
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_image_type', field]);
  });

  it('refuses an image whose header is broken', async () => {
    const err = await refusal(local('/broken.png'));
    expect([err.status, err.code]).toEqual([400, 'unsupported_image_type']);
  });

  it('reports an HTTP error and a redirect loop as image_fetch_failed', async () => {
    expect((await refusal(local('/missing.png'))).code).toBe('image_fetch_failed');
    const loop = await refusal(local('/loop'));
    expect(loop.code).toBe('image_fetch_failed');
    expect(loop.message).toMatch(/redirects/);
  });

  it('times out a server that never answers', async () => {
    expect(CLIENT_FETCH_TIMEOUT_MS).toBe(30_000);
    const started = Date.now();
    const err = await refusal(local('/hang', { timeoutMs: 300 }));
    expect([err.status, err.code]).toEqual([400, 'image_fetch_failed']);
    expect(err.message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('times out a resolver that never answers', async () => {
    const err = await refusal(fetchClientImage('http://slow.example/x.png', { field, timeoutMs: 200, resolve: () => new Promise(() => {}) }));
    expect(err.message).toMatch(/timed out/);
  });

  it('reports an unknown host as image_fetch_failed', async () => {
    const err = await refusal(get('http://nowhere.example/x.png'));
    expect(err.code).toBe('image_fetch_failed');
  });
});
