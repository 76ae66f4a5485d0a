// `easel migrate`: moves one box onto the fleet's engines. Every row of this box's SQLite database
// goes to an empty PostgreSQL database (migrated first; ids kept), and, given the fleet's
// configuration file, every image those rows name goes to the store it configures (S3, or another
// folder), the rows rewritten to the images' new keys. Stop the servers on this box first: the copy
// is one snapshot, and what they write after it stays behind.

import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { checkLedger } from '../billing/ledger.ts';
import { loadConfig, publicBaseUrl } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { openBlobStore } from '../storage/blobs/open.ts';
import { copyDatabase } from '../storage/db/migrate-copy.ts';
import { type Db, openDatabase } from '../storage/db/open.ts';
import { MediaCopier } from '../storage/migrate-media.ts';
import { type Out, readArgs, UsageError } from './args.ts';

const USAGE = 'migrate --to-database postgres://USER@HOST/DB [--to-config FLEET_YAML]';
const POSTGRES_URL = /^postgres(ql)?:\/\//;

export async function migrateCommand(config: Config, args: string[], out: Out): Promise<number> {
  const { values } = readArgs(args, { 'to-database': { type: 'string' }, 'to-config': { type: 'string' } }, USAGE);
  if (config.database_url && POSTGRES_URL.test(config.database_url)) {
    throw new UsageError('this box already runs on PostgreSQL (database_url); migrate copies from its SQLite database');
  }
  const fleet = values['to-config'] === undefined ? undefined : loadFleetConfig(values['to-config']);
  const targetUrl = values['to-database'] ?? fleet?.database_url;
  if (!targetUrl || !POSTGRES_URL.test(targetUrl)) throw new UsageError(`migrate needs a PostgreSQL target: --to-database postgres://... (or database_url in --to-config)\n  usage: easel ${USAGE}`);

  const source = await openDatabase({ databaseUrl: config.database_url, dataDir: config.data_dir, poolSize: 1 });
  let target: Db | undefined;
  try {
    target = await openDatabase({ databaseUrl: targetUrl, dataDir: config.data_dir, poolSize: 2 });
    out(`Copying ${source.description} to ${target.description} (migrated to the current schema)\n`);
    const media = fleet ? await mediaCopier(config, fleet, out) : undefined;
    if (!fleet) out('Images stay where they are: no --to-config names a store to copy them to.\n');
    const counts = await copyDatabase(source.kysely, target.kysely, { rewrite: media?.rewrite });
    const width = Math.max(...Object.keys(counts).map((t) => t.length), 'images'.length) + 2;
    for (const [table, rows] of Object.entries(counts)) out(`  ${table.padEnd(width)}${rows} rows\n`);
    if (media) out(`  ${'images'.padEnd(width)}${media.copied} copied (${media.bytes} bytes), ${media.missing} named but no longer stored\n`);
    const ledger = await checkLedger(target.kysely);
    for (const problem of ledger.problems) out(`  PROBLEM ${problem}\n`);
    out(ledger.ok ? 'Done; the ledger balances on the target. Start the servers with its database_url.\n' : 'Copied, but the ledger does not balance on the target (see above).\n');
    return ledger.ok ? 0 : 1;
  } finally {
    await target?.close();
    await source.close();
  }
}

/** The copier from this box's store to the fleet's, or undefined when both name the same store. */
async function mediaCopier(config: Config, fleet: Config, out: Out): Promise<MediaCopier | undefined> {
  const from = await openBlobStore(config, () => publicBaseUrl(config));
  const to = await openBlobStore(fleet, () => publicBaseUrl(fleet));
  if (config.storage.kind === 'local' && fleet.storage.kind === 'local' && (await sameFolder(config, fleet))) {
    out('Images stay where they are: the fleet configuration names this box\'s own media folder.\n');
    return undefined;
  }
  // Fails now, before any row moves, when the target store cannot be written.
  await to.ping();
  return new MediaCopier(from, to);
}

async function sameFolder(a: Config, b: Config): Promise<boolean> {
  const resolve = (c: Config) => realpath(path.resolve(c.data_dir)).catch(() => path.resolve(c.data_dir));
  return (await resolve(a)) === (await resolve(b));
}

/**
 * The fleet's configuration file on its own: its `${VAR}` references are filled from the environment,
 * but the settings the environment gives (EASEL_*, DATABASE_URL) describe this box, not the fleet.
 */
function loadFleetConfig(file: string): Config {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('EASEL_') && name !== 'DATABASE_URL'));
  return loadConfig({ ...env, EASEL_CONFIG: file });
}
