// Shared machinery of the upstream emulators: a Fastify server that records every request it
// receives (so tests can assert what the upstream saw), real image bytes of any size, and faults
// injected on demand (delay, error status, connection reset, malformed body, stall).
//
// Each emulator (test/emulators/<name>.ts) adds its upstream's routes and says how its upstream
// spells an error; everything else lives here once.

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import sharp from 'sharp';

export interface RecordedPart {
  name: string;
  value?: string;
  filename?: string;
  mimetype?: string;
  bytes?: Buffer;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, when the body was JSON. */
  json?: any;
  /** Multipart parts in arrival order, when the body was multipart. */
  parts?: RecordedPart[];
  /** When the caller closed the connection before this emulator had answered (Date.now()). */
  closedUnansweredAt?: number;
}

export type Fault =
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: number; message?: string; retryAfter?: number }
  | { kind: 'reset' }
  | { kind: 'malformed' }
  /** Accept the connection and never answer (until the emulator closes). */
  | { kind: 'stall' }
  /** Do the work (the upstream task exists), then hold the answer back this long: a lost answer. */
  | { kind: 'hold_answer'; ms: number }
  /** Provider-specific outcome the emulator interprets (e.g. 'moderate', 'lose', 'fail'). */
  | { kind: 'behaviour'; name: string; detail?: Record<string, unknown> };

interface QueuedFault {
  fault: Fault;
  remaining: number;
  /** Only requests whose path matches are affected. */
  path?: RegExp;
}

export interface EmulatorOptions {
  /** How this upstream shapes an error body for a status and message. */
  errorBody: (status: number, message: string) => unknown;
  /** Content type of error bodies (default application/json). */
  errorContentType?: string;
}

/**
 * A delay far past the 300 ms channel timeout the timeout tests configure, so a loaded machine
 * cannot blur a timeout into a slow success.
 */
export const DELAY_PAST_TIMEOUT_MS = 5_000;

export class Emulator {
  readonly app: FastifyInstance;
  readonly requests: RecordedRequest[] = [];
  private faults: QueuedFault[] = [];
  private readonly stalled = new Set<FastifyReply>();
  url = '';

  constructor(readonly name: string, private readonly opts: EmulatorOptions) {
    this.app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });
    this.app.register(multipart, { limits: { fileSize: 256 * 1024 * 1024, files: 64 } });
    this.app.addContentTypeParser(/^image\//, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    this.app.addHook('preHandler', async (request, reply) => {
      const recorded = await record(request);
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) recorded.closedUnansweredAt = Date.now();
      });
      recordedRequests.set(request, recorded);
      if (!request.url.startsWith('/__emulator')) this.requests.push(recorded);
      const fault = this.takeFault(recorded.path);
      if (fault?.kind === 'hold_answer') heldAnswers.set(request, fault.ms);
      else if (fault) return this.applyFault(fault, reply);
    });
    this.app.addHook('onSend', async (request, _reply, payload) => {
      const hold = heldAnswers.get(request);
      if (hold) await new Promise((r) => setTimeout(r, hold));
      return payload;
    });

    // Control endpoints, so a standalone emulator (benchmarks, manual tries) can misbehave on demand.
    this.app.post('/__emulator/faults', async (request) => {
      const { fault, times, path } = request.body as { fault: Fault; times?: number; path?: string };
      this.inject(fault, times ?? 1, path ? new RegExp(path) : undefined);
      return { ok: true };
    });
    this.app.delete('/__emulator/faults', async () => {
      this.clearFaults();
      return { ok: true };
    });
  }

  /** Queue a fault for the next `times` matching requests. */
  inject(fault: Fault, times = 1, path?: RegExp): this {
    this.faults.push({ fault, remaining: times, path });
    return this;
  }

  /** The behaviour fault queued for this path, consumed, if any. Emulators call it from their handlers. */
  private takeFault(path: string): Fault | undefined {
    const index = this.faults.findIndex((f) => f.remaining > 0 && (!f.path || f.path.test(path)) && f.fault.kind !== 'behaviour');
    if (index === -1) return undefined;
    return this.consume(index);
  }

  takeBehaviour(path: string): Extract<Fault, { kind: 'behaviour' }> | undefined {
    const index = this.faults.findIndex((f) => f.remaining > 0 && (!f.path || f.path.test(path)) && f.fault.kind === 'behaviour');
    if (index === -1) return undefined;
    return this.consume(index) as Extract<Fault, { kind: 'behaviour' }>;
  }

  private consume(index: number): Fault {
    const queued = this.faults[index];
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.faults.splice(index, 1);
    return queued.fault;
  }

  private async applyFault(fault: Fault, reply: FastifyReply): Promise<FastifyReply | undefined> {
    switch (fault.kind) {
      case 'delay':
        await new Promise((r) => setTimeout(r, fault.ms));
        // A client that gave up meanwhile gets nothing: its late request must not go on to take a
        // behaviour queued for the next test's request.
        if (reply.request.raw.socket.destroyed) return reply.hijack();
        return undefined;
      case 'status':
        if (fault.retryAfter !== undefined) reply.header('retry-after', String(fault.retryAfter));
        return this.error(reply, fault.status, fault.message ?? defaultMessage(fault.status));
      case 'reset':
        reply.request.raw.socket.destroy();
        return reply.hijack();
      case 'malformed':
        return reply.status(200).header('content-type', 'application/json').send('{"data":[{"b64_json":"iVBOR');
      case 'stall':
        this.stalled.add(reply);
        return reply.hijack();
      default:
        return undefined;
    }
  }

  /** Keeps a hijacked answer open until the emulator closes (a stream that stalls midway). */
  holdOpen(reply: FastifyReply): void {
    this.stalled.add(reply);
  }

  /** Sends this upstream's error envelope. */
  error(reply: FastifyReply, status: number, message: string): FastifyReply {
    return reply
      .status(status)
      .header('content-type', this.opts.errorContentType ?? 'application/json')
      .send(JSON.stringify(this.opts.errorBody(status, message)));
  }

  lastRequest(): RecordedRequest {
    const last = this.requests[this.requests.length - 1];
    if (!last) throw new Error(`${this.name} emulator received no request`);
    return last;
  }

  reset(): void {
    this.requests.length = 0;
    this.clearFaults();
  }

  /** Drops the queued faults, keeping the record (and an emulator's upstream tasks). */
  clearFaults(): void {
    this.faults = [];
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const address = await this.app.listen({ port, host });
    this.url = address;
    return address;
  }

  async close(): Promise<void> {
    for (const reply of this.stalled) reply.request.raw.socket.destroy();
    this.stalled.clear();
    // A connection opened but never used is not idle to Node and would hold close() up for a minute.
    this.app.server.closeAllConnections();
    await this.app.close();
  }
}

const recordedRequests = new WeakMap<FastifyRequest, RecordedRequest>();
const heldAnswers = new WeakMap<FastifyRequest, number>();

/** What the emulator recorded of this request: parsed JSON or multipart parts, headers, query. */
export function recordedOf(request: FastifyRequest): RecordedRequest {
  const recorded = recordedRequests.get(request);
  if (!recorded) throw new Error('request was not recorded');
  return recorded;
}

async function record(request: FastifyRequest): Promise<RecordedRequest> {
  const url = new URL(request.url, 'http://emulator');
  const recorded: RecordedRequest = {
    method: request.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...request.headers },
  };
  if (request.isMultipart()) {
    recorded.parts = [];
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        recorded.parts.push({ name: part.fieldname, filename: part.filename, mimetype: part.mimetype, bytes: await part.toBuffer() });
      } else {
        recorded.parts.push({ name: part.fieldname, value: String(part.value) });
      }
    }
  } else if (request.body !== undefined && !Buffer.isBuffer(request.body)) {
    recorded.json = request.body;
  }
  return recorded;
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Rate limit exceeded';
  if (status >= 500) return 'Internal server error';
  return 'Bad request';
}

/** Multipart fields as a plain object (last value wins; files by name in `files`). */
export function partsToFields(parts: RecordedPart[] = []): { fields: Record<string, string>; files: RecordedPart[] } {
  const fields: Record<string, string> = {};
  const files: RecordedPart[] = [];
  for (const part of parts) {
    if (part.bytes) files.push(part);
    else fields[part.name] = part.value ?? '';
  }
  return { fields, files };
}

const imageCache = new Map<string, Promise<Buffer>>();

/** A real image of exactly width×height. Cached per size and format, so emulators stay cheap under load. */
export function fakeImage(width: number, height: number, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<Buffer> {
  const key = `${width}x${height}.${format}`;
  let image = imageCache.get(key);
  if (!image) {
    const hue = (width * 7 + height * 13) % 255;
    image = sharp({ create: { width, height, channels: 3, background: { r: hue, g: 120, b: 255 - hue } } })
      .toFormat(format)
      .toBuffer();
    imageCache.set(key, image);
  }
  return image;
}

/** Parses `WxH` into numbers; undefined when it is not of that shape. */
export function parseSize(size: unknown): { width: number; height: number } | undefined {
  const m = typeof size === 'string' ? /^(\d+)x(\d+)$/.exec(size) : null;
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}

/** width/height for an aspect ratio `a:b` at about `megapixels` MP, rounded to multiples of 16. */
export function sizeForRatio(ratio: string, megapixels = 1, separator = ':'): { width: number; height: number } {
  const [a, b] = ratio.split(separator).map(Number);
  const r = a && b ? a / b : 1;
  const height = Math.sqrt((megapixels * 1024 * 1024) / r);
  const round16 = (v: number) => Math.max(16, Math.round(v / 16) * 16);
  return { width: round16(height * r), height: round16(height) };
}
