// One delivery attempt: the URL checked by the SSRF guard again (its host resolved now, the connection
// pinned to the checked addresses), one POST, no redirect followed, everything within the attempt's
// timeout. What comes back is the status, the latency, why it failed, and at most a short excerpt of
// the receiver's body — never more of it.

import { request } from 'undici';
import { DownloadError } from '../fetch/download.ts';
import { AddressGuard, type ResolveHost } from '../fetch/guard.ts';

/** Why an attempt failed, as the delivery log shows it. */
export type AttemptError = 'timeout' | 'network' | 'dns' | 'refused_address' | 'invalid_url' | 'redirect' | 'http_status' | 'gone' | 'task_expired' | 'no_secret';

export interface AttemptOutcome {
  statusCode: number | null;
  /** Null when the receiver answered 2xx. */
  error: AttemptError | null;
  excerpt: string | null;
  latencyMs: number;
  /** The receiver's Retry-After, when it sent one with a 429 or 503. */
  retryAfterMs?: number;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  resolve?: ResolveHost;
}

/** Bytes of the receiver's body read at most; the excerpt kept from them is shorter still. */
const READ_BYTES = 1024;
const EXCERPT_CHARS = 200;
const USER_AGENT = 'Easel-Webhooks/1 (+https://www.standardwebhooks.com)';

export async function sendWebhook(url: string, body: string, headers: Record<string, string>, opts: SendOptions): Promise<AttemptOutcome> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const guard = new AddressGuard({ allowPrivate: opts.allowPrivate, resolve: opts.resolve });
  try {
    const target = new URL(url);
    await guard.checkUrl(target, signal);
    const res = await request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT },
      body,
      dispatcher: guard.dispatcher,
      signal,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    const excerpt = await readExcerpt(res.body);
    const status = res.statusCode;
    const outcome: AttemptOutcome = { statusCode: status, error: statusError(status), excerpt, latencyMs: latency() };
    const retryAfterMs = status === 429 || status === 503 ? retryAfter(res.headers['retry-after']) : undefined;
    return retryAfterMs === undefined ? outcome : { ...outcome, retryAfterMs };
  } catch (err) {
    return { statusCode: null, error: errorKind(err, signal), excerpt: null, latencyMs: latency() };
  } finally {
    await guard.close();
  }
}

/** 2xx succeeds; 410 says the receiver wants no more; a redirect is not followed (the spec's advice). */
function statusError(status: number): AttemptError | null {
  if (status >= 200 && status < 300) return null;
  if (status === 410) return 'gone';
  if (status >= 300 && status < 400) return 'redirect';
  return 'http_status';
}

/** The start of the receiver's body, as one line of printable text; the rest is dropped unread. */
async function readExcerpt(stream: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= READ_BYTES) break;
    }
  } catch {
    // A body cut off or too slow: the status already says how the attempt went.
  } finally {
    stream.destroy();
  }
  const text = Buffer.concat(chunks).subarray(0, READ_BYTES).toString('utf8').replace(/[\u0000-\u001f\u007f\ufffd]+/g, ' ').trim();
  return text === '' ? null : text.slice(0, EXCERPT_CHARS);
}

function retryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function errorKind(err: unknown, signal: AbortSignal): AttemptError {
  if (err instanceof DownloadError) {
    if (err.reason === 'address') return 'refused_address';
    if (err.reason === 'network') return 'dns';
    if (err.reason === 'timeout') return 'timeout';
    return 'invalid_url';
  }
  if (signal.aborted) return 'timeout';
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  if (err instanceof TypeError && code === 'ERR_INVALID_URL') return 'invalid_url';
  return 'network';
}
