// GET /v1/tasks/{id}/events: a task's life as Server-Sent Events — `status` when its status changes,
// `progress` when only its progress does, then `completed` (with the images, as a poll shows them)
// or `failed` (with the error), after which the stream ends. A close is heard at once wherever the
// task ran (TaskWakeups: LISTEN/NOTIFY across replicas); progress, which is only in the row, is read
// every few seconds. Event ids name the state they report, so a client that reconnects with
// Last-Event-ID is not told again what it already saw. Only the owner sees a task's events.

import type { FastifyInstance } from 'fastify';
import type { TaskRow } from '../../tasks/store.ts';
import type { TaskWakeups } from '../../tasks/wakeups.ts';
import { taskSnapshotBody } from '../../tasks/views.ts';
import type { AppDeps } from '../app.ts';
import { findOwnedTask } from './tasks.ts';

/** How often the row is read for progress while no close is heard. */
const PROGRESS_CHECK_MS = 2_000;
/** A comment line this often keeps proxies and clients from timing an idle stream out. */
const HEARTBEAT_MS = 15_000;
/** A stream ends after this even if the task has not; the client reconnects with Last-Event-ID. */
const MAX_STREAM_MS = 10 * 60_000;

type EventName = 'status' | 'progress' | 'completed' | 'failed';

const isTerminal = (task: TaskRow) => task.status === 'completed' || task.status === 'failed';
const eventId = (task: TaskRow) => `${task.status}.${task.progress ?? 0}`;

export function taskEventRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'db' | 'blobs'> & { wakeups: Pick<TaskWakeups, 'waitFor'> }): void {
  app.get<{ Params: { id: string } }>('/v1/tasks/:id/events', async (request, reply) => {
    const caller = await deps.auth.caller(request);
    // Everything that can be refused is refused before the stream opens, as an ordinary JSON error.
    let task = await findOwnedTask(deps.db.kysely, caller, request.params.id);
    const resumedFrom = request.headers['last-event-id'];
    let lastSent = typeof resumedFrom === 'string' ? resumedFrom : undefined;
    let previous: TaskRow | undefined;

    const gone = new AbortController();
    request.raw.socket.once('close', () => gone.abort());
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
      'x-task-id': task.id,
    });
    let lastWrite = Date.now();
    const write = (text: string) => {
      out.write(text);
      lastWrite = Date.now();
    };
    const send = (event: EventName, id: string, data: unknown) => write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

    const endsAt = Date.now() + MAX_STREAM_MS;
    try {
      while (!gone.signal.aborted) {
        const id = eventId(task);
        if (id !== lastSent) {
          if (isTerminal(task)) send(task.status as EventName, id, await taskSnapshotBody(task, (key) => deps.blobs.urlFor(key)));
          else send(previous && previous.status === task.status ? 'progress' : 'status', id, { id: task.id, status: task.status, progress: task.progress ?? 0 });
          lastSent = id;
        }
        if (isTerminal(task) || Date.now() >= endsAt) break;
        await deps.wakeups.waitFor(task.id, PROGRESS_CHECK_MS, gone.signal);
        if (Date.now() - lastWrite >= HEARTBEAT_MS) write(': keep-alive\n\n');
        previous = task;
        const next = await findOwnedTask(deps.db.kysely, caller, task.id).catch(() => undefined);
        if (!next) break; // swept, or the database is away: the client reconnects and resumes
        task = next;
      }
    } finally {
      out.end();
    }
  });
}
