// Group commit (storage/db/group-commit.ts): write transactions that arrive together on SQLite share one
// commit, each in its own savepoint — and every promise still means what a transaction of its own
// would: resolved only once its writes are durable, rejected with its own error when it failed alone,
// rejected when the group's commit failed.

import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupLimits, writeTransaction } from '../../src/storage/db/group-commit.ts';
import { openDatabase } from '../../src/storage/db/open.ts';
import type { Database } from '../../src/storage/db/schema.ts';
import { freshDatabaseUrl, tempDir } from '../helpers/databases.ts';

interface Scratch {
  db: Kysely<Database>;
  /** Another connection to the same file: sees only what was committed. */
  reader: BetterSqlite3.Database;
  /** `begin`, `savepoint`, `commit` and `rollback` statements run so far (the first word of each). */
  statements: string[];
}

const GROUP_MAX_TRANSACTIONS = groupLimits.maxTransactions;
const GROUP_BUDGET_MS = groupLimits.budgetMs;
// The tests of what a group means run without the time budget, so a slow moment of a loaded machine
// cannot split their groups; the budget's own test sets it back.
beforeEach(() => {
  groupLimits.budgetMs = Number.POSITIVE_INFINITY;
});
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  groupLimits.budgetMs = GROUP_BUDGET_MS;
  for (const o of open.splice(0)) await o.close();
});

function scratch(): Scratch {
  const file = path.join(tempDir(), 'group.sqlite');
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.exec('create table parents (id integer primary key); create table items (id text primary key, parent integer references parents(id) deferrable initially deferred)');
  sqlite.exec('insert into parents values (1)');
  const statements: string[] = [];
  const counting = {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      if (/^(begin|commit|rollback|savepoint \w+)$/i.test(text.trim())) statements.push(text.trim().toLowerCase().split(' ')[0]!);
      return sqlite.prepare(text);
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: counting }) });
  const reader = new BetterSqlite3(file, { readonly: true });
  open.push({ close: () => reader.close() }, { close: () => db.destroy() });
  return { db, reader, statements };
}

const insert = (id: string, parent = 1) => (trx: Kysely<any>) => sql`insert into items (id, parent) values (${id}, ${parent})`.execute(trx);
/** Transactions in each committed group, from the statements run. */
function groupSizes(s: Scratch): number[] {
  const sizes: number[] = [];
  let members = 0;
  for (const t of s.statements) {
    if (t === 'begin') members = 0;
    else if (t === 'savepoint') members++;
    else if (t === 'commit') sizes.push(Math.max(members, 1));
  }
  return sizes;
}
const commits = (s: Scratch) => s.statements.filter((t) => t === 'commit').length;
const committed = (s: Scratch) => (s.reader.prepare('select id from items order by id').all() as Array<{ id: string }>).map((r) => r.id);

describe('group commit on SQLite', () => {
  it('commits the transactions of one turn together, and each promise settles after that commit', async () => {
    const s = scratch();
    const seenByOthers: string[][] = [];
    const results = await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        writeTransaction(s.db, async (trx) => {
          await insert(id)(trx);
          // Inside the group nothing is committed yet: another connection sees none of it.
          seenByOthers.push(committed(s));
          return id.toUpperCase();
        }),
      ),
    );
    expect(results).toEqual(['A', 'B', 'C']);
    expect(seenByOthers).toEqual([[], [], []]);
    expect(committed(s)).toEqual(['a', 'b', 'c']);
    expect(groupSizes(s)).toEqual([3]);
  });

  it('rolls back a transaction that threw, alone: the others commit and it gets its own error', async () => {
    const s = scratch();
    const outcomes = await Promise.allSettled([
      writeTransaction(s.db, insert('a')),
      writeTransaction(s.db, async (trx) => {
        await insert('doomed')(trx);
        throw new Error('changed its mind');
      }),
      writeTransaction(s.db, insert('c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('changed its mind');
    expect(committed(s)).toEqual(['a', 'c']);
  });

  it('runs them in order, each seeing the writes of those before it', async () => {
    const s = scratch();
    const counts = await Promise.all([0, 1, 2].map((i) => writeTransaction(s.db, async (trx) => {
      await insert(`r${i}`)(trx);
      return Number((await sql<{ n: number }>`select count(*) as n from items`.execute(trx)).rows[0]!.n);
    })));
    expect(counts).toEqual([1, 2, 3]);
  });

  it('fails every member when the commit fails, and keeps none of their writes', async () => {
    const s = scratch();
    // A deferred foreign key is checked at commit: the group's commit fails for all three.
    const outcomes = await Promise.allSettled([writeTransaction(s.db, insert('a')), writeTransaction(s.db, insert('orphan', 99)), writeTransaction(s.db, insert('c'))]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const o of outcomes) expect(String((o as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(committed(s)).toEqual([]);
    // The database is usable afterwards, and a lone transaction commits on its own.
    await writeTransaction(s.db, insert('later'));
    expect(committed(s)).toEqual(['later']);
  });

  it(`puts at most ${GROUP_MAX_TRANSACTIONS} transactions in a group; those arriving meanwhile form the next`, async () => {
    const s = scratch();
    await Promise.all(Array.from({ length: GROUP_MAX_TRANSACTIONS + 1 }, (_, i) => writeTransaction(s.db, insert(`x${String(i).padStart(3, '0')}`))));
    expect(groupSizes(s)).toEqual([GROUP_MAX_TRANSACTIONS, 1]);
    expect(committed(s)).toHaveLength(GROUP_MAX_TRANSACTIONS + 1);
  });

  it(`closes a group once its work has run ${GROUP_BUDGET_MS} ms, however few it holds`, async () => {
    groupLimits.budgetMs = GROUP_BUDGET_MS;
    const s = scratch();
    const busyWork = (id: string) => async (trx: Kysely<any>) => {
      const until = performance.now() + GROUP_BUDGET_MS * 0.6;
      while (performance.now() < until) {
        // Work that holds the event loop, as a slow transaction would.
      }
      await insert(id)(trx);
    };
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => writeTransaction(s.db, busyWork(id))));
    // At most two fit in a budget (the second starts inside it and runs past it): three groups or more.
    expect(commits(s)).toBeGreaterThanOrEqual(3);
    expect(committed(s)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('lets the event loop turn between groups of a backlog', async () => {
    const s = scratch();
    let resolved = 0;
    const all = Array.from({ length: GROUP_MAX_TRANSACTIONS * 2 + 1 }, (_, i) => writeTransaction(s.db, insert(`y${String(i).padStart(3, '0')}`)).then(() => resolved++));
    // Queued behind the first group's start: it runs once that group has committed, not after all.
    const seenBetween = await new Promise<number>((r) => setImmediate(() => r(resolved)));
    await Promise.all(all);
    expect(seenBetween).toBe(GROUP_MAX_TRANSACTIONS);
    expect(groupSizes(s)).toEqual([GROUP_MAX_TRANSACTIONS, GROUP_MAX_TRANSACTIONS, 1]);
  });
});

describe('group commit on PostgreSQL', () => {
  it('gives each call a transaction of its own', async () => {
    const db = await openDatabase({ databaseUrl: await freshDatabaseUrl('postgres'), dataDir: tempDir() });
    open.push(db);
    await sql`create table items (id text primary key)`.execute(db.kysely);
    // Two transactions at once: the first waits inside its transaction until the second has committed,
    // which a shared transaction could not do.
    let secondDone!: () => void;
    const second = new Promise<void>((r) => (secondDone = r));
    const first = writeTransaction(db.kysely, async (trx) => {
      await sql`insert into items values ('first')`.execute(trx);
      await second;
      const seen = await sql<{ n: string }>`select count(*) as n from items`.execute(trx);
      return Number(seen.rows[0]!.n);
    });
    await writeTransaction(db.kysely, (trx) => sql`insert into items values ('second')`.execute(trx));
    secondDone();
    expect(await first).toBe(2);
    const outcome = await writeTransaction(db.kysely, async (trx) => {
      await sql`insert into items values ('doomed')`.execute(trx);
      throw new Error('no');
    }).catch((err: Error) => err.message);
    expect(outcome).toBe('no');
    const rows = await sql<{ id: string }>`select id from items order by id`.execute(db.kysely);
    expect(rows.rows.map((r) => r.id)).toEqual(['first', 'second']);
  });
});
