// Group commit for the hot path's transactions on SQLite: the transactions that arrive while one commit
// is being written run together in the next one, each in its own savepoint.
//
// Why: a commit is most of what a request costs SQLite. It writes every page the transaction touched
// (the key's and the account's rows, each table's and index's leaf) to the WAL, 217 µs a commit under
// the full path's load against 2–60 µs a statement (bench/profile, --count-sql). Many requests touch
// the same pages, so one commit for many requests writes far less than one each.
//
// What holds, as with a transaction of its own: a caller's promise settles only after the commit that
// made its writes durable, or with the error that undid them. A transaction that throws is rolled
// back to its savepoint, alone; the others in its group commit. A failed commit fails every
// transaction in its group (none of them is durable). Each runs as if alone in the order they came,
// so one that reads sees the writes of those before it, as it would after their commits.
//
// PostgreSQL runs each transaction on its own pooled connection, as before: there the writes of
// concurrent requests already overlap, and a group would hold rows locked for the whole group.

import { CompiledQuery, type Kysely, SqliteAdapter, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Work<T> = (trx: Transaction<Database>) => Promise<T>;

interface Job {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export const groupLimits = {
  /** Transactions in one group at most: a group holds the database for as long as its work takes. */
  maxTransactions: 64,
  /**
   * A group takes no more transactions once its work has run this long: it holds the event loop
   * meanwhile, so a burst (2,000 answers settling at once) goes in slices short enough for health
   * checks and other requests to be served between them.
   */
  budgetMs: 5,
};

const SAVEPOINT = CompiledQuery.raw('savepoint easel_group_member');
const RELEASE = CompiledQuery.raw('release easel_group_member');
const ROLLBACK = CompiledQuery.raw('rollback to easel_group_member');

class GroupCommit {
  private queue: Job[] = [];
  private running = false;

  constructor(private readonly db: Kysely<Database>) {}

  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        // The rest of this turn's transactions join the group.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      await this.commitGroup();
      // SQLite runs synchronously, so a backlog of groups would never let the event loop turn: between
      // groups it does, and health checks, new requests and answers go out meanwhile.
      if (this.queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    this.running = false;
  }

  /** Takes transactions from the queue, up to the count and the time budget, and commits them together. */
  private async commitGroup(): Promise<void> {
    const jobs: Job[] = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        if (this.queue.length === 1) {
          // Alone: its error rolls back the whole transaction, no savepoint needed.
          const job = this.queue.shift()!;
          jobs.push(job);
          outcomes.push({ ok: true, value: await job.work(trx) });
          return;
        }
        const started = performance.now();
        while (this.queue.length > 0 && jobs.length < groupLimits.maxTransactions && (jobs.length === 0 || performance.now() - started < groupLimits.budgetMs)) {
          const job = this.queue.shift()!;
          jobs.push(job);
          await trx.executeQuery(SAVEPOINT);
          try {
            outcomes.push({ ok: true, value: await job.work(trx) });
          } catch (error) {
            outcomes.push({ ok: false, error });
            // If SQLite already undid the transaction (a full disk), this throws and the group fails.
            await trx.executeQuery(ROLLBACK);
          }
          await trx.executeQuery(RELEASE);
        }
      });
    } catch (error) {
      // Nothing of the group is durable: each fails with its own error if it had one, else the group's.
      jobs.forEach((job, i) => {
        const own = outcomes[i];
        job.reject(own && !own.ok ? own.error : error);
      });
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}

const groups = new WeakMap<Kysely<Database>, GroupCommit>();

/**
 * Runs `work` in a write transaction: on SQLite in the next group commit, on PostgreSQL in a
 * transaction of its own. `work` must touch nothing but the database while it runs (its group
 * waits for it) and must not depend on running alone.
 */
export function writeTransaction<T>(db: Kysely<Database>, work: Work<T>): Promise<T> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return db.transaction().execute(work);
  let group = groups.get(db);
  if (!group) {
    group = new GroupCommit(db);
    groups.set(db, group);
  }
  return group.run(work);
}
