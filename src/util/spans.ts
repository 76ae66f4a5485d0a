// Trace spans around the steps of a request (auth, contract, quote, reserve, each upstream attempt,
// delivery, settle). Written against @opentelemetry/api alone, which does nothing until a tracer
// provider is registered (http/tracing.ts, only when `tracing.otlp_endpoint` is set): with tracing
// off a span costs one no-op object and no allocation of attributes beyond the call's own.

import { type Attributes, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

export type { Span } from '@opentelemetry/api';

const tracer = () => trace.getTracer('easel');

/** Runs `fn` inside a span that ends with it; a throw marks the span failed and is rethrown. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** `inSpan` for synchronous work (the contract check, the quote). */
export function inSpanSync<T>(name: string, attributes: Attributes, fn: () => T): T {
  return tracer().startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn();
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span the caller ends itself (an upstream attempt, reported once its outcome is known). */
export function startClientSpan(name: string, attributes: Attributes): Span {
  return tracer().startSpan(name, { kind: SpanKind.CLIENT, attributes });
}

/** Runs `fn` with `span` as the current span (what `fn` starts becomes its child); does not end it. */
export function withActiveSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** Marks the span failed with the error's code (an ApiError) or class, never its message: messages may quote the request. */
export function failSpan(span: Span, err: unknown, kind?: string): void {
  const code = kind ?? (err as { code?: unknown })?.code;
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : ((err as Error)?.name ?? 'error') });
}
