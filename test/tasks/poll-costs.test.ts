// What a poll of a pending task does not pay for (bench/tasks/pending-tasks.ts: 10,000 pending tasks
// polled hundreds of times a second): no input images read from the blob store when the task is
// loaded, no AbortSignal.timeout/any pair per upstream call, no lease statement per freed slot.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { NormalizedImageRequest } from '../../src/catalog/types.ts';
import { ImageExecutor } from '../../src/pipeline/executor.ts';
import { serializeRequest } from '../../src/pipeline/inputs.ts';
import type { ProviderAdapter } from '../../src/providers/types.ts';
import { CallSignal, type Router } from '../../src/routing/router.ts';
import { LocalBlobStore } from '../../src/storage/blobs/local.ts';
import { openDatabase } from '../../src/storage/db/open.ts';
import { TaskEngine } from '../../src/tasks/engine.ts';
import type { StepContext, TaskExecutor } from '../../src/tasks/executor.ts';
import { tempDir } from '../helpers/databases.ts';
import { tinyPng } from '../helpers/png.ts';
import { submittedTaskRow } from './task-rows.ts';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('a task loaded from its row', () => {
  it('leaves its input images in the blob store until a start sends them', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'easel-poll-costs-'));
    dirs.push(dir);
    const blobs = new LocalBlobStore(dir, () => 'http://easel.test');
    const png = await tinyPng();
    const req = {
      model: 'gpt-image-2', requestedModel: 'gpt-image-2', endpoint: '/v1/images/edits', operation: 'image-edit', prompt: 'p', n: 1, responseFormat: 'url', async: true,
      images: [{ bytes: png, mime: 'image/png', width: 4, height: 3, source: 'image' }],
    } as NormalizedImageRequest;
    const row = submittedTaskRow('t-inputs', { request: JSON.stringify(await serializeRequest(req, blobs)) });
    const get = vi.spyOn(blobs, 'get');
    let sent: NormalizedImageRequest | undefined;
    const adapter = { name: 'fake', edit: async (r: NormalizedImageRequest) => ((sent = r), { images: [{ url: 'https://example.com/out.png' }] }) } as unknown as ProviderAdapter;
    const router = {
      channels: [],
      run: async (_entry: unknown, signal: AbortSignal, call: (a: ProviderAdapter, ctx: unknown) => Promise<unknown>) => ({
        result: await call(adapter, { channel: { id: 'c', options: {} }, upstreamModel: 'gpt-image-2', wire: {}, signal }),
      }),
    } as unknown as Router;
    const executor = new ImageExecutor({ router, blobs, pricing: {} as never, defaultTaskTimeoutMs: 60_000, counters: {} as never, log: pino({ level: 'silent' }) });

    const job = await executor.load(row);
    expect(get).not.toHaveBeenCalled();
    // A poll's load, made many times in a task's life, reads nothing more.
    await executor.load(row);
    expect(get).not.toHaveBeenCalled();

    const ctx: StepContext = { signal: new AbortController().signal, taskId: row.id, requestId: 'r', recordSubmitIntent: async () => 'sub' };
    const started = await executor.start(job, ctx);
    expect(started.kind).toBe('done');
    expect(get).toHaveBeenCalledTimes(1);
    expect(sent!.images![0]!.bytes.equals(png)).toBe(true);
  });
});

describe('the signal an upstream call runs under', () => {
  it('aborts with the caller, or at the channel timeout, and lets go of the caller once the call settles', async () => {
    const caller = new AbortController();
    const first = new CallSignal(caller.signal, 60_000);
    caller.abort(new Error('client left'));
    expect(first.signal.aborted).toBe(true);
    expect((first.signal.reason as Error).message).toBe('client left');
    expect(first.timedOut).toBe(false);
    first.dispose();

    const timed = new CallSignal(new AbortController().signal, 20);
    await new Promise((r) => setTimeout(r, 60));
    expect(timed.signal.aborted).toBe(true);
    expect(timed.timedOut).toBe(true);
    timed.dispose();

    // Disposed: neither the caller's abort nor the timeout reaches it, and the caller keeps no listener.
    const parent = new AbortController();
    const listeners = vi.spyOn(parent.signal, 'removeEventListener');
    const settled = new CallSignal(parent.signal, 20);
    settled.dispose();
    expect(listeners).toHaveBeenCalledTimes(1);
    await new Promise((r) => setTimeout(r, 60));
    parent.abort();
    expect(settled.signal.aborted).toBe(false);
    expect(settled.timedOut).toBe(false);
  });
});

describe('the worker under a backlog', () => {
  it('leases several tasks a statement, not one per freed slot, and keeps up', async () => {
    const db = await openDatabase({ dataDir: tempDir() });
    const TASKS = 60;
    const now = Date.now();
    for (let i = 0; i < TASKS; i++) {
      await db.kysely.insertInto('tasks').values(submittedTaskRow(`b${String(i).padStart(3, '0')}`, { public: 1, next_poll_at: now - TASKS + i })).execute();
    }
    const polled = new Set<string>();
    let order = 0;
    const executor = {
      load: async () => ({}),
      // Polls of spread lengths, so slots free one by one, several ms apart.
      poll: async (_job: unknown, task: { id: string }) => {
        polled.add(task.id);
        await new Promise((r) => setTimeout(r, 5 + ((order++ * 7) % 30)));
        return { kind: 'wait' as const, ms: 600_000 };
      },
    } as unknown as TaskExecutor<unknown, unknown, unknown>;
    const engine = new TaskEngine({ db, executor, log: pino({ level: 'silent' }), config: { concurrency: 8, worker_interval_ms: 10_000, lease_ms: 30_000 } as never });
    const tick = vi.spyOn(engine, 'tick');
    const started = Date.now();
    engine.start();
    try {
      await vi.waitFor(() => expect(polled.size).toBe(TASKS), { timeout: 5_000, interval: 10 });
      // 60 tasks through 8 slots: about 60 / 4 passes when each takes half the slots (one a slot: ~55).
      expect(tick.mock.calls.length).toBeLessThanOrEqual(TASKS / 4 + 4);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await engine.stop(1_000);
      await db.close();
    }
  });
});
