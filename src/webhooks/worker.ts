// The delivery worker, one in every replica: it leases due outbox rows (at most `concurrency` at a
// time), makes one attempt on each and records it, apart from the task engine — its own timers, its
// own timeout and bound, so a slow or hanging receiver never holds up task work. A close in this
// process wakes it at once (`kick`); closes elsewhere are found by its poll.

import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { ResolveHost } from '../fetch/guard.ts';
import type { Db } from '../storage/db/open.ts';
import { isDatabaseUnavailable } from '../storage/db/unavailable.ts';
import { findTask } from '../tasks/store.ts';
import type { UrlFor } from '../tasks/views.ts';
import { randomBase62 } from '../util/ids.ts';
import { type DeliveryRow, leaseDueDeliveries, recordAttempt, sweepDeliveries } from './deliveries.ts';
import { liveSecrets } from './secrets.ts';
import { type AttemptOutcome, sendWebhook } from './sender.ts';
import { nextStep } from './schedule.ts';
import { webhookHeaders } from './signing.ts';
import { webhookPayload } from './views.ts';

/** How often finished deliveries past the task retention are removed. */
const SWEEP_EVERY_MS = 10 * 60_000;

export interface WebhookWorkerDeps {
  db: Db;
  urlFor: UrlFor;
  config: Config['webhooks'];
  allowPrivateAddresses: boolean;
  /** Delivered and dead deliveries are kept as long as tasks are. */
  retentionMs: number;
  log: Logger;
  /** Replaces the system resolver (tests). */
  resolve?: ResolveHost;
}

export class WebhookWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomBase62(6)}`;
  private readonly active = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopping = true;
  private lastSweep = 0;
  private databaseReachable = true;

  constructor(private readonly deps: WebhookWorkerDeps) {}

  start(): void {
    this.stopping = false;
    this.schedule(0);
  }

  /** Look for due deliveries now (a task just closed here). */
  kick(): void {
    if (this.stopping) return;
    if (this.ticking) this.again = true;
    else this.schedule(0);
  }

  /** Stops leasing and waits for the attempts under way (each ends within its timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.active]);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), ms);
  }

  private async loop(): Promise<void> {
    if (this.stopping || this.ticking) return;
    this.again = false;
    this.ticking = this.tick().then(
      () => this.noteDatabase(true),
      (err) => (isDatabaseUnavailable(err) ? this.noteDatabase(false) : this.deps.log.error({ err }, 'webhook worker tick failed')),
    );
    await this.ticking;
    this.ticking = undefined;
    if (!this.stopping) this.schedule(this.again ? 0 : this.deps.config.worker_interval_ms);
  }

  /** One pass: sweep now and then, then lease what room allows and start an attempt on each. */
  async tick(): Promise<void> {
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      await sweepDeliveries(this.deps.db.kysely, Date.now() - this.deps.retentionMs);
    }
    const room = this.deps.config.concurrency - this.active.size;
    if (room <= 0) return;
    // The lease outlasts an attempt (timeout) and its bookkeeping; a lapsed one is a crashed replica's.
    const leaseMs = this.deps.config.timeout_ms * 2 + 5_000;
    for (const delivery of await leaseDueDeliveries(this.deps.db, this.owner, room, leaseMs)) {
      const attempt = this.attempt(delivery).finally(() => {
        this.active.delete(attempt);
        // A slot freed up: more may be due.
        this.kick();
      });
      this.active.add(attempt);
    }
  }

  /** One attempt on a leased delivery, recorded whatever happens. Never rejects. */
  private async attempt(delivery: DeliveryRow): Promise<void> {
    const { db, config, log } = this.deps;
    const startedAt = Date.now();
    try {
      const outcome = await this.send(delivery);
      const next = nextStep(outcome, delivery.failures + 1, delivery.give_up_at, config);
      await recordAttempt(db.kysely, delivery.id, this.owner, { startedAt, latencyMs: outcome.latencyMs, statusCode: outcome.statusCode, error: outcome.error, excerpt: outcome.excerpt }, next);
      // The callback URL is the account's own and may carry a token: it is never logged.
      const line = { delivery: delivery.id, task: delivery.task_id, attempt: delivery.attempts + 1, status: outcome.statusCode, error: outcome.error, latency_ms: outcome.latencyMs, next: next.status };
      if (outcome.error) log.warn(line, 'webhook attempt failed');
      else log.info(line, 'webhook delivered');
    } catch (err) {
      // The lease lapses and another attempt follows; nothing was recorded, so nothing is lost.
      if (!isDatabaseUnavailable(err)) log.error({ err, delivery: delivery.id }, 'webhook attempt could not be recorded');
    }
  }

  /** Renders the task as a poll shows it now, signs it with every live secret and POSTs it. */
  private async send(delivery: DeliveryRow): Promise<AttemptOutcome> {
    const { db, config } = this.deps;
    const failed = (error: AttemptOutcome['error']): AttemptOutcome => ({ statusCode: null, error, excerpt: null, latencyMs: 0 });
    const task = await findTask(db.kysely, delivery.task_id);
    if (!task || task.expires_at < Date.now()) return failed('task_expired');
    const secrets = await liveSecrets(db.kysely, delivery.account_id);
    if (secrets.length === 0) return failed('no_secret');
    const body = JSON.stringify(await webhookPayload(delivery.event_type, task, this.deps.urlFor));
    const headers = webhookHeaders(secrets, delivery.id, Math.floor(Date.now() / 1000), body);
    return sendWebhook(delivery.url, body, headers, { timeoutMs: config.timeout_ms, allowPrivate: this.deps.allowPrivateAddresses, resolve: this.deps.resolve });
  }

  /** Logs an outage once when it begins and once when it ends. */
  private noteDatabase(reachable: boolean): void {
    if (reachable === this.databaseReachable) return;
    this.databaseReachable = reachable;
    if (reachable) this.deps.log.info('The database is reachable again; webhook deliveries resume');
    else this.deps.log.warn('The database is unreachable; webhook deliveries wait for it');
  }
}
