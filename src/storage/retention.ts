// The hourly sweep of orphaned blobs: images a crash left stored but unrecorded (between storing an
// image and closing its task). A task's blobs are written after it was created, and the task expires
// one retention after its creation, so past that only /v1/files uploads (kept until deleted) can still
// point at a blob: anything older than the longest retention, and not a live upload, is an orphan.
// Expired tasks take their own blobs with them (tasks/engine.ts sweep).

import { type Kysely, sql } from 'kysely';
import type { BlobStore } from './blobs/types.ts';
import type { Database } from './db/schema.ts';

/** How often the blob store is swept for blobs no live record can reference. */
const BLOB_SWEEP_EVERY_MS = 60 * 60_000;
/** Blobs younger than retention plus this margin are never swept, whatever references them. */
const BLOB_SWEEP_MARGIN_MS = 60 * 60_000;

export class BlobRetention {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly blobs: BlobStore,
    private readonly retentionHours: number,
  ) {}

  start(onError: (err: unknown) => void): void {
    this.timer = setInterval(() => void this.sweepOrphanBlobs().catch(onError), BLOB_SWEEP_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Removes blobs older than the longest live retention that no live upload references; returns how many. */
  async sweepOrphanBlobs(now = Date.now()): Promise<number> {
    const files = await this.db.selectFrom('files').select('blob_key').where('deleted_at', 'is', null).execute();
    const live = new Set(files.map((f) => f.blob_key));
    // Tasks made under a longer retention (the setting was lowered since) keep theirs that much longer.
    const longest = await this.db.selectFrom('tasks').select((eb) => eb.fn.max(sql<number>`expires_at - created_at`).as('ms')).executeTakeFirst();
    const retention = Math.max(this.retentionHours * 3_600_000, Number(longest?.ms ?? 0));
    return this.blobs.sweepOlderThan(now - retention - BLOB_SWEEP_MARGIN_MS, (key) => live.has(key));
  }
}
