// Handing leases back in batches. A worker hands a task's lease back after every poll that found it
// still pending; with thousands of tasks waiting, one UPDATE each was hundreds of statements a second.
// Here the hand-backs of one moment go in one UPDATE ... FROM a VALUES list, compare-and-set on the
// owner: a row changes only while this owner holds its lease, so a lease that lapsed and went to
// another worker is left alone, and a closed task keeps its status (only the lease columns, the poll
// schedule and `public` are written). A hand-back makes the task public: it is handed back only once
// its client has (or is being given) the task id, so no worker may take it for an orphaned request.
// `updated_at` stays as it was: a poll that found the task still pending changed nothing a client
// sees, and the row no longer moves in the updated_at index on every poll (41 against 50 µs of CPU
// per poll for the lease and hand-back statements, on 10,000 rows in a micro-run: bench/RESULTS.md).

import { CompiledQuery } from 'kysely';
import type { Db } from '../storage/db/open.ts';
import { parameterMarkers } from '../storage/db/prepared.ts';

export interface LeaseHandBack {
  id: string;
  /** When the task is next due (unix ms). */
  nextPollAt: number;
  /** Polls made so far. */
  polls: number;
}

/** Rows per statement: three parameters each, far under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_ROWS = 1_000;

/** One statement text per dialect and row count, built once: the hot path only binds values. */
const statements = new Map<string, string>();

function statementFor(dialect: Db['dialect'], rows: number): string {
  const key = `${dialect}:${rows}`;
  let text = statements.get(key);
  if (text) return text;
  const param = parameterMarkers(dialect);
  // PostgreSQL types a VALUES list from its first row, and untyped parameters are text: cast them.
  const row = dialect === 'postgres' ? () => `(${param()}, CAST(${param()} AS bigint), CAST(${param()} AS integer))` : () => `(${param()}, ${param()}, ${param()})`;
  const values = Array.from({ length: rows }, row).join(', ');
  text =
    `WITH handed_back (id, next_poll_at, polls) AS (VALUES ${values}) ` +
    `UPDATE tasks SET lease_owner = NULL, lease_until = 0, next_poll_at = handed_back.next_poll_at, polls = handed_back.polls, public = 1 ` +
    `FROM handed_back WHERE tasks.id = handed_back.id AND tasks.lease_owner = ${param()} RETURNING tasks.id`;
  statements.set(key, text);
  return text;
}

/**
 * Hands back the leases `owner` holds on these tasks, in as few statements as the batch allows; returns
 * the ids whose lease was still this owner's (the others were left as they were).
 */
export async function handBackLeases(db: Db, owner: string, handBacks: readonly LeaseHandBack[]): Promise<Set<string>> {
  const released = new Set<string>();
  for (let start = 0; start < handBacks.length; start += MAX_ROWS) {
    const chunk = handBacks.slice(start, start + MAX_ROWS);
    const parameters: unknown[] = [];
    for (const h of chunk) parameters.push(h.id, h.nextPollAt, h.polls);
    parameters.push(owner);
    const result = await db.kysely.executeQuery<{ id: string }>(CompiledQuery.raw(statementFor(db.dialect, chunk.length), parameters));
    for (const row of result.rows) released.add(row.id);
  }
  return released;
}

/**
 * Collects the hand-backs of one engine and writes them together: the first one starts a short wait
 * (`gatherMs`), everything handed back meanwhile, and while a write is under way, goes in the next
 * statement. Each caller's promise settles when its row's write has committed (or failed), so a caller
 * that awaited it knows its lease is handed back.
 */
export class LeaseHandBacks {
  private pending = new Map<string, { handBack: LeaseHandBack; done: Array<{ resolve: (released: boolean) => void; reject: (err: unknown) => void }> }>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly owner: string,
    private readonly gatherMs: number,
  ) {}

  /** Resolves true when the lease was this owner's and is handed back, false when it no longer was. */
  handBack(handBack: LeaseHandBack): Promise<boolean> {
    return new Promise((resolve, reject) => {
      // The same task handed back twice before a write: the later schedule wins, both callers hear.
      const entry = this.pending.get(handBack.id);
      if (entry) {
        entry.handBack = handBack;
        entry.done.push({ resolve, reject });
      } else this.pending.set(handBack.id, { handBack, done: [{ resolve, reject }] });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, this.gatherMs);
  }

  private write(): void {
    const batch = this.pending;
    this.pending = new Map();
    const written = (async () => {
      try {
        const released = await handBackLeases(this.db, this.owner, [...batch.values()].map((e) => e.handBack));
        for (const [id, entry] of batch) for (const d of entry.done) d.resolve(released.has(id));
      } catch (err) {
        for (const entry of batch.values()) for (const d of entry.done) d.reject(err);
      }
    })();
    this.writing = written.finally(() => {
      this.writing = undefined;
      if (this.pending.size > 0) this.schedule();
    });
  }
}
