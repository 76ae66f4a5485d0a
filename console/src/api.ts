// The console's one way to the server: the public (/v1) and admin (/admin/v1) HTTP APIs, same origin,
// authorized by the session cookie. Requests that change something carry the session's CSRF token;
// errors arrive in Easel's envelope and become ApiError, keeping `param` and the per-field messages.

export interface FieldError {
  field: string;
  message: string;
  code?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | undefined,
    readonly param: string | undefined,
    readonly fields: FieldError[],
  ) {
    super(message);
  }

  /** The message for one field: its own validation entry, or the envelope's when `param` names it. */
  forField(field: string): string | undefined {
    return this.fields.find((f) => f.field === field)?.message ?? (this.param === field ? this.message : undefined);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when the server stops recognising the session (a revoked key, an expiry). */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export interface CallOptions {
  method?: string;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** A 401 does not end the session view (the sign-in form itself). */
  quiet401?: boolean;
}

export interface Answer<T> {
  body: T;
  headers: Headers;
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: { error?: { message?: string; code?: string; param?: string | null }; validation_errors?: FieldError[] } = {};
  try {
    body = await res.json();
  } catch {
    // Not the envelope (a proxy's page): the status says enough.
  }
  const e = body.error ?? {};
  return new ApiError(res.status, e.message ?? `HTTP ${res.status}`, e.code, e.param ?? undefined, body.validation_errors ?? []);
}

export async function call<T = unknown>(path: string, opts: CallOptions = {}): Promise<Answer<T>> {
  const method = opts.method ?? (opts.json !== undefined || opts.form ? 'POST' : 'GET');
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-easel-csrf'] = csrfToken;
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    body = opts.form;
  }
  const res = await fetch(path, { method, headers, body, signal: opts.signal, credentials: 'same-origin' });
  if (!res.ok) {
    const error = await errorOf(res);
    if (res.status === 401 && !opts.quiet401) onSignedOut();
    throw error;
  }
  const type = res.headers.get('content-type') ?? '';
  return { body: (type.includes('json') ? await res.json() : await res.text()) as T, headers: res.headers };
}

export const get = <T>(path: string, signal?: AbortSignal) => call<T>(path, { signal }).then((a) => a.body);

/** A query string of the values that are set. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
