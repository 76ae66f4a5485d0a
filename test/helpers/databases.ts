// The databases every store test runs against: SQLite always, PostgreSQL from the global setup.
// Each test gets its own PostgreSQL database so tests never see each other's rows.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomBase62 } from '../../src/util/ids.ts';

export type TestDialect = 'sqlite' | 'postgres';
export const DIALECTS: TestDialect[] = ['sqlite', 'postgres'];

export function tempDir(prefix = 'easel-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A fresh, empty database URL for the dialect (undefined means the SQLite default in the data dir), on the run's PostgreSQL unless `base` names another. */
export async function freshDatabaseUrl(dialect: TestDialect, base = process.env.EASEL_TEST_POSTGRES_URL): Promise<string | undefined> {
  if (dialect === 'sqlite') return undefined;
  if (!base) throw new Error('EASEL_TEST_POSTGRES_URL is not set (the global setup starts PostgreSQL)');
  const name = `t_${randomBase62(12).toLowerCase()}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
