// The 24 h figures behind GET /v1/models?recommended_for=image, kept in memory and re-read in the
// background: one aggregate query per refresh (storage/db/model-stats.ts), never one per request.
// A refresh that fails keeps the last figures (their updated_at tells their age) and is logged.

import type { Logger } from 'pino';
import type { ActivitySnapshot } from '../catalog/recommendation.ts';
import { NO_ACTIVITY } from '../catalog/recommendation.ts';
import { MODEL_STATS_WINDOW_MS, type ModelOutcomes, modelOutcomesSince } from '../storage/db/model-stats.ts';
import type { Db } from '../storage/db/open.ts';

/** How often the figures are re-read. */
export const MODEL_ACTIVITY_REFRESH_MS = 60_000;

export class ModelActivityCache {
  private current: ActivitySnapshot = NO_ACTIVITY;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly read: (since: number) => Promise<readonly ModelOutcomes[]>,
    private readonly log: Pick<Logger, 'warn' | 'info'>,
    private readonly everyMs = MODEL_ACTIVITY_REFRESH_MS,
  ) {}

  /** Figures read from the task rows of `db`. */
  static fromDatabase(db: Db, log: Pick<Logger, 'warn' | 'info'>, everyMs?: number): ModelActivityCache {
    return new ModelActivityCache((since) => modelOutcomesSince(db, since), log, everyMs);
  }

  /** The latest figures read (none before the first refresh). */
  snapshot(): ActivitySnapshot {
    return this.current;
  }

  /** Reads now, then every `everyMs` until stop(). */
  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.everyMs);
    this.timer.unref();
  }

  /** Stops refreshing; waits for a read under way, so the database can close after it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Re-reads the figures; a read already under way is joined, not repeated. Never throws. */
  refresh(): Promise<void> {
    this.inFlight ??= this.readOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async readOnce(): Promise<void> {
    const takenAt = Date.now();
    try {
      const outcomes = await this.read(takenAt - MODEL_STATS_WINDOW_MS);
      this.current = { takenAt, byModel: new Map(outcomes.map((o) => [o.model, o])) };
      if (this.failing) this.log.info('Model success rates are read again');
      this.failing = false;
    } catch (err) {
      // Once per failing streak: a database that is away fails every refresh until it is back.
      if (!this.failing) this.log.warn({ err: { message: (err as Error)?.message } }, 'Could not read model success rates; discovery keeps the last ones');
      this.failing = true;
    }
  }
}
