// GET /v1/tasks/{id}/events: the owner hears a task's status and progress, then its images, and
// the stream ends; Last-Event-ID resumes without repeats; another account gets the same 404 as an
// unknown task; a task closed on another replica reaches a stream on this one at once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface SseEvent {
  id?: string;
  event?: string;
  data?: any;
}

/** Reads a whole event stream (the server ends it after the terminal event). */
async function readEvents(res: Response): Promise<{ events: SseEvent[]; comments: number }> {
  const text = await res.text();
  const events: SseEvent[] = [];
  let comments = 0;
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const event: SseEvent = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments++;
      else if (line.startsWith('id: ')) event.id = line.slice(4);
      else if (line.startsWith('event: ')) event.event = line.slice(7);
      else if (line.startsWith('data: ')) event.data = JSON.parse(line.slice(6));
    }
    if (event.event) events.push(event);
  }
  return { events, comments };
}

const channels = [{ id: 'demo', provider: 'demo', models: ['midjourney', 'gpt-image-2'], options: { task_ms: 1_500 } }];

describe('one replica', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { channels, tasks: { worker_interval_ms: 100 } } });
  });
  afterAll(() => server?.close());

  const createTask = async () => (await (await server.call('/v1/images/generations', { method: 'POST', json: { model: 'midjourney', prompt: 'a harbour at night' } })).json()).task_id as string;

  it('streams status and progress, then completed with the images, then ends', async () => {
    const taskId = await createTask();
    const res = await server.call(`/v1/tasks/${taskId}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { events } = await readEvents(res);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('status');
    expect(names.at(-1)).toBe('completed');
    expect(names.filter((n) => n === 'completed')).toHaveLength(1);
    expect(names.every((n) => n === 'status' || n === 'progress' || n === 'completed')).toBe(true);
    const done = events.at(-1)!.data;
    expect(done).toMatchObject({ id: taskId, status: 'completed' });
    expect((await fetch(done.data[0].url)).status).toBe(200);
    // Ids name states: no two events report the same one.
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('resumes from Last-Event-ID without telling the client again what it saw', async () => {
    const taskId = await createTask();
    const first = await readEvents(await server.call(`/v1/tasks/${taskId}/events`));
    const terminal = first.events.at(-1)!;
    const again = await readEvents(await server.call(`/v1/tasks/${taskId}/events`, { headers: { 'last-event-id': terminal.id! } }));
    expect(again.events).toEqual([]);
    const fresh = await readEvents(await server.call(`/v1/tasks/${taskId}/events`, { headers: { 'last-event-id': 'pending.0' } }));
    expect(fresh.events.map((e) => e.event)).toEqual(['completed']);
  });

  it('another account, an unknown task and a malformed id all get the same 404 before any stream opens', async () => {
    const taskId = await createTask();
    const other = await server.newAccount('1');
    const answers = await Promise.all([
      server.call(`/v1/tasks/${taskId}/events`, { key: other.key }),
      server.call(`/v1/tasks/ldtask_${'0'.repeat(32)}/events`),
      server.call('/v1/tasks/nope/events'),
    ]);
    const bodies = await Promise.all(answers.map((r) => r.json()));
    for (const [i, res] of answers.entries()) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(bodies[i]).toEqual(bodies[1]);
    }
    expect((await server.call(`/v1/tasks/${taskId}/events`, { key: null })).status).toBe(401);
  });
});

describe('two replicas on one PostgreSQL database', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ dialect: 'postgres', config: { channels, tasks: { worker_interval_ms: 100 } } });
    b = await startTestServer({ config: { database_url: a.config.database_url, channels, tasks: { worker_interval_ms: 100 } } });
    // Only A works on tasks: B learns of the close through PostgreSQL.
    await b.engine.stop(0);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a stream on B ends with completed moments after A closes the task', async () => {
    const created = await (await a.call('/v1/images/generations', { method: 'POST', json: { model: 'midjourney', prompt: 'a lighthouse' } })).json();
    const { events } = await readEvents(await b.call(`/v1/tasks/${created.task_id}/events`, { key: a.apiKey }));
    const endedAt = Date.now();
    expect(events.at(-1)).toMatchObject({ event: 'completed' });
    const row = await b.db.kysely.selectFrom('tasks').select('updated_at').where('id', '=', created.task_id).executeTakeFirstOrThrow();
    // Heard through NOTIFY, not at the next 2 s read of the row.
    expect(endedAt - row.updated_at).toBeLessThan(750);
  });
});
