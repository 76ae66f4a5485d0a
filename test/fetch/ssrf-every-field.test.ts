// SSRF through the public API: 30+ spellings of "this machine" (and of other places a client URL must
// not reach) sent through every request field that takes a URL, on every model whose contract takes
// that field, with the real configuration default (fetch.allow_private_addresses: false). Every answer
// must be a 4xx in the error envelope naming the field, and a trap listener on loopback — the port
// every form that can carry one points at — must see no connection at all.
//
// test/fetch/ssrf.test.ts tests the guard itself (fake resolver, redirects); this file proves that no
// field of the HTTP API reaches a fetch without it. `callback_url` (webhooks) is checked with the same
// guard at create and again at every delivery attempt; its table is test/webhooks/ssrf.test.ts.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyPng } from '../helpers/png.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// `{port}` stands for the trap's port. Forms that cannot carry a port still aim at this machine or at a
// place a client URL must never reach; what proves them refused is the answer (never a failed
// connection: see `refusedBy` below).
const FORMS: Array<[name: string, template: string]> = [
  ['plain loopback', 'http://127.0.0.1:{port}/x.png'],
  ['https loopback', 'https://127.0.0.1:{port}/x.png'],
  ['upper-case scheme', 'HTTP://127.0.0.1:{port}/x.png'],
  ['elsewhere in 127/8', 'http://127.127.127.127:{port}/x.png'],
  ['decimal', 'http://2130706433:{port}/x.png'],
  ['octal dotted', 'http://0177.0.0.1:{port}/x.png'],
  ['octal whole', 'http://017700000001:{port}/x.png'],
  ['zero-padded dotted', 'http://127.000.000.001:{port}/x.png'],
  ['hex dotted', 'http://0x7f.0.0.1:{port}/x.png'],
  ['hex whole', 'http://0x7f000001:{port}/x.png'],
  ['hex short', 'http://0x7f.1:{port}/x.png'],
  ['short 127.1', 'http://127.1:{port}/x.png'],
  ['short 127.0.1', 'http://127.0.1:{port}/x.png'],
  ['trailing dot on the address', 'http://127.0.0.1.:{port}/x.png'],
  ['IPv4-mapped IPv6, dotted', 'http://[::ffff:127.0.0.1]:{port}/x.png'],
  ['IPv4-mapped IPv6, hex', 'http://[::ffff:7f00:1]:{port}/x.png'],
  ['IPv4-mapped IPv6, long', 'http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/x.png'],
  ['IPv4-compatible IPv6', 'http://[::127.0.0.1]:{port}/x.png'],
  ['NAT64 of loopback', 'http://[64:ff9b::127.0.0.1]:{port}/x.png'],
  ['IPv6 loopback', 'http://[::1]:{port}/x.png'],
  ['IPv6 loopback, long', 'http://[0:0:0:0:0:0:0:1]:{port}/x.png'],
  ['IPv6 unspecified', 'http://[::]:{port}/x.png'],
  ['localhost', 'http://localhost:{port}/x.png'],
  ['localhost.', 'http://localhost.:{port}/x.png'],
  ['LOCALHOST', 'http://LOCALHOST:{port}/x.png'],
  ['a subdomain of localhost', 'http://images.localhost:{port}/x.png'],
  ['a deeper subdomain of localhost.', 'http://a.b.localhost.:{port}/x.png'],
  ['localhost in enclosed alphanumerics', 'http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ:{port}/x.png'],
  ['this machine by its own name', `http://${hostname()}:{port}/x.png`],
  ['userinfo before the address', 'http://public.example@127.0.0.1:{port}/x.png'],
  ['user and password before the address', 'http://public.example:80@127.0.0.1:{port}/x.png'],
  ['fragment hiding a public name', 'http://127.0.0.1:{port}#@public.example/'],
  ['backslash before @', 'http://public.example\\@127.0.0.1:{port}/'],
  ['backslashes for slashes', 'http:\\\\127.0.0.1:{port}\\x.png'],
  ['one slash only', 'http:/127.0.0.1:{port}/x.png'],
  ['no slashes', 'http:127.0.0.1:{port}/x.png'],
  ['tab inside the host', 'http://127.0.\t0.1:{port}/x.png'],
  ['surrounding spaces', '  http://127.0.0.1:{port}/x.png  '],
  ['ideographic full stops', 'http://127。0。0。1:{port}/x.png'],
  ['full-width digits and dots', 'http://１２７．０．０．１:{port}/x.png'],
  ['percent-encoded digits', 'http://%31%32%37.0.0.1:{port}/x.png'],
  ['percent-encoded dots', 'http://127%2e0%2e0%2e1:{port}/x.png'],
  ['percent-encoded localhost', 'http://%6c%6f%63%61%6c%68%6f%73%74:{port}/x.png'],
  ['percent-encoded ideographic dot', 'http://127%E3%80%820.0.1:{port}/x.png'],
  ['0.0.0.0', 'http://0.0.0.0:{port}/x.png'],
  ['0', 'http://0:{port}/x.png'],
  ['0x0', 'http://0x0:{port}/x.png'],
  ['10/8', 'http://10.0.0.1:{port}/x.png'],
  ['172.16/12', 'http://172.16.0.1:{port}/x.png'],
  ['172.31 (top of 172.16/12)', 'http://172.31.255.254:{port}/x.png'],
  ['192.168/16', 'http://192.168.0.1:{port}/x.png'],
  ['100.64/10 (CGNAT)', 'http://100.64.0.1:{port}/x.png'],
  ['Alibaba metadata (CGNAT)', 'http://100.100.100.200/latest/meta-data/'],
  ['cloud metadata 169.254.169.254', 'http://169.254.169.254/latest/meta-data/'],
  ['cloud metadata, decimal', 'http://2852039166/latest/meta-data/'],
  ['cloud metadata, IPv4-mapped', 'http://[::ffff:169.254.169.254]/latest/meta-data/'],
  ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/latest/meta-data/'],
  ['IPv6 link-local fe80::/10', 'http://[fe80::1]:{port}/x.png'],
  ['IPv6 link-local, top of fe80::/10', 'http://[febf::1]:{port}/x.png'],
  ['IPv6 link-local with a zone', 'http://[fe80::1%25lo]:{port}/x.png'],
  ['IPv6 unique-local', 'http://[fc00::1]:{port}/x.png'],
  ['IPv4 multicast', 'http://224.0.0.1:{port}/x.png'],
  ['IPv6 multicast', 'http://[ff02::1]:{port}/x.png'],
  ['broadcast', 'http://255.255.255.255:{port}/x.png'],
  ['file://', 'file:///etc/passwd'],
  ['file:// with a host', 'file://127.0.0.1/etc/passwd'],
  ['ftp://', 'ftp://127.0.0.1:{port}/x.png'],
  ['gopher://', 'gopher://127.0.0.1:{port}/_GET%20/%20HTTP/1.0%0D%0A%0D%0A'],
  ['dict://', 'dict://127.0.0.1:{port}/info'],
  ['ws://', 'ws://127.0.0.1:{port}/x.png'],
  ['blob:', 'blob:http://127.0.0.1:{port}/0f0e0d0c-0b0a-0908-0706-050403020100'],
  ['data: non-image', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
  ['data: SVG', 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4='],
  ['javascript:', 'javascript:alert(1)'],
];

// The backslash form names public.example as the host (the WHATWG parser reads `\` as `/`): it never
// aims at this machine, and the one fetch it starts fails at DNS. Every other form must be refused
// before any connection — by the type check (invalid_value) or by the guard (invalid_image_url) —
// never by a fetch that was tried and failed.
const PUBLIC_HOST = new Set(['backslash before @']);
const REFUSAL_CODES = new Set(['invalid_image_url', 'invalid_value']);

const GENERATIONS = '/v1/images/generations';
const EDITS = '/v1/images/edits';
type Endpoint = typeof GENERATIONS | typeof EDITS;

interface Field {
  endpoint: Endpoint;
  model: string;
  /** The field as the request names it: what the error's `param` must say. */
  param: string;
  body: (url: string) => Record<string, unknown>;
}

/**
 * Every request field that takes a URL, per endpoint, keyed by the name the catalogue lists in an
 * operation's supported_parameters. The schema also has a generations mask_url, but no model lists
 * it today; callback URLs (webhooks) do not exist yet. When a model takes either, the catalogue check
 * below fails until it has a row here.
 */
type FieldMaker = (model: string, operation: string, png: string) => Field;
const FIELD_MAKERS: Record<Endpoint, Record<string, FieldMaker>> = {
  [GENERATIONS]: {
    image_url: (model, operation) => ({ endpoint: GENERATIONS, model, param: 'image_url', body: (url) => ({ model, operation, prompt: 'a cat', image_url: url }) }),
    image_urls: (model, operation) => ({
      endpoint: GENERATIONS,
      model,
      param: 'image_urls[0]',
      body: (url) => ({ model, operation, prompt: 'a cat', image_urls: [url] }),
    }),
    reference_image_urls: (model, operation) => ({
      endpoint: GENERATIONS,
      model,
      param: 'reference_image_urls[0]',
      body: (url) => ({ model, operation, prompt: 'a cat', reference_image_urls: [url] }),
    }),
  },
  [EDITS]: {
    image_url: (model) => ({ endpoint: EDITS, model, param: 'image_url', body: (url) => ({ model, prompt: 'a cat', image_url: url }) }),
    image_urls: (model) => ({ endpoint: EDITS, model, param: 'image_urls[0]', body: (url) => ({ model, prompt: 'a cat', image_urls: [url] }) }),
    images: (model) => ({ endpoint: EDITS, model, param: 'images[0].image_url', body: (url) => ({ model, prompt: 'a cat', images: [{ image_url: url }] }) }),
    // The source is a real PNG inline, so the mask is the one URL fetched.
    mask: (model, _operation, png) => ({ endpoint: EDITS, model, param: 'mask.image_url', body: (url) => ({ model, prompt: 'a cat', image_url: png, mask: { image_url: url } }) }),
  },
};

/** Catalogue parameters that look like they take a URL (or an image reference that may be one). */
const URLISH = /url|^images$|^mask$|callback|webhook/;

interface OperationConstraint {
  operation: string;
  request_endpoint: string;
  supported_parameters: string[];
}

let server: TestServer;
let trap: Server;
let trap6: Server | undefined;
let trapPort: number;
let trapConnections = 0;
let png: Buffer;
/** Every (endpoint, model, field) the catalogue says takes a URL. */
const fields: Field[] = [];
/** Catalogue parameters that look like URLs but have no FIELD_MAKERS entry. */
const uncovered: string[] = [];
let requests = 0;

async function listen(s: Server, host: string, port = 0): Promise<number> {
  s.listen(port, host);
  await once(s, 'listening');
  return (s.address() as AddressInfo).port;
}

/** A listener that counts connections and serves a real PNG, so a form that got through would also succeed. */
function trapServer(count: () => void): Server {
  const s = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
  s.on('connection', count);
  return s;
}

async function closeServer(s: Server | undefined): Promise<void> {
  if (!s) return;
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
}

beforeAll(async () => {
  png = await tinyPng(8, 8);
  trap = trapServer(() => trapConnections++);
  trapPort = await listen(trap, '127.0.0.1');
  try {
    // The same port on ::1, so the IPv6 forms would be caught too where the host has IPv6 loopback.
    trap6 = trapServer(() => trapConnections++);
    await listen(trap6, '::1', trapPort);
  } catch {
    trap6 = undefined;
  }

  server = await startTestServer();
  const dataPng = `data:image/png;base64,${png.toString('base64')}`;
  const list = (await (await server.call('/v1/models')).json()) as { data: Array<{ id: string }> };
  for (const { id } of list.data) {
    const entry = (await (await server.call(`/v1/models/${id}`)).json()) as { tokenlab: { request_format_summary: { operation_constraints: OperationConstraint[] } } };
    for (const c of entry.tokenlab.request_format_summary.operation_constraints) {
      for (const p of c.supported_parameters.filter((name) => URLISH.test(name))) {
        const make = (FIELD_MAKERS as Record<string, Record<string, FieldMaker> | undefined>)[c.request_endpoint]?.[p];
        if (make) fields.push(make(id, c.operation, dataPng));
        else uncovered.push(`${c.request_endpoint} ${id} ${c.operation} ${p}`);
      }
    }
  }
});

afterAll(async () => {
  await server?.close();
  await closeServer(trap);
  await closeServer(trap6);
});

interface Answer {
  status: number;
  body: unknown;
}

async function send(target: TestServer, field: Field, url: string): Promise<Answer> {
  requests++;
  const res = await target.call(field.endpoint, { method: 'POST', json: field.body(url) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

function errorOf(answer: Answer): Record<string, unknown> | undefined {
  const error = (answer.body as { error?: unknown } | null)?.error;
  return error && typeof error === 'object' ? (error as Record<string, unknown>) : undefined;
}

/** What is wrong with the answer to a form, or undefined when it is right. */
function problem(answer: Answer, field: Field, aimsHere: boolean): string | undefined {
  if (answer.status < 400 || answer.status >= 500) return `status ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`;
  const error = errorOf(answer);
  if (!error) return `no error envelope: ${JSON.stringify(answer.body).slice(0, 200)}`;
  for (const key of ['message', 'type', 'code', 'param']) if (!(key in error)) return `the envelope has no ${key}: ${JSON.stringify(error)}`;
  if (typeof error.message !== 'string' || typeof error.type !== 'string' || typeof error.code !== 'string') return `envelope types: ${JSON.stringify(error)}`;
  // The type check and the fetch both name the field as sent.
  if (error.param !== field.param) return `param ${JSON.stringify(error.param)} (${answer.status} ${error.code})`;
  if (aimsHere && !REFUSAL_CODES.has(error.code)) return `not refused but ${error.code}: ${error.message}`;
  return undefined;
}

const fill = (template: string, port: number) => template.replaceAll('{port}', String(port));

describe('SSRF through every URL field of the public API', () => {
  it('has 30+ forms, the real default configuration, and every URL field of the catalogue covered', () => {
    expect(FORMS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(FORMS.map(([name]) => name)).size).toBe(FORMS.length);
    expect(server.config.fetch.allow_private_addresses).toBe(false);
    expect(uncovered).toEqual([]);
    const seen = new Set(fields.map((f) => `${f.endpoint} ${f.param}`));
    for (const wanted of [
      `${GENERATIONS} image_url`,
      `${GENERATIONS} image_urls[0]`,
      `${GENERATIONS} reference_image_urls[0]`,
      `${EDITS} image_url`,
      `${EDITS} image_urls[0]`,
      `${EDITS} images[0].image_url`,
      `${EDITS} mask.image_url`,
    ]) {
      expect(seen).toContain(wanted);
    }
    expect(fields.some((f) => f.model === 'nano-banana' && f.param === 'image_url')).toBe(true);
    expect(fields.some((f) => f.model === 'flux-kontext-pro' && f.param === 'reference_image_urls[0]')).toBe(true);
  });

  it('reaches the fetch through every field (a public-looking name that does not resolve)', async () => {
    // So the refusals below are the guard's, not an earlier 4xx about the request's shape.
    const wrong: string[] = [];
    const answers = await Promise.all(fields.map(async (field) => [field, await send(server, field, 'http://nowhere.example/x.png')] as const));
    for (const [field, answer] of answers) {
      const error = errorOf(answer);
      if (answer.status !== 400 || error?.code !== 'image_fetch_failed' || error.param !== field.param) {
        wrong.push(`${field.endpoint} ${field.model} ${field.param}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses every form through every field with a 4xx naming the field, and nothing connects', async () => {
    const wrong: string[] = [];
    for (const field of fields) {
      const answers = await Promise.all(FORMS.map(async ([name, template]) => [name, await send(server, field, fill(template, trapPort))] as const));
      for (const [name, answer] of answers) {
        const p = problem(answer, field, !PUBLIC_HOST.has(name));
        if (p) wrong.push(`${field.endpoint} ${field.model} ${field.param} ← ${name}: ${p}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(trapConnections).toBe(0);
  }, 300_000);

  it('the trap is live: with allow_private_addresses the same request does connect (another listener)', async () => {
    let witnessed = 0;
    const witness = trapServer(() => witnessed++);
    const port = await listen(witness, '127.0.0.1');
    const open = await startTestServer({ config: { fetch: { allow_private_addresses: true } } });
    try {
      for (const endpoint of [GENERATIONS, EDITS]) {
        const field = fields.find((f) => f.endpoint === endpoint)!;
        const before = witnessed;
        await send(open, field, `http://127.0.0.1:${port}/x.png`);
        expect(witnessed).toBeGreaterThan(before);
      }
    } finally {
      await open.close();
      await closeServer(witness);
    }
  });

  it('the trap saw no connection over the whole file', () => {
    expect(requests).toBeGreaterThanOrEqual(FORMS.length * fields.length);
    expect(trapConnections).toBe(0);
  });
});
