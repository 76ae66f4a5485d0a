// The MCP tools' one way into Easel: its public HTTP API, at a base URL, with the caller's API key.
// Both transports use it (`easel mcp` pointed at a remote Easel, and /mcp calling its own server on
// its own address), so a tool call is authenticated, limited and billed exactly as a direct call.

/** An error answer of the API, its envelope kept whole (hints like did_you_mean, validation_errors). */
export class EaselApiError extends Error {
  override name = 'EaselApiError';
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly param: string | null,
    readonly envelope: Record<string, unknown>,
    message: string,
  ) {
    super(message);
  }
}

export interface EaselClientOptions {
  /** Where to send the API calls, e.g. https://easel.example.com or http://127.0.0.1:8080. */
  baseUrl: string;
  apiKey: string;
  /**
   * Bases under which Easel hands out its own image URLs besides `baseUrl` (its public URL, when that
   * is not the address called): such an image is fetched through `baseUrl` for its thumbnail.
   */
  ownBases?: string[];
  /** Header sent on every call (e.g. the MCP route's request id, so logs tie the calls to it). */
  headers?: Record<string, string>;
}

/** A thumbnail source is downloaded up to this size; a larger one gets no thumbnail, only its URL. */
export const MAX_THUMBNAIL_SOURCE_BYTES = 64 * 1024 * 1024;

const REQUEST_TIMEOUT_MS = 120_000;

export class EaselClient {
  private readonly base: string;
  private readonly ownBases: string[];

  constructor(private readonly options: EaselClientOptions) {
    this.base = withoutTrailingSlash(options.baseUrl);
    this.ownBases = [this.base, ...(options.ownBases ?? []).map(withoutTrailingSlash)];
  }

  get(path: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.call('GET', path, { signal });
  }

  post(path: string, json: unknown, opts: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Record<string, unknown>> {
    return this.call('POST', path, { ...opts, json });
  }

  /**
   * The bytes of an image Easel serves itself (a URL under one of its own bases, fetched through the
   * base URL); undefined for any other URL, which is never fetched: the tools download nothing a
   * caller or an upstream names, so they cannot be turned on other hosts.
   */
  async ownImage(url: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    const own = this.ownBases.find((base) => url.startsWith(`${base}/`));
    if (!own) return undefined;
    const res = await fetch(`${this.base}${url.slice(own.length)}`, { signal: withTimeout(signal) });
    const length = Number(res.headers.get('content-length') ?? 0);
    if (!res.ok || length > MAX_THUMBNAIL_SOURCE_BYTES || !res.headers.get('content-type')?.startsWith('image/')) {
      await res.body?.cancel();
      return undefined;
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    return bytes.length > MAX_THUMBNAIL_SOURCE_BYTES ? undefined : bytes;
  }

  private async call(method: string, path: string, opts: { json?: unknown; headers?: Record<string, string>; signal?: AbortSignal }): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.options.apiKey}`, ...this.options.headers, ...opts.headers };
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json), signal: withTimeout(opts.signal) });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new EaselApiError(0, null, null, {}, `Could not reach Easel at ${this.base}: ${(err as Error).message}`);
    }
    const text = await res.text();
    const body = parseObject(text);
    if (res.ok && body) return body;
    throw errorOf(res.status, body, text);
  }
}

function errorOf(status: number, body: Record<string, unknown> | undefined, text: string): EaselApiError {
  const error = body?.error as { message?: unknown; code?: unknown; param?: unknown } | undefined;
  if (!error || typeof error !== 'object') return new EaselApiError(status, null, null, body ?? {}, `Easel answered HTTP ${status}: ${text.slice(0, 200)}`);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return new EaselApiError(status, str(error.code), str(error.param), body!, str(error.message) ?? `HTTP ${status}`);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function withTimeout(signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
