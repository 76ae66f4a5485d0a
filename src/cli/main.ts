// `easel serve | accounts ... | keys ... | ledger verify`: the server and the operator's tools, on the
// same data folder or database as the server (SQLite in WAL mode allows both at once).

import { parseArgs } from 'node:util';
import { checkLedger } from '../billing/ledger.ts';
import { parseUsd, formatUsd } from '../billing/money.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { startServer } from '../main.ts';
import { ChannelConfigError } from '../routing/channels.ts';
import { createAccount, creditAccount, findAccount } from '../storage/db/accounts.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../storage/db/api-keys.ts';
import { type Db, openDatabase } from '../storage/db/open.ts';

const USAGE = `Usage:
  easel serve                                   start the gateway
  easel accounts create --name NAME [--credit USD]
  easel accounts show ACCOUNT_ID
  easel accounts credit ACCOUNT_ID USD
  easel keys create ACCOUNT_ID [--name NAME]    prints the new key once
  easel keys revoke KEY_ID
  easel ledger verify                           checks the books; exits 1 when they do not balance

Configuration: easel.yaml (or EASEL_CONFIG) and EASEL_* environment variables; see README.md.`;

class UsageError extends Error {}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const [command, sub, ...rest] = argv;
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      out(`${USAGE}\n`);
      return command ? 0 : 2;
    }
    const config = loadConfig();
    if (command === 'serve') return await serve(config);
    if (command === 'accounts') return await withDb(config, (db) => accounts(db, sub, rest, out));
    if (command === 'keys') return await withDb(config, (db) => keys(db, sub, rest, out));
    if (command === 'ledger') return await withDb(config, (db) => ledger(db, sub, rest, out));
    throw new UsageError(`unknown command '${command}'`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`easel: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof ChannelConfigError) {
      process.stderr.write(`easel: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`easel: ${(err as Error).message}\n`);
    return 1;
  }
}

async function serve(config: Config): Promise<number> {
  const server = await startServer(config);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      server.log.info({ signal }, 'Stopping: finishing in-flight requests');
      server.close().then(resolve, (err) => {
        server.log.error({ err }, 'Error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

async function withDb(config: Config, run: (db: Db) => Promise<number>): Promise<number> {
  const db = await openDatabase({ databaseUrl: config.database_url, dataDir: config.data_dir, poolSize: 1 });
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}

async function accounts(db: Db, sub: string | undefined, args: string[], out: (s: string) => void): Promise<number> {
  if (sub === 'create') {
    const { values } = parseArgs({ args, options: { name: { type: 'string' }, credit: { type: 'string' } } });
    if (!values.name) throw new UsageError('accounts create needs --name');
    const credit = values.credit === undefined ? 0 : parseUsd(values.credit);
    if (credit === undefined || credit < 0) throw new UsageError('--credit must be a non-negative USD amount, e.g. 10 or 2.50');
    const account = await createAccount(db.kysely, values.name, credit);
    out(`${account.id}\tbalance $${formatUsd(account.balance_micros)}\n`);
    return 0;
  }
  if (sub === 'show') {
    const [id] = positionals(args, 1, 'accounts show ACCOUNT_ID');
    const account = await findAccount(db.kysely, id);
    if (!account) throw new Error(`no account ${id}`);
    out(`${account.id}\t${account.name}\tbalance $${formatUsd(account.balance_micros)}\n`);
    for (const key of await listApiKeys(db.kysely, id)) {
      out(`  ${key.id}\t${key.prefix}…\t${key.name}\t${key.revoked_at ? 'revoked' : 'active'}\n`);
    }
    return 0;
  }
  if (sub === 'credit') {
    const [id, amount] = positionals(args, 2, 'accounts credit ACCOUNT_ID USD');
    const micros = parseUsd(amount);
    if (micros === undefined || micros <= 0) throw new UsageError('the amount must be a positive USD amount, e.g. 10 or 2.50');
    const account = await creditAccount(db.kysely, id, micros);
    if (!account) throw new Error(`no account ${id}`);
    out(`${account.id}\tbalance $${formatUsd(account.balance_micros)}\n`);
    return 0;
  }
  throw new UsageError(`unknown accounts command '${sub ?? ''}'`);
}

async function keys(db: Db, sub: string | undefined, args: string[], out: (s: string) => void): Promise<number> {
  if (sub === 'create') {
    const { values, positionals: pos } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' } } });
    if (pos.length !== 1) throw new UsageError('keys create ACCOUNT_ID [--name NAME]');
    const account = await findAccount(db.kysely, pos[0]);
    if (!account) throw new Error(`no account ${pos[0]}`);
    const { record, key } = await createApiKey(db.kysely, account.id, values.name ?? 'cli');
    out(`${record.id}\t${key}\n`);
    return 0;
  }
  if (sub === 'revoke') {
    const [id] = positionals(args, 1, 'keys revoke KEY_ID');
    const record = await revokeApiKey(db.kysely, id);
    if (!record) throw new Error(`no key ${id}`);
    out(`${record.id}\trevoked\n`);
    return 0;
  }
  throw new UsageError(`unknown keys command '${sub ?? ''}'`);
}

/**
 * `ledger verify`: the invariant of billing/ledger.ts checkLedger on the live database (one
 * snapshot, read only). Exit 0 when the books balance, 1 with every problem listed when not.
 */
async function ledger(db: Db, sub: string | undefined, args: string[], out: (s: string) => void): Promise<number> {
  if (sub !== 'verify') throw new UsageError(`unknown ledger command '${sub ?? ''}'`);
  positionals(args, 0, 'ledger verify');
  const { ok, problems, counts, totals } = await checkLedger(db.kysely);
  const usd = (micros: number) => `$${formatUsd(micros)}`;
  out(`Ledger on ${db.description}: ${counts.accounts} accounts, ${counts.entries} entries, ${counts.reservations} reservations, ${counts.openHolds} open holds\n`);
  out(`  balances ${usd(totals.balanceMicros)} in total; reserved ${usd(totals.reservedMicros)} = settled ${usd(totals.settledMicros)} + released ${usd(totals.releasedMicros)} + open holds ${usd(totals.openMicros)}\n`);
  for (const problem of problems) out(`  PROBLEM ${problem}\n`);
  out(ok ? 'OK: the ledger balances\n' : `FAILED: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
  return ok ? 0 : 1;
}

function positionals(args: string[], count: number, usage: string): string[] {
  const { positionals: pos } = parseArgs({ args, allowPositionals: true, options: {} });
  if (pos.length !== count) throw new UsageError(usage);
  return pos;
}
