// Downloads an image from a URL with hard limits: scheme, redirects, size, time, and real image type.
// Result URLs handed back by a configured channel are trusted for their address (the operator chose
// the channel); client-supplied URLs additionally go through the address guard (guard.ts).

import { Agent, type Dispatcher, request } from 'undici';
import { readAll } from '../util/bytes.ts';
import { sniffImageType, type ImageMime } from '../util/image-type.ts';

export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
export const DOWNLOAD_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 3;

const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly reason: 'scheme' | 'credentials' | 'fragment' | 'redirects' | 'status' | 'too_large' | 'not_image' | 'timeout' | 'network' | 'address',
  ) {
    super(message);
  }
}

export interface DownloadOptions {
  signal?: AbortSignal;
  maxBytes?: number;
  timeoutMs?: number;
  /**
   * Called with every URL before it is requested (the first and each redirect target); may throw.
   * The signal is the download's own (caller's signal + timeout), for work such as a DNS lookup.
   */
  checkUrl?: (url: URL, signal: AbortSignal) => Promise<void> | void;
  dispatcher?: Agent;
  /** Called with the length of every body chunk as it arrives; may throw a DownloadError to stop (a per-request budget). */
  onChunk?: (length: number) => void;
}

export interface DownloadedImage {
  bytes: Buffer;
  mime: ImageMime;
}

export interface OpenedImage {
  mime: ImageMime;
  /** The Content-Length the server declared, when it did. */
  declaredBytes?: number;
  /** The whole body, the sniffed head first; iterating enforces the size limit and the timeout. */
  chunks: AsyncIterable<Buffer>;
  /** Drops the rest of the download (when whoever meant to read it failed), freeing the connection. */
  cancel(): void;
}

/** Bytes needed to tell PNG, JPEG and WebP apart. */
const SNIFF_BYTES = 12;

/**
 * Opens an image download: scheme, redirects and status checked, the type sniffed from the first
 * bytes; the rest streams on, so a large image need never sit whole in memory.
 */
export async function openImage(rawUrl: string, opts: DownloadOptions = {}): Promise<OpenedImage> {
  const maxBytes = opts.maxBytes ?? MAX_IMAGE_BYTES;
  const signal = downloadSignal(opts);
  const res = await requestFollowingRedirects(parseHttpUrl(rawUrl), opts, signal);
  const declaredBytes = refuseDeclaredOversize(res, maxBytes);
  const body = res.body;
  const limited = limitedChunks(body, maxBytes, signal, opts.onChunk);
  const { head, mime } = await sniffHead(limited);
  if (!mime) {
    discard(body);
    throw new DownloadError('the URL did not return a PNG, JPEG or WebP image', 'not_image');
  }
  return {
    mime,
    cancel: () => discard(body),
    declaredBytes,
    chunks: (async function* () {
      yield* head;
      yield* limited;
    })(),
  };
}

/** The caller's signal, if any, bounded by the download timeout. */
function downloadSignal(opts: DownloadOptions): AbortSignal {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DOWNLOAD_TIMEOUT_MS);
  return opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
}

/** GETs the URL, following up to MAX_REDIRECTS redirects (each target checked first), to a 200 answer. */
async function requestFollowingRedirects(firstUrl: URL, opts: DownloadOptions, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  let url = firstUrl;
  for (let redirects = 0; ; redirects++) {
    await opts.checkUrl?.(url, signal);
    const res = await requestOnce(url, opts, signal);
    if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
      await res.body.dump();
      if (redirects >= MAX_REDIRECTS) throw new DownloadError(`more than ${MAX_REDIRECTS} redirects`, 'redirects');
      url = parseHttpUrl(new URL(String(res.headers.location), url).toString());
      continue;
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new DownloadError(`the image URL answered HTTP ${res.statusCode}`, 'status');
    }
    return res;
  }
}

async function requestOnce(url: URL, opts: DownloadOptions, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  try {
    // No headers of ours: nothing a channel or client sent Easel is ever forwarded to a download host.
    return await request(url, { method: 'GET', signal, dispatcher: opts.dispatcher ?? agent, headers: { accept: 'image/png, image/jpeg, image/webp' } });
  } catch (err) {
    throw signal.aborted
      ? new DownloadError('the image download timed out', 'timeout')
      : new DownloadError(`the image could not be downloaded (${(err as NodeJS.ErrnoException).code ?? 'network error'})`, 'network');
  }
}

/** The Content-Length the server declared, when it did; refused before a byte is read when it is over the limit. */
function refuseDeclaredOversize(res: Dispatcher.ResponseData, maxBytes: number): number | undefined {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(res.body);
    throw new DownloadError(`the image is larger than ${maxBytes} bytes`, 'too_large');
  }
  return Number.isFinite(declared) ? declared : undefined;
}

/** The body's chunks, stopped at maxBytes, with a cut or timed-out stream reported as a DownloadError. */
async function* limitedChunks(body: Dispatcher.ResponseData['body'], maxBytes: number, signal: AbortSignal, onChunk: DownloadOptions['onChunk']): AsyncGenerator<Buffer> {
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > maxBytes) {
        body.destroy();
        throw new DownloadError(`the image is larger than ${maxBytes} bytes`, 'too_large');
      }
      onChunk?.(chunk.length);
      yield chunk as Buffer;
    }
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    throw signal.aborted ? new DownloadError('the image download timed out', 'timeout') : new DownloadError('the image download was cut off', 'network');
  }
}

/** Reads just enough to sniff the type; the head read is handed back so the caller can replay it before the rest. */
async function sniffHead(chunks: AsyncGenerator<Buffer>): Promise<{ head: Buffer[]; mime: ImageMime | undefined }> {
  const head: Buffer[] = [];
  let headSize = 0;
  while (headSize < SNIFF_BYTES) {
    const next = await chunks.next();
    if (next.done) break;
    head.push(next.value);
    headSize += next.value.length;
  }
  return { head, mime: sniffImageType(Buffer.concat(head)) };
}

/** Drops a body nothing will read: without a listener its abort error would be uncaught. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/** Downloads an image whole (when the bytes are needed in memory: base64, probing). */
export async function downloadImage(rawUrl: string, opts: DownloadOptions = {}): Promise<DownloadedImage> {
  const opened = await openImage(rawUrl, opts);
  return { bytes: await readAll(opened.chunks), mime: opened.mime };
}

function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DownloadError('not a valid URL', 'scheme');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DownloadError('only http and https URLs can be fetched', 'scheme');
  if (url.username || url.password) throw new DownloadError('URLs with credentials are not fetched', 'credentials');
  return url;
}
