// The one way adapters talk HTTP to an upstream: a keep-alive pool, the abort signal honoured,
// failures classified into UpstreamError kinds. Nothing here logs or returns raw upstream bodies:
// at most a short, scrubbed message reaches the client.

// undici's own FormData: Node 20's global one (from its bundled undici 6) fails inside undici 7's
// request() ("action is not a function"), so every multipart body is built by multipartBody below.
import { Agent, type Dispatcher, FormData, errors as undiciErrors, request } from 'undici';
import type { InputImage } from '../catalog/types.ts';
import { Base64JsonReader } from './base64-json.ts';
import { UpstreamError, type UpstreamErrorKind } from './types.ts';

/** Upstream error bodies are read up to this size; success bodies up to MAX_RESPONSE_BYTES. */
const MAX_ERROR_BYTES = 64 * 1024;
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/**
 * Connections per upstream origin at most. Image calls hold their connection for the whole
 * generation (20–60 s), so this is how many can be under way at once to one upstream: at 128, 2,000
 * waiting clients went in rounds of 128 and most ran past the wait budget (bench/peers/waiting-clients.ts).
 */
export const UPSTREAM_CONNECTIONS_PER_ORIGIN = 4_096;
const agent = new Agent({ keepAliveTimeout: 30_000, connections: UPSTREAM_CONNECTIONS_PER_ORIGIN, pipelining: 1 });

/** A request body as adapters build it: JSON, or multipart from multipartBody. */
export type WireBody = { json: unknown; form?: undefined } | { form: FormData; json?: undefined };

export interface UpstreamCall {
  method?: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  /** Multipart body, from multipartBody. */
  form?: FormData;
  signal: AbortSignal;
  /** Provider-specific reading of an error answer; undefined falls back to the status rules. */
  classify?: (status: number, body: string, headers: Headers) => UpstreamError | undefined;
}

export interface UpstreamResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

/**
 * Sends the call and reads the whole answer: a success body up to MAX_RESPONSE_BYTES, an error body
 * up to MAX_ERROR_BYTES, thrown as an UpstreamError (`classify`, then the status rules). It goes
 * straight to the pool's dispatch and gathers the chunks, without request()'s body stream: a poll of
 * a pending task is this call and little else, and the stream was most of its cost
 * (bench/RESULTS.md, target 4).
 */
export function callUpstream(call: UpstreamCall): Promise<UpstreamResponse> {
  const { signal } = call;
  if (signal.aborted) return Promise.reject(transportError(signal.reason, signal));
  const wire = wireRequest(call);
  let url: URL;
  try {
    url = new URL(call.url);
  } catch (err) {
    return Promise.reject(transportError(err, signal));
  }
  return new Promise((resolve, reject) => {
    const handler = new WholeAnswer(call, resolve, reject);
    agent.dispatch({ origin: url.origin, path: url.pathname + url.search, ...wire }, handler);
  });
}

/** A dispatch handler that keeps the whole answer (legacy handler API, which undici 7 runs unwrapped). */
class WholeAnswer implements Dispatcher.DispatchHandler {
  private abort: ((reason?: Error) => void) | undefined;
  private status = 0;
  private headers: Headers | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  private limit = MAX_RESPONSE_BYTES;
  private settled = false;
  /** Before the request has a connection there is nothing to abort yet: the caller is answered at once. */
  private readonly onAbort = () => {
    if (this.abort) this.abort(this.call.signal.reason);
    else if (this.finish()) this.reject(transportError(this.call.signal.reason, this.call.signal));
  };

  constructor(
    private readonly call: UpstreamCall,
    private readonly resolve: (res: UpstreamResponse) => void,
    private readonly reject: (err: UpstreamError) => void,
  ) {
    call.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
    if (this.call.signal.aborted) abort(this.call.signal.reason);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[] | null): boolean {
    if (statusCode < 200) return true;
    this.status = statusCode;
    this.headers = headersOf(rawHeaders ?? []);
    if (statusCode >= 300) this.limit = MAX_ERROR_BYTES;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.abort?.(tooLarge());
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (!this.finish()) return;
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    const headers = this.headers ?? new Headers();
    if (this.status >= 200 && this.status < 300) {
      this.resolve({ status: this.status, headers, body });
      return;
    }
    this.reject(errorAnswer(this.call, this.status, body.toString('utf8'), headers));
  }

  onError(err: Error): void {
    if (this.finish()) this.reject(transportError(err, this.call.signal));
  }

  /** True the first time: the answer is settled once, and the abort listener goes with it. */
  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.call.signal.removeEventListener('abort', this.onAbort);
    return true;
  }
}

/**
 * A JSON success body (up to MAX_RESPONSE_BYTES) whose `imageKey` fields, base64 images, come back
 * as Base64Text, or decoded into Buffers with `decode`: read chunk by chunk (base64-json.ts), the
 * body never whole as one string. Malformed JSON, or an image that is not base64, is an upstream
 * fault as parseJson makes it.
 */
export async function readJsonWithImages<T>(opened: OpenedUpstream, signal: AbortSignal, imageKey: string, decode = false): Promise<T> {
  const announced = Number(opened.headers.get('content-length'));
  const bodyBytes = Number.isSafeInteger(announced) && announced > 0 && announced <= MAX_RESPONSE_BYTES ? announced : undefined;
  const reader = new Base64JsonReader(imageKey, { status: opened.status, decode, bodyBytes });
  let size = 0;
  try {
    for await (const chunk of opened.body) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) throw tooLarge();
      reader.feed(chunk as Buffer);
    }
  } catch (err) {
    opened.body.destroy();
    throw transportError(err, signal);
  }
  return reader.end<T>();
}

/** A success answer whose body is handed over unread, for a streamed answer (Server-Sent Events). */
export interface OpenedUpstream {
  status: number;
  headers: Headers;
  /** Read it to the end, or destroy it: an abandoned body holds its connection. */
  body: Dispatcher.ResponseData['body'];
}

/**
 * Sends the call and answers once the status and headers are in. An error answer is read (up to
 * MAX_ERROR_BYTES) and thrown as an UpstreamError, as callUpstream throws it; a success is returned
 * with its body unread. A failure while the body is read is classified by transportError.
 */
export async function openUpstream(call: UpstreamCall): Promise<OpenedUpstream> {
  let res: Dispatcher.ResponseData;
  try {
    // Raw headers, as callUpstream's dispatch hands them over: one conversion (headersOf) serves both.
    res = await request(call.url, { ...wireRequest(call), signal: call.signal, dispatcher: agent, responseHeaders: 'raw' });
  } catch (err) {
    throw transportError(err, call.signal);
  }
  const responseHeaders = headersOf(res.headers as unknown as string[]);
  if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, headers: responseHeaders, body: res.body };
  let text: string;
  try {
    text = (await readLimited(res.body, MAX_ERROR_BYTES)).toString('utf8');
  } catch (err) {
    throw transportError(err, call.signal);
  }
  throw errorAnswer(call, res.statusCode, text, responseHeaders);
}

/** An error answer as an UpstreamError: the adapter's reading of it first, then the status rules. */
function errorAnswer(call: UpstreamCall, status: number, body: string, headers: Headers): UpstreamError {
  return call.classify?.(status, body, headers) ?? errorForStatus(status, extractMessage(body), headers);
}

/** The call as sent: its method, headers and body (JSON, with its content-type, or multipart). */
function wireRequest(call: UpstreamCall): { method: 'GET' | 'POST'; headers: Record<string, string>; body: string | FormData | undefined } {
  const headers: Record<string, string> = { ...call.headers };
  let body: string | FormData | undefined = call.form;
  if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.json);
  }
  return { method: call.method ?? (body ? 'POST' : 'GET'), headers, body };
}

/** One uploaded image in a multipart body: its part name and a file name without extension. */
export interface FilePart {
  name: string;
  image: InputImage;
  /** The file name before its extension, which follows the image's type (`image-1` → `image-1.png`). */
  basename: string;
}

const EXTENSION = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' } as const;

/** A multipart body: every defined field as a text part (String(value)), then the files, in order. */
export function multipartBody(fields: object, files: readonly FilePart[] = []): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, String(value));
  for (const { name, image, basename } of files) {
    form.append(name, new Blob([new Uint8Array(image.bytes)], { type: image.mime }), `${basename}.${EXTENSION[image.mime]}`);
  }
  return form;
}

/** Parses a JSON success body; a body that is not JSON is an upstream fault, not a crash. */
export function parseJson<T>(res: UpstreamResponse): T {
  try {
    return JSON.parse(res.body.toString('utf8')) as T;
  } catch {
    throw new UpstreamError('upstream_fault', 'the upstream answered with malformed JSON', { status: res.status });
  }
}

function errorForStatus(status: number, message: string, headers?: Headers): UpstreamError {
  const kind: UpstreamErrorKind =
    status === 429 ? 'rate_limited'
    : status === 401 || status === 403 ? 'auth'
    : status === 408 || status === 504 ? 'timeout'
    : status >= 500 ? 'upstream_fault'
    : 'bad_request';
  return new UpstreamError(kind, message || `upstream answered HTTP ${status}`, { status, retryAfterMs: retryAfterMs(headers) });
}

/** Retry-After in seconds or as an HTTP date; retry-after-ms (OpenAI) wins when present. */
export function retryAfterMs(headers?: Headers): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * A short human message from an upstream error body, whatever its shape ({error:{message}},
 * {error:"..."}, {detail}, {errors:[...]}, {message}), scrubbed of URLs and anything key-like.
 */
export function extractMessage(text: string): string {
  let message = '';
  try {
    const body = JSON.parse(text);
    const candidate =
      body?.error?.message ?? (typeof body?.error === 'string' ? body.error : undefined) ?? body?.message ??
      (typeof body?.detail === 'string' ? body.detail : Array.isArray(body?.detail) ? body.detail.map((d: any) => d?.msg).filter(Boolean).join('; ') : undefined) ??
      (Array.isArray(body?.errors) ? body.errors.join('; ') : undefined) ?? body?.description;
    if (typeof candidate === 'string') message = candidate;
  } catch {
    // Not JSON: say nothing of it rather than echo an arbitrary body.
  }
  return scrub(message);
}

export function scrub(message: string): string {
  return message
    .replace(/https?:\/\/\S+/g, '[url]')
    .replace(/\b(sk|key|adm|xai|Bearer)[-_ ][A-Za-z0-9_\-*]{6,}/gi, '[redacted]')
    .replace(/[A-Za-z0-9_\-]{32,}/g, '[redacted]')
    .slice(0, 300)
    .trim();
}

/** What a failed send, or a body cut off while read, counts as. */
export function transportError(err: unknown, signal: AbortSignal): UpstreamError {
  if (signal.aborted) return new UpstreamError('timeout', 'the upstream did not answer in time');
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new UpstreamError('timeout', 'the upstream did not answer in time');
  }
  if (err instanceof UpstreamError) return err;
  return new UpstreamError('upstream_fault', `the upstream connection failed (${(err as NodeJS.ErrnoException)?.code ?? 'network error'})`);
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

const tooLarge = () => new UpstreamError('upstream_fault', 'the upstream answer is larger than Easel accepts');

/** Headers from undici's raw name/value list. */
function headersOf(raw: Buffer[] | string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!.toString('latin1'), raw[i + 1]!.toString('latin1'));
  return headers;
}

/** `${base}${path}` with exactly one slash between them. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
