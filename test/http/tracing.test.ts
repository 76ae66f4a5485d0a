// OpenTelemetry traces (issue 16): with `tracing.otlp_endpoint` set, a generation is one trace sent
// over OTLP/HTTP (JSON) to a collector, here an in-process one that decodes what the exporter posts.
// The trace continues the caller's `traceparent`; its spans name the steps (auth, contract, quote,
// reserve, each upstream attempt, delivery, settle) and carry ids and outcomes, never secrets.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
  service: string;
}

/** An OTLP/HTTP traces receiver: every span of every export, flattened, and each export's headers. */
class Collector {
  readonly spans: CollectedSpan[] = [];
  readonly headers: IncomingHttpHeaders[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(404).end();
        return;
      }
      this.headers.push(req.headers);
      this.take(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private take(body: { resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: OtlpValue }> }; scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }> }): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = String(plain(rs.resource?.attributes ?? [])['service.name']);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            traceId: s.traceId as string,
            spanId: s.spanId as string,
            parentSpanId: (s.parentSpanId as string | undefined) || undefined,
            name: s.name as string,
            kind: s.kind as number,
            attributes: plain((s.attributes ?? []) as Array<{ key: string; value: OtlpValue }>),
            status: (s.status ?? {}) as CollectedSpan['status'],
            service,
          });
        }
      }
    }
  }
}

function plain(attributes: Array<{ key: string; value: OtlpValue }>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes) out[key] = value.stringValue ?? value.boolValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue as number));
  return out;
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const PROMPT = 'a secret garden at the edge of the map';

let collector: Collector;
let upstream: Emulator;
let server: TestServer;
beforeAll(async () => {
  collector = new Collector();
  upstream = createOpenaiEmulator();
  await Promise.all([collector.start(), upstream.start()]);
  server = await startTestServer({
    config: {
      tracing: { otlp_endpoint: `${collector.url}/v1/traces`, export_interval_ms: 50, headers: 'authorization=Bearer%20collector-token', service_name: 'easel-test' },
      channels: [
        // Tried first and refused (a wrong key): one failed attempt, then failover to the good channel.
        { id: 'wrong-key', provider: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-not-the-right-key-000000', models: ['dall-e-3'], priority: 1 },
        { id: 'good', provider: 'openai', base_url: `${upstream.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['dall-e-3'], priority: 0 },
      ],
    },
  });
});
afterAll(async () => {
  await server.close();
  await Promise.all([collector.close(), upstream.close()]);
});

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let trace: CollectedSpan[];
  beforeAll(async () => {
    const res = await server.call('/v1/images/generations', {
      method: 'POST',
      json: { model: 'dall-e-3', prompt: PROMPT },
      headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
    });
    expect(res.status).toBe(200);
    await res.json();
    const names = () => new Set(collector.spans.filter((s) => s.traceId === TRACE_ID).map((s) => s.name));
    await waitUntil(() => names().has('POST /v1/images/generations') && names().has('easel.settle'), 10_000, 'the trace to reach the collector');
    trace = collector.spans.filter((s) => s.traceId === TRACE_ID);
  });

  const one = (name: string) => {
    const found = trace.filter((s) => s.name === name);
    expect(found, name).toHaveLength(1);
    return found[0];
  };

  it("continues the caller's traceparent with a server span for the route", () => {
    const root = one('POST /v1/images/generations');
    expect(root.parentSpanId).toBe(CALLER_SPAN);
    expect(root.kind).toBe(2); // SERVER
    expect(root.service).toBe('easel-test');
    expect(root.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/images/generations', 'http.response.status_code': 200 });
    expect(root.attributes['easel.request_id']).toMatch(/^req_/);
  });

  it('auth, contract, quote, reserve, delivery and settle are spans under the request', () => {
    const root = one('POST /v1/images/generations');
    for (const name of ['easel.auth', 'easel.contract', 'easel.quote', 'easel.reserve', 'easel.deliver', 'easel.settle']) {
      expect(one(name).parentSpanId, name).toBe(root.spanId);
    }
    expect(one('easel.quote').attributes['easel.model']).toBe('dall-e-3');
    expect(one('easel.settle').attributes['easel.charge_micros']).toBeGreaterThan(0);
  });

  it('each upstream attempt is a client span: the refused channel failed over, the next one ok', () => {
    const attempts = trace.filter((s) => s.name === 'easel.upstream call').sort((a, b) => Number(a.attributes['easel.attempt']) - Number(b.attributes['easel.attempt']));
    expect(attempts.map((a) => a.attributes)).toEqual([
      expect.objectContaining({ 'easel.channel': 'wrong-key', 'easel.provider': 'openai', 'easel.outcome': 'auth', 'http.response.status_code': 401, 'easel.failed_over': true, 'easel.attempt': 1 }),
      expect.objectContaining({ 'easel.channel': 'good', 'easel.outcome': 'ok', 'easel.failed_over': false, 'easel.attempt': 2 }),
    ]);
    expect(attempts[0].kind).toBe(3); // CLIENT
    expect(attempts[0].status).toMatchObject({ code: 2, message: 'auth' });
    for (const a of attempts) expect(trace.some((s) => s.spanId === a.parentSpanId), 'attempt parent in the trace').toBe(true);
  });

  it('exports with the configured headers and carries no prompt, key or token', () => {
    expect(collector.headers[0].authorization).toBe('Bearer collector-token');
    const everything = JSON.stringify(collector.spans);
    for (const secret of [PROMPT, server.apiKey, OPENAI_TEST_KEY, 'sk-not-the-right-key', server.adminToken]) expect(everything).not.toContain(secret);
  });

  it('a refused request ends its trace too: the contract span failed with the error code, the server span not (a 4xx)', async () => {
    const traceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab';
    const res = await server.call('/v1/images/generations', { method: 'POST', json: { model: 'dall-e-3', prompt: 'x', size: '3x3' }, headers: { traceparent: `00-${traceId}-${CALLER_SPAN}-01` } });
    expect(res.status).toBe(400);
    const code = (await res.json()).error.code;
    await waitUntil(() => collector.spans.some((s) => s.traceId === traceId && s.name === 'POST /v1/images/generations'), 10_000, 'the refused trace');
    const spans = collector.spans.filter((s) => s.traceId === traceId);
    expect(spans.find((s) => s.name === 'easel.contract')?.status).toMatchObject({ code: 2, message: code });
    expect(spans.find((s) => s.name === 'POST /v1/images/generations')?.status.code ?? 0).not.toBe(2);
    expect(spans.some((s) => s.name.startsWith('easel.upstream'))).toBe(false);
  });
});
