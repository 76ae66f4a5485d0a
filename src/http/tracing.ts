// OpenTelemetry traces, when `tracing.otlp_endpoint` is set: a server span per HTTP request (continuing
// the caller's W3C `traceparent`), under it the spans of util/spans.ts, sent over OTLP/HTTP (JSON) in
// batches. The SDK is imported only then, so a start without tracing loads none of it.
//
// Span attributes are route patterns, catalogue and channel ids, statuses and failure kinds: never a
// prompt, a key, a URL's query or an image.

import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';

export interface Tracing {
  /** Sends what is left and unregisters, so the process (or the next server in a test) starts clean. */
  shutdown(): Promise<void>;
}

export async function startTracing(cfg: Config['tracing']): Promise<Tracing | undefined> {
  if (!cfg.otlp_endpoint) return undefined;
  const [{ NodeTracerProvider }, { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPTraceExporter({ url: cfg.otlp_endpoint, headers: parseOtlpHeaders(cfg.headers) });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': cfg.service_name }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(cfg.sample_ratio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: cfg.export_interval_ms })],
  });
  // The global provider, the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  return {
    async shutdown() {
      await provider.shutdown().catch(() => {});
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** `k1=v1,k2=v2`, values URL-encoded, as the OTLP exporter spec writes OTEL_EXPORTER_OTLP_HEADERS. */
export function parseOtlpHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    headers[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return headers;
}

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * A server span per request. The rest of the request (hooks, handler, and the work it starts) runs
 * inside the span's context: the hook hands on with `done` inside `context.with`, as @fastify/otel does.
 */
export function traceRequests(app: FastifyInstance): void {
  const tracer = trace.getTracer('easel');
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route, 'easel.request_id': request.id } },
      parent,
    );
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    endSpan(request, (span) => {
      span.setAttribute('http.response.status_code', reply.statusCode);
      // Server spans are failed by 5xx only: a 4xx is the client's (OpenTelemetry HTTP conventions).
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    });
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    endSpan(request, (span) => span.setStatus({ code: SpanStatusCode.ERROR, message: 'client_closed_request' }));
    done();
  });
}

function endSpan(request: FastifyRequest, describe: (span: Span) => void): void {
  const span = spans.get(request);
  if (!span) return;
  describe(span);
  span.end();
  spans.delete(request);
}
