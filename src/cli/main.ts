// The `easel` command: the server and the operator's tools, on the same data folder or database as
// the server (SQLite in WAL mode allows both at once). Each command group has its own file; this one
// reads the command, opens what it needs and turns failures into a message and an exit code:
// 0 done, 1 failed (no such account, the ledger does not balance, the database is away), 2 the
// command line or the configuration is wrong.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/schema.ts';
import type { Db } from '../storage/db/open.ts';
import { type Out, UsageError } from './args.ts';

// Each command's module (and the configuration loader, the database, the server) is imported when
// that command runs: `easel --help` and `easel --version` load none of them.

const USAGE = `Usage:
  easel serve                                   start the gateway (SIGHUP reloads its channels)
  easel accounts create --name NAME [--credit USD]
  easel accounts list [--q TEXT] [--limit N] [--after ACCOUNT_ID]
  easel accounts show ACCOUNT_ID
  easel accounts credit ACCOUNT_ID USD
  easel keys create ACCOUNT_ID [--name NAME]    prints the new key once
  easel keys list ACCOUNT_ID [--limit N] [--after KEY_ID]
  easel keys revoke KEY_ID
  easel channels                                the configured channels (health: GET /admin/v1/channels)
  easel usage [ACCOUNT_ID] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--group-by model|key|account] [--key KEY_ID]
  easel ledger [ACCOUNT_ID] [--limit N] [--before UNIX_MS] [--csv]
  easel ledger verify                           checks the books; exits 1 when they do not balance
  easel mcp [--url URL] [--key sk-...]          Easel's tools for coding agents, over stdio (or EASEL_URL, EASEL_API_KEY)
  easel migrate --to-database postgres://... [--to-config FILE]
                                                copies this box's database (and media) to PostgreSQL
  easel --version

Every command but serve and migrate takes --json: the admin API's objects, for scripts.
Configuration: easel.yaml (or EASEL_CONFIG) and EASEL_* environment variables; see README.md.`;

export async function main(argv: string[], out: Out = (s) => process.stdout.write(s)): Promise<number> {
  const [command, sub, ...rest] = argv;
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      out(`${USAGE}\n`);
      return command ? 0 : 2;
    }
    if (command === '--version' || command === 'version') {
      out(`easel ${packageVersion()}\n`);
      return 0;
    }
    if (command === 'mcp') return await (await import('./mcp.ts')).mcpCommand(argv.slice(1));
    const config = (await import('../config/load.ts')).loadConfig();
    const args = sub === undefined ? rest : [sub, ...rest];
    switch (command) {
      case 'serve':
        return await (await import('./serve.ts')).serveCommand(config);
      case 'accounts': {
        const { accountsCommand } = await import('./accounts.ts');
        return await withDb(config, (db) => accountsCommand(db, sub, rest, out));
      }
      case 'keys': {
        const { keysCommand } = await import('./accounts.ts');
        return await withDb(config, (db) => keysCommand(db, sub, rest, out));
      }
      case 'usage': {
        const { usageCommand } = await import('./billing.ts');
        return await withDb(config, (db) => usageCommand(db, args, out));
      }
      case 'ledger': {
        const { ledgerCommand } = await import('./billing.ts');
        return await withDb(config, (db) => ledgerCommand(db, args, out));
      }
      case 'channels':
        return (await import('./channels.ts')).channelsCommand(config, args, out);
      case 'migrate':
        return await (await import('./migrate.ts')).migrateCommand(config, args, out);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`easel: ${err.message}\n\nRun 'easel help' for every command.\n`);
      return 2;
    }
    // A configuration that does not load, and a report's bad argument (a date, a group): the caller's to fix.
    if (await isCallersMistake(err)) {
      process.stderr.write(`easel: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`easel: ${(err as Error).message}\n`);
    return 1;
  }
}

/** Imported on the error path only, so a command that succeeds loads no module it does not use. */
async function isCallersMistake(err: unknown): Promise<boolean> {
  const [{ ApiError }, { ConfigError }, { ChannelConfigError }] = await Promise.all([import('../api/errors.ts'), import('../config/load.ts'), import('../routing/channels.ts')]);
  return err instanceof ConfigError || err instanceof ChannelConfigError || (err instanceof ApiError && err.status === 400);
}

async function withDb(config: Config, run: (db: Db) => Promise<number>): Promise<number> {
  const { openDatabase } = await import('../storage/db/open.ts');
  const db = await openDatabase({ databaseUrl: config.database_url, dataDir: config.data_dir, poolSize: 1 });
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}

/** The version in Easel's package.json, found from here upwards (sources and a compiled copy alike). */
function packageVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'easel-gateway' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
