// The Black Forest Labs API (upstreams.md §5, upstream-openapi/bfl.json) on three listeners, as the real
// service spreads over hosts:
//   - the API host: `POST /v1/{endpoint}` → {id, polling_url, cost, input_mp, output_mp}, and
//     `GET /v1/get_result?id=`;
//   - a second "cluster" host that every polling_url points at (`GET /v1/get_result?id=`), like the
//     api.us1.bfl.ai URLs the global endpoint hands out;
//   - a delivery host serving the signed `result.sample` URLs, which expire (`se`, `sig`) and which
//     REFUSES any request carrying `x-key` (an emulator rule, so a test proves Easel never forwards it).
// Auth is `x-key` (403 {"detail":"Not authenticated - Invalid Authentication"} when missing or wrong);
// bodies are checked as FluxPro11Inputs / FluxKontextProInputs (422 FastAPI `detail` lists); 429 when
// more than `maxActiveTasks` tasks are unfinished. A task is Pending (with progress 0–1) for
// `pendingPolls` polls, then Ready.
//
// Behaviours (inject on the submit path; they shape the task made): 'moderate' (Content Moderated after
// the pending polls), 'request_moderated' (Request Moderated at once), 'error' (Error at once),
// 'fail_midway' (Pending, then Error), 'lose' (Task not found), 'stall' (Pending forever),
// 'no_credits' (402 at submit).
//
// Polls are counted per task id, and polls of one id that overlap are recorded:
// maxConcurrentPollsPerTask() shows whether two Easel workers ever polled one task at once.

import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Emulator, fakeImage, recordedOf, sizeForRatio } from './kit.ts';

export const BFL_TEST_KEY = 'bfl-emulator-test-key-0123456789';
export const BFL_PIXEL_ENDPOINTS = ['flux-pro-1.1', 'flux-dev'];
export const BFL_RATIO_ENDPOINTS = ['flux-kontext-pro', 'flux-kontext-max'];
export const BFL_DEFAULT_PENDING_POLLS = 2;
/** The commonly cited default cap on active tasks per account [docs/unverified]. */
export const BFL_DEFAULT_MAX_ACTIVE = 24;
/** BFL's docs: sample URLs are valid for about 10 minutes. */
export const BFL_SAMPLE_TTL_MS = 10 * 60_000;
/** What prompt upsampling adds to a prompt here. */
export const BFL_UPSAMPLE_SUFFIX = ', cinematic lighting, highly detailed';
/** Long enough that two overlapping polls of one task would be seen, short enough to stay cheap. */
const DEFAULT_POLL_LATENCY_MS = 10;
/** FluxPro11Inputs width/height. */
const EDGE_MIN = 256;
const EDGE_MAX = 1440;
const EDGE_MULTIPLE = 32;
const FORMATS = ['jpeg', 'png', 'webp'] as const;
type Format = (typeof FORMATS)[number];
/** Credits per task (FLUX1.1 [pro] 4, Kontext [pro] 4, [max] 8, dev 2.5). */
const COST: Record<string, number> = { 'flux-pro-1.1': 4, 'flux-dev': 2.5, 'flux-kontext-pro': 4, 'flux-kontext-max': 8 };

type Issue = { loc: Array<string | number>; msg: string; type: string };

interface BflTaskRecord {
  id: string;
  endpoint: string;
  prompt: string;
  /** prompt_upsampling was asked: result.prompt is the rewritten prompt. */
  upsampled: boolean;
  seed: number;
  width: number;
  height: number;
  format: Format;
  behaviour?: string;
  polls: number;
  startedAt: number;
  /** Set once a terminal status was answered: the task no longer counts as active. */
  terminal?: string;
}

export interface BflEmulatorOptions {
  pendingPolls?: number;
  maxActiveTasks?: number;
  sampleTtlMs?: number;
  /** How long a poll takes, so overlapping polls of one task can be seen. */
  pollLatencyMs?: number;
}

/** Kontext's output for an aspect ratio: about 1 MP. */
export function bflRatioSize(ratio: string | undefined): { width: number; height: number } {
  return sizeForRatio(ratio ?? '1:1', 1);
}

export class BflEmulator extends Emulator {
  /** The host polling_url points at. */
  readonly pollHost = new Emulator('bfl-poll', { errorBody: (_status, message) => ({ detail: message }) });
  /** The host result.sample points at. */
  readonly delivery = new Emulator('bfl-delivery', { errorBody: (_status, message) => ({ detail: message }) });
  pendingPolls: number;
  maxActiveTasks: number;
  sampleTtlMs: number;
  pollLatencyMs: number;
  readonly tasks = new Map<string, BflTaskRecord>();
  private readonly polls = new Map<string, number>();
  private readonly inflight = new Map<string, number>();
  private maxConcurrent = 0;
  private readonly signingKey = randomBytes(32);

  constructor(private readonly settings: BflEmulatorOptions = {}) {
    super('bfl', { errorBody: (_status, message) => ({ detail: message }) });
    this.pendingPolls = settings.pendingPolls ?? BFL_DEFAULT_PENDING_POLLS;
    this.maxActiveTasks = settings.maxActiveTasks ?? BFL_DEFAULT_MAX_ACTIVE;
    this.sampleTtlMs = settings.sampleTtlMs ?? BFL_SAMPLE_TTL_MS;
    this.pollLatencyMs = settings.pollLatencyMs ?? DEFAULT_POLL_LATENCY_MS;

    this.app.post('/v1/:endpoint', (request, reply) => this.submit(request, reply));
    this.app.get('/v1/get_result', (request, reply) => this.result(this, request, reply));
    this.pollHost.app.get('/v1/get_result', (request, reply) => this.result(this.pollHost, request, reply));
    this.delivery.app.get('/results/:id/:file', (request, reply) => this.sample(request, reply));
  }

  /** How many times the task was polled, on either host. */
  pollCount(id: string): number {
    return this.polls.get(id) ?? 0;
  }

  /** The most polls of one task id that were in flight at the same moment. */
  maxConcurrentPollsPerTask(): number {
    return this.maxConcurrent;
  }

  activeTasks(): number {
    let n = 0;
    for (const task of this.tasks.values()) if (!task.terminal && task.behaviour !== 'lose') n++;
    return n;
  }

  override async start(port = 0, host = '127.0.0.1'): Promise<string> {
    await this.pollHost.start(0, host);
    await this.delivery.start(0, host);
    return super.start(port, host);
  }

  override async close(): Promise<void> {
    await Promise.all([super.close(), this.pollHost.close(), this.delivery.close()]);
  }

  override reset(): void {
    super.reset();
    this.pollHost.reset();
    this.delivery.reset();
    this.tasks.clear();
    this.polls.clear();
    this.inflight.clear();
    this.maxConcurrent = 0;
    this.pendingPolls = this.settings.pendingPolls ?? BFL_DEFAULT_PENDING_POLLS;
    this.maxActiveTasks = this.settings.maxActiveTasks ?? BFL_DEFAULT_MAX_ACTIVE;
    this.sampleTtlMs = this.settings.sampleTtlMs ?? BFL_SAMPLE_TTL_MS;
    this.pollLatencyMs = this.settings.pollLatencyMs ?? DEFAULT_POLL_LATENCY_MS;
  }

  private authorised(request: FastifyRequest): boolean {
    return request.headers['x-key'] === BFL_TEST_KEY;
  }

  private async submit(request: FastifyRequest, reply: FastifyReply) {
    if (!this.authorised(request)) return this.error(reply, 403, 'Not authenticated - Invalid Authentication');
    const endpoint = (request.params as { endpoint: string }).endpoint;
    const ratio = BFL_RATIO_ENDPOINTS.includes(endpoint);
    if (!ratio && !BFL_PIXEL_ENDPOINTS.includes(endpoint)) return this.error(reply, 404, 'Not Found');
    const body = recordedOf(request).json;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return reply.status(422).send({ detail: [{ loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', type: 'model_attributes_type' }] });
    }
    const issues = ratio ? validateRatio(body) : validatePixels(body);
    if (issues.length > 0) return reply.status(422).send({ detail: issues });

    const behaviour = this.takeBehaviour(request.url)?.name;
    if (behaviour === 'no_credits') return this.error(reply, 402, 'Insufficient credits. Add credits in the dashboard to continue.');
    if (this.activeTasks() >= this.maxActiveTasks) {
      return this.error(reply, 429, `You have reached the maximum of ${this.maxActiveTasks} active tasks. Wait for a task to finish before submitting another.`);
    }

    const size = ratio ? bflRatioSize(body.aspect_ratio ?? undefined) : { width: body.width ?? 1024, height: body.height ?? 768 };
    const task: BflTaskRecord = {
      id: randomUUID(),
      endpoint,
      prompt: body.prompt ?? '',
      upsampled: body.prompt_upsampling === true,
      seed: body.seed ?? Math.floor(Math.random() * 2 ** 31),
      ...size,
      format: body.output_format ?? (ratio ? 'png' : 'jpeg'),
      behaviour,
      polls: 0,
      startedAt: Date.now() / 1000,
    };
    this.tasks.set(task.id, task);
    const megapixels = Math.round((size.width * size.height) / 10_000) / 100;
    return reply.send({ id: task.id, polling_url: `${this.pollHost.url}/v1/get_result?id=${task.id}`, cost: COST[endpoint], input_mp: 0, output_mp: megapixels });
  }

  private async result(host: Emulator, request: FastifyRequest, reply: FastifyReply) {
    if (!this.authorised(request)) return host.error(reply, 403, 'Not authenticated - Invalid Authentication');
    const id = (request.query as { id?: string }).id;
    if (!id) return reply.status(422).send({ detail: [{ loc: ['query', 'id'], msg: 'Field required', type: 'missing' }] });
    this.polls.set(id, this.pollCount(id) + 1);
    const concurrent = (this.inflight.get(id) ?? 0) + 1;
    this.inflight.set(id, concurrent);
    this.maxConcurrent = Math.max(this.maxConcurrent, concurrent);
    try {
      if (this.pollLatencyMs > 0) await new Promise((r) => setTimeout(r, this.pollLatencyMs));
    } finally {
      this.inflight.set(id, (this.inflight.get(id) ?? 1) - 1);
    }
    const task = this.tasks.get(id);
    const empty = { id, result: null, progress: null, details: null, preview: null };
    // Status "Task not found" with HTTP 200 is inferred, not documented (upstreams.md §5.3).
    if (!task || task.behaviour === 'lose') return reply.send({ ...empty, status: 'Task not found' });
    task.polls += 1;
    return reply.send({ ...empty, ...this.progressOf(task) });
  }

  /** Where the task stands at this poll. */
  private progressOf(task: BflTaskRecord): Record<string, unknown> {
    const pending = { status: 'Pending', progress: Math.round((task.polls / (this.pendingPolls + 1)) * 100) / 100 };
    const done = task.polls > this.pendingPolls;
    const end = (status: string, rest: Record<string, unknown> = {}) => {
      task.terminal = status;
      return { status, ...rest };
    };
    switch (task.behaviour) {
      case 'stall':
        return { status: 'Pending', progress: 0 };
      case 'request_moderated':
        return end('Request Moderated', { details: { 'Moderation Reasons': ['Derivative Works Filter'] } });
      case 'error':
        return end('Error');
      case 'fail_midway':
        return done ? end('Error') : pending;
      case 'moderate':
        return done ? end('Content Moderated', { details: { 'Moderation Reasons': ['NSFW'] } }) : pending;
      default:
        if (!done) return pending;
        return end('Ready', {
          result: {
            sample: this.signedSample(task),
            prompt: task.upsampled ? `${task.prompt}${BFL_UPSAMPLE_SUFFIX}` : task.prompt,
            seed: task.seed,
            start_time: task.startedAt,
            end_time: Date.now() / 1000,
            duration: Date.now() / 1000 - task.startedAt,
          },
        });
    }
  }

  private signedSample(task: BflTaskRecord): string {
    const se = Date.now() + this.sampleTtlMs;
    return `${this.delivery.url}/results/${task.id}/sample.${task.format}?se=${se}&sig=${this.sign(task.id, task.format, se)}`;
  }

  private sign(id: string, format: string, se: number | string): string {
    return createHmac('sha256', this.signingKey).update(`${id}/${format}/${se}`).digest('base64url');
  }

  private async sample(request: FastifyRequest, reply: FastifyReply) {
    const denied = (message: string) => reply.status(403).header('content-type', 'application/xml').send(blobError('AuthenticationFailed', message));
    if (request.headers['x-key'] !== undefined) return denied('This host serves signed URLs only; an x-key header is not accepted here.');
    const { id, file } = request.params as { id: string; file: string };
    const { se, sig } = request.query as { se?: string; sig?: string };
    const task = this.tasks.get(id);
    const format = /^sample\.(jpeg|png|webp)$/.exec(file)?.[1] as Format | undefined;
    if (!task || !format || format !== task.format) return reply.status(404).header('content-type', 'application/xml').send(blobError('BlobNotFound', 'The specified blob does not exist.'));
    if (!se || !sig || sig !== this.sign(id, format, se)) return denied('Signature did not match.');
    if (Date.now() > Number(se)) return denied('Signed expiry time has expired.');
    return reply.header('content-type', `image/${format}`).send(await fakeImage(task.width, task.height, format));
  }
}

export function createBflEmulator(opts: BflEmulatorOptions = {}): BflEmulator {
  return new BflEmulator(opts);
}

function blobError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

function validatePixels(body: Record<string, any>): Issue[] {
  const issues: Issue[] = [];
  if (body.prompt !== undefined && body.prompt !== null && typeof body.prompt !== 'string') issues.push(typeIssue('prompt', 'string'));
  for (const edge of ['width', 'height'] as const) {
    const value = body[edge];
    if (value === undefined) continue;
    if (!Number.isInteger(value)) issues.push(typeIssue(edge, 'int'));
    else if (value < EDGE_MIN) issues.push({ loc: ['body', edge], msg: `Input should be greater than or equal to ${EDGE_MIN}`, type: 'greater_than_equal' });
    else if (value > EDGE_MAX) issues.push({ loc: ['body', edge], msg: `Input should be less than or equal to ${EDGE_MAX}`, type: 'less_than_equal' });
    else if (value % EDGE_MULTIPLE !== 0) issues.push({ loc: ['body', edge], msg: `Input should be a multiple of ${EDGE_MULTIPLE}`, type: 'multiple_of' });
  }
  if (body.image_prompt !== undefined && body.image_prompt !== null && typeof body.image_prompt !== 'string') issues.push(typeIssue('image_prompt', 'string'));
  return [...issues, ...validateCommon(body)];
}

function validateRatio(body: Record<string, any>): Issue[] {
  const issues: Issue[] = [];
  if (body.prompt === undefined) issues.push({ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' });
  else if (typeof body.prompt !== 'string') issues.push(typeIssue('prompt', 'string'));
  if (body.aspect_ratio !== undefined && body.aspect_ratio !== null) {
    const m = typeof body.aspect_ratio === 'string' ? /^(\d+):(\d+)$/.exec(body.aspect_ratio) : null;
    const r = m ? Number(m[1]) / Number(m[2]) : NaN;
    if (!(r >= 9 / 21 - 1e-9 && r <= 21 / 9 + 1e-9)) issues.push({ loc: ['body', 'aspect_ratio'], msg: 'Value error, Aspect ratio must be between 21:9 and 9:21', type: 'value_error' });
  }
  for (const field of ['input_image', 'input_image_2', 'input_image_3', 'input_image_4']) {
    const value = body[field];
    if (value !== undefined && value !== null && (typeof value !== 'string' || value === '')) issues.push(typeIssue(field, 'string'));
  }
  return [...issues, ...validateCommon(body)];
}

function validateCommon(body: Record<string, any>): Issue[] {
  const issues: Issue[] = [];
  if (body.seed !== undefined && body.seed !== null && !Number.isInteger(body.seed)) issues.push(typeIssue('seed', 'int'));
  if (body.prompt_upsampling !== undefined && typeof body.prompt_upsampling !== 'boolean') issues.push(typeIssue('prompt_upsampling', 'bool'));
  if (body.safety_tolerance !== undefined) {
    const v = body.safety_tolerance;
    if (!Number.isInteger(v)) issues.push(typeIssue('safety_tolerance', 'int'));
    else if (v < 0 || v > 6) issues.push({ loc: ['body', 'safety_tolerance'], msg: v < 0 ? 'Input should be greater than or equal to 0' : 'Input should be less than or equal to 6', type: v < 0 ? 'greater_than_equal' : 'less_than_equal' });
  }
  if (body.output_format !== undefined && body.output_format !== null && !FORMATS.includes(body.output_format)) {
    issues.push({ loc: ['body', 'output_format'], msg: "Input should be 'jpeg', 'png' or 'webp'", type: 'enum' });
  }
  return issues;
}

function typeIssue(field: string, kind: 'string' | 'int' | 'bool'): Issue {
  const msg = kind === 'string' ? 'Input should be a valid string' : kind === 'int' ? 'Input should be a valid integer' : 'Input should be a valid boolean';
  return { loc: ['body', field], msg, type: `${kind}_type` };
}
