// One generation from the playground: the create, then — when the answer is a task — its progress
// from the task's event stream (GET /v1/tasks/{id}/events), or by polling when the stream fails.

import { ApiError, get, query } from '../api.ts';
import type { ImageData, List, TaskItem } from '../types.ts';

export interface Job {
  key: number;
  model: string;
  parameters: Record<string, unknown>;
  status: 'running' | 'pending' | 'processing' | 'completed' | 'failed';
  progress?: number;
  images: ImageData[];
  taskId?: string;
  cost?: string | null;
  normalized?: Record<string, string>;
  error?: unknown;
  via?: 'inline' | 'events' | 'polling';
}

const POLL_MS = 1500;

interface CreateAnswer {
  status?: string;
  task_id?: string;
  data?: ImageData[];
  normalized?: Record<string, string>;
}

/** Runs the create and reports every change of the job until it ends. */
export async function runJob(job: Job, send: () => Promise<{ body: CreateAnswer; headers: Headers }>, update: (patch: Partial<Job>) => void): Promise<void> {
  let answer;
  try {
    answer = await send();
  } catch (error) {
    update({ status: 'failed', error });
    return;
  }
  const { body, headers } = answer;
  if (body.status === 'pending' && body.task_id) {
    update({ status: 'pending', taskId: body.task_id });
    await follow(body.task_id, update);
  } else {
    update({ status: 'completed', images: body.data ?? [], normalized: body.normalized, via: 'inline' });
  }
  await describe(headers.get('x-request-id'), update);
}

/** The task behind an answer (every create is one): its id and cost, from GET /v1/tasks. */
async function describe(requestId: string | null, update: (patch: Partial<Job>) => void): Promise<void> {
  if (!requestId) return;
  try {
    const list = await get<List<TaskItem>>(`/v1/tasks${query({ request_id: requestId, limit: 1 })}`);
    const task = list.data[0];
    if (task) update({ taskId: task.id, cost: task.cost_usd, normalized: task.normalized });
  } catch {
    // Only the details are missing; the images are shown.
  }
}

function fromTask(task: TaskItem): Partial<Job> {
  if (task.status === 'completed') return { status: 'completed', images: task.data, progress: 100 };
  if (task.status === 'failed') return { status: 'failed', error: new ApiError(502, task.error?.message ?? 'The task failed', task.error?.code, undefined, []) };
  return { status: task.status, progress: task.progress };
}

function follow(taskId: string, update: (patch: Partial<Job>) => void): Promise<void> {
  return new Promise((resolve) => {
    if (typeof EventSource === 'undefined') return void poll(taskId, update).then(resolve);
    const events = new EventSource(`/v1/tasks/${taskId}/events`);
    let ended = false;
    const end = () => {
      ended = true;
      events.close();
      resolve();
    };
    const status = (e: MessageEvent) => {
      const s = JSON.parse(e.data) as { status: TaskItem['status']; progress?: number };
      update({ status: s.status, progress: s.progress, via: 'events' });
    };
    events.addEventListener('status', status);
    events.addEventListener('progress', status);
    events.addEventListener('completed', (e) => {
      update({ ...fromTask(JSON.parse((e as MessageEvent).data) as TaskItem), via: 'events' });
      end();
    });
    events.addEventListener('failed', (e) => {
      update({ ...fromTask({ ...(JSON.parse((e as MessageEvent).data) as TaskItem), status: 'failed' }), via: 'events' });
      end();
    });
    // The stream broke (a proxy that buffers, a restart): go on by polling.
    events.onerror = () => {
      if (ended) return;
      ended = true;
      events.close();
      void poll(taskId, update).then(resolve);
    };
  });
}

async function poll(taskId: string, update: (patch: Partial<Job>) => void): Promise<void> {
  for (;;) {
    try {
      const task = await get<TaskItem>(`/v1/tasks/${taskId}`);
      update({ ...fromTask(task), via: 'polling' });
      if (task.status === 'completed' || task.status === 'failed') return;
    } catch (error) {
      update({ status: 'failed', error });
      return;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

