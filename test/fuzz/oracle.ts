// The response checks both fuzzers apply to every answer, written once. Given the served
// /openapi.json, an answer passes when:
//   - it came at all, and its status is below 500;
//   - its status is one the document lists for the operation the request was aimed at;
//   - a 4xx is the error envelope {"error":{"message","type","code","param"}} as JSON, valid against
//     components.schemas.ApiError (ajv, draft 2020-12);
//   - a 2xx whose response the document describes (a JSON schema, or a list of media types) matches it;
//   - no body carries a stack trace, a source path or the server's data folder.
// Failures are grouped by status, kind and the answer's code; each group names the operations it was
// seen on and keeps its smallest request as the repro.

import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { Pool } from 'undici';

export type Schema = Record<string, unknown>;

export interface OpenApiOperation {
  operationId?: string;
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, Schema> };
}

export type Credential = 'apiKey' | 'adminToken' | 'none';

export interface Operation {
  method: string;
  template: string;
  spec: OpenApiOperation;
  /** What the document says the operation is behind. */
  security: Credential;
  /** "POST /v1/files" */
  name: string;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, spec] of Object.entries(methods)) {
      if (!HTTP_METHODS.has(method)) continue;
      const schemes = (spec.security ?? []).flatMap((s) => Object.keys(s));
      const security: Credential = schemes.includes('adminToken') ? 'adminToken' : schemes.includes('apiKey') ? 'apiKey' : 'none';
      out.push({ method: method.toUpperCase(), template, spec, security, name: `${method.toUpperCase()} ${template}` });
    }
  }
  return out;
}

/** Follows a local $ref ("#/components/schemas/X") until a schema without one. */
export function resolveRef(doc: OpenApiDoc, schema: Schema | undefined): Schema | undefined {
  let s = schema;
  for (let i = 0; s && typeof s.$ref === 'string' && i < 20; i++) {
    s = (s.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc) as Schema | undefined;
  }
  return s;
}

/** One request as sent; printed (bodies cut short) when fast-check reports it as a counterexample. */
export class FuzzRequest {
  constructor(
    readonly op: Operation,
    readonly path: string,
    readonly headers: Record<string, string>,
    readonly body: Buffer | undefined,
    /** Which generator made it, e.g. "json:mutation:huge-number". */
    readonly note: string,
  ) {}

  get size(): number {
    return this.path.length + (this.body?.length ?? 0) + JSON.stringify(this.headers).length;
  }

  describe(max = 600): string {
    const headers = Object.entries(this.headers)
      .map(([k, v]) => `-H '${k}: ${/^(authorization|x-api-key)$/.test(k) ? v.replace(/(sk-|Bearer )\S{6,}/, '$1…') : v.slice(0, 200)}'`)
      .join(' ');
    let body = '';
    if (this.body) {
      const text = this.body.toString('utf8');
      const printable = !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text);
      const shown = printable ? JSON.stringify(text.slice(0, max)) : `<hex ${this.body.subarray(0, Math.floor(max / 2)).toString('hex')}>`;
      body = ` --data ${shown}${this.body.length > max ? ` (${this.body.length} bytes in all)` : ''}`;
    }
    return `[${this.note}] ${this.op.method} ${this.path.slice(0, 300)}${this.path.length > 300 ? `… (${this.path.length} chars)` : ''} ${headers}${body}`;
  }

  [fc.toStringMethod](): string {
    return this.describe();
  }
}

export interface Answer {
  /** 0: no answer (connection reset, timeout); `error` says what happened. */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  error?: string;
}

/** Sends requests as written: raw path (no URL normalisation), raw body bytes, exact headers. */
export class Client {
  private readonly pool: Pool;
  sent = 0;
  /** Answers per operation and status, for the coverage line printed after a run. */
  readonly statuses = new Map<string, Map<number, number>>();

  constructor(readonly baseUrl: string) {
    this.pool = new Pool(baseUrl, { connections: 4, headersTimeout: 60_000, bodyTimeout: 60_000 });
  }

  async send(req: FuzzRequest): Promise<Answer> {
    this.sent++;
    try {
      const res = await this.pool.request({ method: req.op.method, path: req.path, headers: req.headers, body: req.body });
      const counts = this.statuses.get(req.op.name) ?? new Map<number, number>();
      this.statuses.set(req.op.name, counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1));
      return { status: res.statusCode, headers: res.headers, bytes: Buffer.from(await res.body.arrayBuffer()) };
    } catch (err) {
      const e = err as Error & { code?: string };
      return { status: 0, headers: {}, bytes: Buffer.alloc(0), error: `${e.code ?? e.name}: ${e.message}` };
    }
  }

  /** "POST /v1/files: 200×310 400×900 ..." one line per operation. */
  coverage(): string {
    return [...this.statuses]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, counts]) => `${op}: ${[...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ')}`)
      .join('\n');
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function header(answer: Answer, name: string): string {
  const v = answer.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

export interface Problem {
  /** Groups findings: "5xx", "undeclared-status", "not-envelope", "schema", "leak", "no-answer"... */
  kind: string;
  detail: string;
}

/** Answers that show configured paths (the data folder) on purpose: held only to the stack-trace and source patterns. */
const SHOWS_CONFIGURED_PATHS = new Set(['/admin/v1/config']);
/** How many of the leak patterns are about internals (stack frames, node_modules, sources) rather than this machine's paths. */
const INTERNALS_PATTERNS = 4;

export class Oracle {
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  private readonly docId = 'easel-openapi.json';
  private readonly leaks: RegExp[];

  /** `secrets`: strings no body may contain (the data folder, the repository path). */
  constructor(readonly doc: OpenApiDoc, secrets: string[]) {
    this.ajv.addSchema({ ...doc, $id: this.docId });
    const literal = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.leaks = [
      // A stack frame, raw or inside a JSON string: "at fn (/path/file.ts:1:2)" or "\n    at /path:1:2".
      /\bat (?:async )?\S+ \((?:file:\/\/|node:|\/)[^)]*:\d+:\d+\)/,
      /(?:\n|\\n)\s+at (?:file:\/\/|node:|\/)\S+:\d+:\d+/,
      /node_modules\//,
      /\/src\/[\w/-]+\.ts\b/,
      ...secrets.filter((s) => s.length > 4).map(literal),
    ];
  }

  private validator(pointer: string) {
    const v = this.ajv.getSchema(`${this.docId}#${pointer}`);
    if (!v) throw new Error(`no schema at ${pointer}`);
    return v;
  }

  private pointerOf(...keys: string[]): string {
    return keys.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  }

  check(req: FuzzRequest, answer: Answer): Problem[] {
    const problems: Problem[] = [];
    const { status } = answer;
    if (status === 0) return [{ kind: 'no-answer', detail: answer.error ?? 'no answer' }];
    const type = header(answer, 'content-type');
    const isJson = /^application\/json\b/i.test(type);
    const isBinary = /^image\//i.test(type);
    const text = isBinary ? '' : answer.bytes.toString('utf8');
    const excerpt = text.slice(0, 300);
    if (status >= 500) problems.push({ kind: '5xx', detail: `${status} ${excerpt}` });
    const responses = req.op.spec.responses;
    if (!(String(status) in responses) && !('default' in responses)) {
      problems.push({ kind: 'undeclared-status', detail: `${status} not in [${Object.keys(responses).join(', ')}]: ${excerpt}` });
    }
    let parsed: unknown;
    if (isJson) {
      try {
        parsed = JSON.parse(text);
      } catch {
        problems.push({ kind: 'bad-json', detail: `${status} content-type ${type} but the body is not JSON: ${excerpt}` });
      }
    }
    if (status >= 400 && status < 500) {
      const error = (parsed as { error?: Record<string, unknown> } | undefined)?.error;
      if (!isJson || !error || typeof error !== 'object') {
        problems.push({ kind: 'not-envelope', detail: `${status} (${type || 'no content-type'}) ${excerpt || '<empty body>'}` });
      } else {
        const missing = ['message', 'type', 'code', 'param'].filter((k) => !(k in error));
        if (missing.length) problems.push({ kind: 'not-envelope', detail: `${status} error lacks ${missing.join(', ')}: ${excerpt}` });
        const validate = this.validator('/components/schemas/ApiError');
        if (!validate(parsed)) problems.push({ kind: 'envelope-schema', detail: `${status} ${this.ajv.errorsText(validate.errors)}: ${excerpt}` });
      }
    }
    if (status >= 200 && status < 300) {
      const declared = responses[String(status)]?.content;
      if (declared) {
        // An answer in another media type the document lists for this status (the ledger's CSV) is
        // held to that type; JSON (or an answer in no listed type) to the JSON schema.
        const otherMedia = Object.keys(declared).some((media) => media !== 'application/json' && type.toLowerCase().startsWith(media.toLowerCase()));
        const jsonSchema = otherMedia ? undefined : declared['application/json']?.schema;
        if (jsonSchema) {
          const validate = this.validator(this.pointerOf('paths', req.op.template, req.op.method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema'));
          if (!isJson) problems.push({ kind: 'schema', detail: `${status} content-type ${type}, the document says application/json` });
          else if (parsed !== undefined && !validate(parsed)) problems.push({ kind: 'schema', detail: `${status} ${this.ajv.errorsText(validate.errors)}: ${excerpt}` });
        } else if (!Object.keys(declared).some((media) => type.toLowerCase().startsWith(media.toLowerCase()))) {
          problems.push({ kind: 'schema', detail: `${status} content-type ${type || 'none'}, the document lists ${Object.keys(declared).join(', ')}` });
        }
      }
    }
    // The operator's view of the effective configuration names the data folder by design.
    const leaks = SHOWS_CONFIGURED_PATHS.has(req.op.template) ? this.leaks.slice(0, INTERNALS_PATTERNS) : this.leaks;
    const leak = text && leaks.find((re) => re.test(text));
    if (leak) problems.push({ kind: 'leak', detail: `${status} body matches ${leak}: ${excerpt}` });
    return problems;
  }
}

interface Finding {
  signature: string;
  count: number;
  operations: Set<string>;
  smallest: FuzzRequest;
  answer: Answer;
  detail: string;
}

/** What an answer calls itself: the envelope's error.code, a framework's top-level code, or nothing. */
function codeOf(answer: Answer): string {
  try {
    const body = JSON.parse(answer.bytes.toString('utf8')) as { code?: unknown; error?: { code?: unknown } };
    return String((typeof body.error === 'object' && body.error?.code) || body.code || '');
  } catch {
    return '';
  }
}

/**
 * Failures grouped by status, kind and the answer's own code (one cause usually shows on many routes),
 * each with the operations it was seen on and the smallest request that showed it.
 */
export class Findings {
  private readonly byKey = new Map<string, Finding>();

  add(req: FuzzRequest, answer: Answer, problems: Problem[]): void {
    const code = codeOf(answer);
    for (const p of problems) {
      const signature = `${answer.status || 'no answer'} ${p.kind}${code ? ` (${code})` : ''}`;
      const seen = this.byKey.get(signature);
      if (!seen) this.byKey.set(signature, { signature, count: 1, operations: new Set([req.op.name]), smallest: req, answer, detail: p.detail });
      else {
        seen.count++;
        seen.operations.add(req.op.name);
        if (req.size < seen.smallest.size) Object.assign(seen, { smallest: req, answer, detail: p.detail });
      }
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  /** One entry per finding: what, how often, where, the smallest repro and what came back. */
  list(): string[] {
    return [...this.byKey.values()].map(
      (f) =>
        `${f.signature} ×${f.count} on ${[...f.operations].sort().join(', ')}\n    repro: ${f.smallest.describe(300)}\n    answer: ${f.detail.slice(0, 400)}`,
    );
  }
}

/** Sends one request, checks the answer, records any problem; true when it passed. */
export async function exchange(client: Client, oracle: Oracle, findings: Findings, req: FuzzRequest): Promise<boolean> {
  const answer = await client.send(req);
  const problems = oracle.check(req, answer);
  // FUZZ_TRACE="POST /v1/files" prints each exchange with that operation: what was sent, what came back.
  if (process.env.FUZZ_TRACE && req.op.name === process.env.FUZZ_TRACE) {
    console.info(`${answer.status} ${answer.bytes.toString('utf8').slice(0, 160)}\n    ${req.describe(160)}`);
  }
  if (problems.length) findings.add(req, answer, problems);
  return problems.length === 0;
}

/** The served document and the checks made from it. */
export async function loadContract(client: Client, secrets: string[]): Promise<{ doc: OpenApiDoc; operations: Operation[]; oracle: Oracle }> {
  const res = await fetch(`${client.baseUrl}/openapi.json`);
  const doc = (await res.json()) as OpenApiDoc;
  return { doc, operations: operationsOf(doc), oracle: new Oracle(doc, secrets) };
}

/** The Authorization header a credential class stands for. */
export function authHeader(kind: string, keys: { apiKey: string; adminToken: string; revokedKey: string }): Record<string, string> {
  switch (kind) {
    case 'apiKey':
      return { authorization: `Bearer ${keys.apiKey}` };
    case 'adminToken':
      return { authorization: `Bearer ${keys.adminToken}` };
    case 'wrong':
      return { authorization: 'Bearer sk-wrong0000000000000000000000000000' };
    case 'revoked':
      return { authorization: `Bearer ${keys.revokedKey}` };
    case 'lowercase':
      return { authorization: `bearer ${keys.apiKey}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`user:${keys.apiKey}`).toString('base64')}` };
    case 'empty-bearer':
      return { authorization: 'Bearer ' };
    case 'suffixed':
      return { authorization: `Bearer ${keys.apiKey}x` };
    case 'long':
      return { authorization: `Bearer sk-${'x'.repeat(8_000)}` };
    case 'two-keys':
      return { authorization: `Bearer ${keys.apiKey} ${keys.adminToken}` };
    case 'x-api-key':
      return { 'x-api-key': keys.apiKey };
    default:
      return {};
  }
}

export const WRONG_CREDENTIALS = ['none', 'wrong', 'revoked', 'lowercase', 'basic', 'empty-bearer', 'suffixed', 'long', 'two-keys', 'x-api-key'] as const;
