// midjourney-proxy (novicezk, with the trueai fork's extra statuses) as upstreams.md §6.1–6.2 describe
// it, under the Spring context path `/mj`:
//   - `POST /mj/submit/imagine` {prompt, base64Array?} → ALWAYS HTTP 200 with the SubmitResultVO
//     envelope {code, description, result, properties}; descriptions in Chinese as the proxy writes
//     them (成功, 排队中，前面还有1个任务, 队列已满，请稍后尝试, 可能包含敏感词, prompt不能为空, ...);
//   - `GET /mj/task/{id}/fetch` → the task (numeric ~16-digit id, epoch-ms times, progress "45%",
//     imageUrl: a preview while IN_PROGRESS, the grid on SUCCESS); an unknown id → HTTP 200, EMPTY body;
//   - `mj-api-secret` checked when `secret` is set (default MJ_TEST_SECRET): a mismatch → HTTP 401 with
//     an empty body, as the proxy's interceptor does;
//   - `GET /mj/task/list` → every task, newest first; each keeps the submitter's `state` string;
//   - the images themselves, served here like a Discord CDN (`/attachments/...`, PNG, no auth).
// A task answers NOT_START/SUBMITTED on its first fetch, IN_PROGRESS for the next `pendingPolls - 1`,
// then SUCCESS. The grid is 2×2 tiles of about 1 MP each at the prompt's `--ar` (default 1:1).
//
// Behaviours (inject on the submit path): at submit 'banned' (code 24), 'queue_full' (23),
// 'queued' (22, the task then starts NOT_START), 'exists' (21), 'system_error' (9); on the task
// 'fail' (FAILURE; detail.failReason overrides the reason), 'moderate' (FAILURE with Midjourney's
// banned-prompt reason), 'lose' (fetch answers an empty body), 'stall' (IN_PROGRESS forever),
// 'modal' and 'cancel' (the trueai statuses).

import { randomInt } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Emulator, fakeImage, recordedOf, sizeForRatio } from './kit.ts';

export const MJ_TEST_SECRET = 'mj-emulator-test-secret-0123456789';
export const MJ_DEFAULT_PENDING_POLLS = 2;
export const MJ_DISCORD_INSTANCE_ID = '1118138338562560102';
export const MJ_BANNED_REASON = '[Banned prompt detected] Sorry! Our AI moderator thinks this prompt is probably against our community standards.';
const DATA_URL = /^data:image\/(png|jpeg|jpg|webp|gif);base64,[A-Za-z0-9+/]+={0,2}$/;
const STALLED_PROGRESS = '12%';

interface MjTaskRecord {
  id: string;
  prompt: string;
  /** The submitter's own `state` string, kept and shown on the task. */
  state: string | null;
  submitTime: number;
  startTime?: number;
  finishTime?: number;
  behaviour?: string;
  failReason?: string;
  queued: boolean;
  polls: number;
  width: number;
  height: number;
}

/** The grid Midjourney draws for a prompt: 2×2 tiles of about 1 MP at its --ar. */
export function mjGridSize(prompt: string): { width: number; height: number } {
  const m = /(?:^|\s)--(?:ar|aspect)\s+(\d+):(\d+)/.exec(prompt);
  const tile = sizeForRatio(m ? `${m[1]}:${m[2]}` : '1:1', 1);
  return { width: tile.width * 2, height: tile.height * 2 };
}

export class MidjourneyEmulator extends Emulator {
  /** The proxy's `mj.api-secret`; undefined: the proxy checks nothing. */
  secret: string | undefined = MJ_TEST_SECRET;
  pendingPolls = MJ_DEFAULT_PENDING_POLLS;
  readonly tasks = new Map<string, MjTaskRecord>();

  constructor() {
    // Spring Boot's default error body, for faults the proxy itself would not shape.
    super('midjourney', { errorBody: (status, message) => ({ timestamp: new Date().toISOString(), status, error: message, path: '' }) });
    this.app.post('/mj/submit/imagine', (request, reply) => this.imagine(request, reply));
    this.app.get('/mj/task/:id/fetch', (request, reply) => this.fetchTask(request, reply));
    // TaskController.list: every task the proxy's store holds, newest first.
    this.app.get('/mj/task/list', (request, reply) => {
      if (this.refused(request, reply)) return reply;
      const origin = `${request.protocol}://${request.headers.host}`;
      // Listed as last fetched (or as just submitted): listing does not advance a task.
      return reply.send([...this.tasks.values()].sort((a, b) => b.submitTime - a.submitTime).map((task) => this.snapshot(task, origin, Math.max(1, task.polls))));
    });
    this.app.get('/attachments/:channel/:id/:file', (request, reply) => this.image(request, reply));
  }

  pollCount(id: string): number {
    return this.tasks.get(id)?.polls ?? 0;
  }

  override reset(): void {
    super.reset();
    this.tasks.clear();
    this.secret = MJ_TEST_SECRET;
    this.pendingPolls = MJ_DEFAULT_PENDING_POLLS;
  }

  /** ApiAuthorizeInterceptor: 401 and nothing else. */
  private refused(request: FastifyRequest, reply: FastifyReply): boolean {
    if (this.secret === undefined || request.headers['mj-api-secret'] === this.secret) return false;
    void reply.status(401).send();
    return true;
  }

  private async imagine(request: FastifyRequest, reply: FastifyReply) {
    if (this.refused(request, reply)) return reply;
    const body = recordedOf(request).json;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return this.error(reply, 400, 'Bad Request');
    const vo = (code: number, description: string, result: string | null = null, properties: Record<string, unknown> = {}) =>
      reply.send({ code, description, result, properties });
    if (typeof body.prompt !== 'string' || body.prompt.trim() === '') return vo(4, 'prompt不能为空');
    if (body.base64Array !== undefined && (!Array.isArray(body.base64Array) || !body.base64Array.every((s: unknown) => typeof s === 'string' && DATA_URL.test(s)))) {
      return vo(4, 'base64格式错误');
    }

    const fault = this.takeBehaviour(request.url);
    const behaviour = fault?.name;
    const instance = { discordInstanceId: MJ_DISCORD_INSTANCE_ID };
    if (behaviour === 'banned') return vo(24, '可能包含敏感词', null, { promptEn: body.prompt, bannedWord: String(fault?.detail?.word ?? 'gore') });
    if (behaviour === 'queue_full') return vo(23, '队列已满，请稍后尝试', null, instance);
    if (behaviour === 'system_error') return vo(9, '提交失败，系统异常', null, instance);

    const task: MjTaskRecord = {
      id: newTaskId(this.tasks),
      prompt: body.prompt,
      state: typeof body.state === 'string' ? body.state : null,
      submitTime: Date.now(),
      behaviour,
      failReason: typeof fault?.detail?.failReason === 'string' ? fault.detail.failReason : undefined,
      queued: behaviour === 'queued',
      polls: 0,
      ...mjGridSize(body.prompt),
    };
    this.tasks.set(task.id, task);
    if (behaviour === 'queued') return vo(22, '排队中，前面还有1个任务', task.id, { numberOfQueues: 1, ...instance });
    if (behaviour === 'exists') return vo(21, '任务已存在', task.id, { status: 'SUBMITTED', imageUrl: null });
    return vo(1, '成功', task.id, instance);
  }

  private async fetchTask(request: FastifyRequest, reply: FastifyReply) {
    if (this.refused(request, reply)) return reply;
    const task = this.tasks.get((request.params as { id: string }).id);
    // TaskController returns null for an unknown id: Spring writes HTTP 200 and no body at all.
    if (!task || task.behaviour === 'lose') return reply.status(200).send();
    task.polls += 1;
    return reply.send(this.snapshot(task, `${request.protocol}://${request.headers.host}`));
  }

  private snapshot(task: MjTaskRecord, origin: string, k = task.polls): Record<string, unknown> {
    const body: Record<string, unknown> = {
      id: task.id,
      action: 'IMAGINE',
      prompt: task.prompt,
      promptEn: task.prompt,
      description: `/imagine ${task.prompt}`,
      state: task.state,
      submitTime: task.submitTime,
      startTime: task.startTime ?? null,
      finishTime: task.finishTime ?? null,
      progress: '0%',
      imageUrl: null,
      failReason: null,
      properties: { finalPrompt: `${task.prompt} --v 6.1`, discordInstanceId: MJ_DISCORD_INSTANCE_ID, notifyHook: null },
    };
    const image = (file: string) => `${origin}/attachments/${MJ_DISCORD_INSTANCE_ID}/${task.id}/${file}`;
    const finish = (status: string, rest: Record<string, unknown>) => {
      task.finishTime ??= Date.now();
      return { ...body, finishTime: task.finishTime, status, ...rest };
    };
    if (k === 1) return { ...body, status: task.queued ? 'NOT_START' : 'SUBMITTED' };
    task.startTime ??= Date.now();
    body.startTime = task.startTime;
    switch (task.behaviour) {
      case 'stall':
        return { ...body, status: 'IN_PROGRESS', progress: STALLED_PROGRESS, imageUrl: image(`preview_${task.id}.png`) };
      case 'fail':
        return finish('FAILURE', { progress: '', failReason: task.failReason ?? 'Create task error' });
      case 'moderate':
        return finish('FAILURE', { progress: '', failReason: task.failReason ?? MJ_BANNED_REASON });
      case 'modal':
        return { ...body, status: 'MODAL', progress: '0%' };
      case 'cancel':
        return finish('CANCEL', { progress: '' });
    }
    if (k <= this.pendingPolls) {
      const progress = `${Math.floor((100 * (k - 1)) / this.pendingPolls)}%`;
      return { ...body, status: 'IN_PROGRESS', progress, imageUrl: image(`preview_${task.id}.png`) };
    }
    return finish('SUCCESS', { progress: '100%', imageUrl: image(`grid_${task.id}.png`) });
  }

  private async image(request: FastifyRequest, reply: FastifyReply) {
    const { id, file } = request.params as { id: string; file: string };
    const task = this.tasks.get(id);
    const kind = /^(grid|preview)_\d+\.png$/.exec(file)?.[1];
    if (!task || !kind) return reply.status(404).send('This content is no longer available.');
    // Previews are smaller and blurrier than the final grid; here just smaller.
    const scale = kind === 'grid' ? 1 : 0.25;
    return reply.header('content-type', 'image/png').send(await fakeImage(Math.round(task.width * scale), Math.round(task.height * scale), 'png'));
  }
}

export function createMidjourneyEmulator(): MidjourneyEmulator {
  return new MidjourneyEmulator();
}

/** RandomUtil.randomNumbers(16): sixteen digits. */
function newTaskId(taken: Map<string, unknown>): string {
  for (;;) {
    let id = String(randomInt(1, 10));
    while (id.length < 16) id += String(randomInt(0, 10));
    if (!taken.has(id)) return id;
  }
}
