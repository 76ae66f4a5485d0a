// The ledger: every change of a balance is one append-only entry written in the same transaction as
// the change itself, so the balance always equals what the entries add up to.
//
//   credit      +amount                 money added by an operator
//   reserve     -quoted                 held before anything goes upstream (402 when short)
//   settle      0, charge_micros = paid  the reservation is consumed by a delivered result
//   release     +amount                 the unused part of a settled reservation, or all of a failed one
//   adjustment  ±amount                 operator corrections
//
// Reservations close exactly once: settle and release are compare-and-set on status 'open'.

import { type Kysely, type Transaction, sql } from 'kysely';
import { apiErrors } from '../api/errors.ts';
import type { BudgetPeriod, Database, ReservationsTable } from '../storage/db/schema.ts';
import { newId } from '../util/ids.ts';
import { appendEntry } from '../storage/db/ledger-entries.ts';
import { insertRow, prepared } from '../storage/db/prepared.ts';
import { formatUsd } from './money.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface ReserveInput {
  accountId: string;
  keyId: string;
  requestId: string;
  taskId: string | null;
  model: string;
  quotedMicros: number;
  priceVersion: string;
  quote: unknown;
}

export type Reservation = ReservationsTable;

/** Start (unix ms) of the UTC day or month `now` falls in: a key's budget counts spend from there. */
export function budgetPeriodStart(period: BudgetPeriod, now: number): number {
  const d = new Date(now);
  return period === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** When the period that contains `now` ends and the budget is whole again. */
export function budgetResetsAt(period: BudgetPeriod, now: number): number {
  const d = new Date(budgetPeriodStart(period, now));
  return period === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

const bigint = (n: number) => sql<number>`cast(${n} as bigint)`;

/**
 * The key's half of a hold. It checks the key's lifetime spend limit and its budget for the current
 * period at once, and rolls the period over in the same statement: a stored period start older than
 * the current one counts as nothing spent yet.
 */
const holdOnKey = prepared((db, p: { amount: number; dayStart: number; monthStart: number; keyId: string }) => {
  const current = sql<number>`case budget_period when 'day' then ${bigint(p.dayStart)} when 'month' then ${bigint(p.monthStart)} end`;
  const samePeriod = sql<boolean>`budget_period_start >= ${current}`;
  const budgetSpent = sql<number>`case when ${samePeriod} then budget_spent_micros + ${bigint(p.amount)} else ${bigint(p.amount)} end`;
  return db
    .updateTable('api_keys')
    .set((eb) => ({
      spent_micros: eb('spent_micros', '+', p.amount),
      budget_spent_micros: sql<number>`case when budget_micros is null then budget_spent_micros else ${budgetSpent} end`,
      budget_period_start: sql<number>`case when budget_micros is null or ${samePeriod} then budget_period_start else ${current} end`,
    }))
    .where('id', '=', p.keyId)
    .where((eb) => eb.or([eb('spend_limit_micros', 'is', null), eb(eb('spent_micros', '+', p.amount), '<=', eb.ref('spend_limit_micros'))]))
    .where(sql<boolean>`(budget_micros is null or ${budgetSpent} <= budget_micros)`)
    .returning(['budget_micros', 'budget_period_start']);
});

const holdOnAccount = prepared((db, p: { amount: number; accountId: string }) =>
  db
    .updateTable('accounts')
    .set((eb) => ({ balance_micros: eb('balance_micros', '-', p.amount) }))
    .where('id', '=', p.accountId)
    .where('balance_micros', '>=', p.amount),
);

/**
 * Holds the quoted amount on the account inside the caller's transaction. The conditional UPDATEs are
 * the whole concurrency story: two requests racing for the last dollar cannot both pass them. The
 * period the key's budget counted the hold in is kept on the reservation.
 *
 * Those UPDATEs come last, after every insert (the reservation, its entry, and `writeFirst`: the
 * caller's own rows), because on PostgreSQL they lock the key's and the account's rows until the
 * commit, and every request of a key updates the same key row: its requests queue on that lock for as
 * long as each transaction runs after it (30 ms a wait, measured with pg_stat_statements; one key was
 * held to 100 req/s). A refused hold rolls its inserts back with the transaction.
 */
export async function reserve(trx: Transaction<Database>, input: ReserveInput, now = Date.now(), writeFirst?: (reservation: Reservation) => Promise<void>): Promise<Reservation> {
  const amount = input.quotedMicros;
  const reservation: Reservation = {
    id: newId('billtxn', 24, now),
    account_id: input.accountId,
    key_id: input.keyId,
    request_id: input.requestId,
    task_id: input.taskId,
    model: input.model,
    quoted_micros: amount,
    charged_micros: null,
    status: 'open',
    price_version: input.priceVersion,
    quote: JSON.stringify(input.quote),
    charge: null,
    created_at: now,
    closed_at: null,
    images: 0,
    // Set below once the key's UPDATE has said which period it counted the hold in.
    budget_period_start: null,
  };
  await insertRow(trx, 'reservations', reservation);
  await appendEntry(trx, {
    account_id: input.accountId,
    kind: 'reserve',
    amount_micros: -amount,
    reservation_id: reservation.id,
    request_id: input.requestId,
    task_id: input.taskId,
    key_id: input.keyId,
    model: input.model,
    price_version: input.priceVersion,
    details: input.quote,
  }, now);
  await writeFirst?.(reservation);

  const held = await holdOnKey(trx, { amount, dayStart: budgetPeriodStart('day', now), monthStart: budgetPeriodStart('month', now), keyId: input.keyId });
  const key = held.rows[0];
  if (!key) throw await keyRefusal(trx, input.keyId, amount, now);
  const account = await holdOnAccount(trx, { amount, accountId: input.accountId });
  if (Number(account.numAffectedRows) === 0) {
    const row = await trx.selectFrom('accounts').select('balance_micros').where('id', '=', input.accountId).executeTakeFirst();
    const balance = row?.balance_micros ?? 0;
    throw apiErrors.insufficientBalance(formatUsd(amount), formatUsd(balance));
  }
  if (key.budget_micros !== null) {
    reservation.budget_period_start = Number(key.budget_period_start);
    await countedInPeriod(trx, { start: reservation.budget_period_start, id: reservation.id });
  }
  return reservation;
}

const countedInPeriod = prepared((db, p: { start: number; id: string }) => db.updateTable('reservations').set({ budget_period_start: p.start }).where('id', '=', p.id));

/** Why the key's UPDATE in reserve matched nothing: its lifetime spend limit, or else its budget for this period. */
async function keyRefusal(trx: Transaction<Database>, keyId: string, amount: number, now: number) {
  const key = await trx.selectFrom('api_keys').select(['spend_limit_micros', 'spent_micros', 'budget_period']).where('id', '=', keyId).executeTakeFirst();
  if (!key || key.budget_period === null || (key.spend_limit_micros !== null && key.spent_micros + amount > key.spend_limit_micros)) {
    return apiErrors.quotaExceeded(formatUsd(amount));
  }
  return apiErrors.budgetExceeded(formatUsd(amount), Math.floor(budgetResetsAt(key.budget_period, now) / 1000));
}

// Capped at the quote in the UPDATE itself, which hands the closed row back: one statement, no read first.
const closeSettled = prepared((db, p: { asked: number; charge: string; closedAt: number; images: number; id: string }) =>
  db
    .updateTable('reservations')
    .set({ status: 'settled', charged_micros: sql<number>`case when quoted_micros < ${bigint(p.asked)} then quoted_micros else ${bigint(p.asked)} end`, charge: p.charge, closed_at: p.closedAt, images: p.images })
    .where('id', '=', p.id)
    .where('status', '=', 'open')
    .returningAll(),
);

const closeReleased = prepared((db, p: { charge: string; closedAt: number; id: string }) =>
  db.updateTable('reservations').set({ status: 'released', charged_micros: 0, charge: p.charge, closed_at: p.closedAt }).where('id', '=', p.id).where('status', '=', 'open').returningAll(),
);

/** Closes an open reservation with a charge (capped at the quote); the rest goes back. False if already closed. */
export async function settle(trx: Transaction<Database>, reservationId: string, chargeMicros: number, charge: unknown, now = Date.now(), images = 0): Promise<boolean> {
  const asked = Math.max(0, chargeMicros);
  const r = (await closeSettled(trx, { asked, charge: JSON.stringify(charge), closedAt: now, images, id: reservationId })).rows[0];
  if (!r) return false;
  const charged = Number(r.charged_micros);
  const common = { account_id: r.account_id, reservation_id: r.id, request_id: r.request_id, task_id: r.task_id, key_id: r.key_id, model: r.model, price_version: r.price_version };
  await appendEntry(trx, { ...common, kind: 'settle', amount_micros: 0, charge_micros: charged, details: charge }, now);
  const unused = r.quoted_micros - charged;
  if (unused > 0) await giveBack(trx, r, unused, now, { reason: 'unused part of the reservation' });
  return true;
}

/** Closes an open reservation with no charge. False if it was already closed. */
export async function release(trx: Transaction<Database>, reservationId: string, reason: string, now = Date.now()): Promise<boolean> {
  const r = (await closeReleased(trx, { charge: JSON.stringify({ reason }), closedAt: now, id: reservationId })).rows[0];
  if (!r) return false;
  await giveBack(trx, r, r.quoted_micros, now, { reason });
  return true;
}

const refundKey = prepared((db, p: { amount: number; keyId: string }) =>
  db.updateTable('api_keys').set((eb) => ({ spent_micros: eb('spent_micros', '-', p.amount) })).where('id', '=', p.keyId),
);

const refundKeyAndBudget = prepared((db, p: { amount: number; start: number; keyId: string }) =>
  db
    .updateTable('api_keys')
    .set((eb) => ({
      spent_micros: eb('spent_micros', '-', p.amount),
      budget_spent_micros: sql<number>`case when budget_period_start <> ${bigint(p.start)} or budget_period_start is null then budget_spent_micros when budget_spent_micros >= ${bigint(p.amount)} then budget_spent_micros - ${bigint(p.amount)} else 0 end`,
    }))
    .where('id', '=', p.keyId),
);

const refundAccount = prepared((db, p: { amount: number; accountId: string }) =>
  db.updateTable('accounts').set((eb) => ({ balance_micros: eb('balance_micros', '+', p.amount) })).where('id', '=', p.accountId),
);

/**
 * Row locks are taken in one order everywhere money moves — the key, then the account — as reserve
 * takes them: a release racing a reserve on the same key in the opposite order deadlocks on
 * PostgreSQL (40P01), and one of the two requests fails. The key's one UPDATE also returns the amount
 * to the budget period the hold was counted in, and only while the key still counts that period (a
 * later period, or a budget changed since, starts from its own count); never below zero.
 */
async function giveBack(trx: Transaction<Database>, r: Reservation, amount: number, now: number, details: unknown): Promise<void> {
  // The entry first and the two UPDATEs last: they hold their rows' locks until the commit (see reserve).
  await appendEntry(trx, {
    account_id: r.account_id,
    kind: 'release',
    amount_micros: amount,
    reservation_id: r.id,
    request_id: r.request_id,
    task_id: r.task_id,
    key_id: r.key_id,
    model: r.model,
    price_version: r.price_version,
    details,
  }, now);
  const start = r.budget_period_start;
  if (start === null) await refundKey(trx, { amount, keyId: r.key_id });
  else await refundKeyAndBudget(trx, { amount, start, keyId: r.key_id });
  await refundAccount(trx, { amount, accountId: r.account_id });
}

export interface LedgerCheck {
  ok: boolean;
  problems: string[];
  /** What was looked at: accounts, ledger entries, reservations and how many of those are still open. */
  counts: { accounts: number; entries: number; reservations: number; openHolds: number };
  totals: { balanceMicros: number; reservedMicros: number; settledMicros: number; releasedMicros: number; openMicros: number };
}

/**
 * Proves the books balance, on one consistent snapshot (a live server may be writing meanwhile):
 * every account's balance equals the sum of its entries and is not negative; every reservation has
 * exactly one reserve entry for its quote and is either still open (no close entries) or closed
 * exactly once (settled: one settle, charged ≤ quote, charge + the one release of the rest = quote;
 * released: one release of the whole quote, nothing charged); no reserve, settle or release entry
 * points at a missing reservation; and in total reserved = settled + released + still open.
 */
export async function checkLedger(db: Kysely<Database>): Promise<LedgerCheck> {
  // SQLite: one read transaction is one snapshot. PostgreSQL: repeatable read gives one snapshot.
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(async (trx) => {
    const problems: string[] = [];
    const usd = (micros: number) => `$${formatUsd(micros)}`;
    const sums = await trx
      .selectFrom('ledger_entries')
      .select(['account_id', sql<number>`sum(amount_micros)`.as('total'), sql<number>`count(*)`.as('entries')])
      .groupBy('account_id')
      .execute();
    const byAccount = new Map(sums.map((s) => [s.account_id, Number(s.total)]));
    const counts = { accounts: 0, entries: sums.reduce((n, s) => n + Number(s.entries), 0), reservations: 0, openHolds: 0 };
    const totals = { balanceMicros: 0, reservedMicros: 0, settledMicros: 0, releasedMicros: 0, openMicros: 0 };
    for (const account of await trx.selectFrom('accounts').select(['id', 'balance_micros']).orderBy('id').execute()) {
      counts.accounts += 1;
      totals.balanceMicros += account.balance_micros;
      const derived = byAccount.get(account.id) ?? 0;
      byAccount.delete(account.id);
      if (derived !== account.balance_micros) {
        problems.push(`account ${account.id}: balance ${usd(account.balance_micros)} but its ledger entries add up to ${usd(derived)} (off by ${account.balance_micros - derived} µ$)`);
      }
      if (account.balance_micros < 0) problems.push(`account ${account.id}: negative balance ${usd(account.balance_micros)}`);
    }
    for (const [accountId, total] of byAccount) problems.push(`ledger entries (${usd(total)}) for account ${accountId}, which does not exist`);

    const perReservation = await trx
      .selectFrom('reservations as r')
      .leftJoin('ledger_entries as e', 'e.reservation_id', 'r.id')
      .select([
        'r.id',
        'r.status',
        'r.quoted_micros',
        'r.charged_micros',
        sql<number>`coalesce(sum(case when e.kind = 'reserve' then -e.amount_micros else 0 end), 0)`.as('reserved'),
        sql<number>`coalesce(sum(case when e.kind = 'settle' then e.charge_micros else 0 end), 0)`.as('settled'),
        sql<number>`coalesce(sum(case when e.kind = 'release' then e.amount_micros else 0 end), 0)`.as('released'),
        sql<number>`coalesce(sum(case when e.kind = 'reserve' then 1 else 0 end), 0)`.as('reserves'),
        sql<number>`coalesce(sum(case when e.kind = 'settle' then 1 else 0 end), 0)`.as('settles'),
        sql<number>`coalesce(sum(case when e.kind = 'release' then 1 else 0 end), 0)`.as('releases'),
        sql<number>`coalesce(sum(case when e.account_id <> r.account_id then 1 else 0 end), 0)`.as('foreign'),
      ])
      .groupBy(['r.id', 'r.status', 'r.quoted_micros', 'r.charged_micros'])
      .orderBy('r.id')
      .execute();
    for (const r of perReservation) {
      const reserved = Number(r.reserved);
      const settled = Number(r.settled);
      const released = Number(r.released);
      const [reserves, settles, releases] = [Number(r.reserves), Number(r.settles), Number(r.releases)];
      counts.reservations += 1;
      totals.reservedMicros += reserved;
      totals.settledMicros += settled;
      totals.releasedMicros += released;
      const where = `reservation ${r.id} (${r.status})`;
      if (reserves !== 1) problems.push(`${where}: ${reserves} reserve entries, expected 1`);
      if (reserved !== r.quoted_micros) problems.push(`${where}: reserved ${usd(reserved)} but quoted ${usd(r.quoted_micros)}`);
      if (Number(r.foreign) > 0) problems.push(`${where}: ${r.foreign} of its entries are on another account`);
      if (settles > 1) problems.push(`${where}: settled ${settles} times`);
      if (settled > r.quoted_micros) problems.push(`${where}: charged ${usd(settled)}, more than its quote ${usd(r.quoted_micros)}`);
      if (r.status === 'open') {
        counts.openHolds += 1;
        totals.openMicros += reserved;
        if (settles !== 0 || releases !== 0) problems.push(`${where}: open but has ${settles} settle and ${releases} release entries`);
        continue;
      }
      if (r.status === 'settled') {
        if (settles !== 1) problems.push(`${where}: ${settles} settle entries, expected 1`);
        if (releases > 1) problems.push(`${where}: released ${releases} times`);
        if (r.charged_micros !== settled) problems.push(`${where}: records a charge of ${usd(r.charged_micros ?? 0)} but its settle entry charged ${usd(settled)}`);
      } else if (r.status === 'released') {
        if (settles !== 0 || settled !== 0) problems.push(`${where}: released but charged ${usd(settled)}`);
        if (releases !== 1) problems.push(`${where}: ${releases} release entries, expected 1`);
      } else {
        problems.push(`${where}: unknown status`);
      }
      if (settled + released !== reserved) problems.push(`${where}: charged ${usd(settled)} + released ${usd(released)} != reserved ${usd(reserved)}`);
    }

    const orphans = await trx
      .selectFrom('ledger_entries as e')
      .leftJoin('reservations as r', 'r.id', 'e.reservation_id')
      .select(['e.id', 'e.kind', 'e.reservation_id'])
      .where('e.kind', 'in', ['reserve', 'settle', 'release'])
      .where('r.id', 'is', null)
      .orderBy('e.id')
      .execute();
    for (const e of orphans) problems.push(`ledger entry ${e.id} (${e.kind}) points at ${e.reservation_id ? `reservation ${e.reservation_id}, which does not exist` : 'no reservation'}`);

    if (totals.reservedMicros !== totals.settledMicros + totals.releasedMicros + totals.openMicros) {
      problems.push(`reserved ${usd(totals.reservedMicros)} != settled ${usd(totals.settledMicros)} + released ${usd(totals.releasedMicros)} + open ${usd(totals.openMicros)}`);
    }
    return { ok: problems.length === 0, problems, counts, totals };
  });
}
