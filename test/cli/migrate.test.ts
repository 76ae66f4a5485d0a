// `easel migrate`: a box on SQLite and local disk, with accounts, keys, tasks, uploads and ledger
// rows, copied to an empty PostgreSQL database and another media folder or an S3 bucket (s3rver); a server on the copy sees
// the same balances, the same keys work, old tasks and files still answer with their images, and
// the books balance. A second run refuses the now non-empty target.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { tinyPng } from '../helpers/png.ts';
import { freshDatabaseUrl, tempDir } from '../helpers/databases.ts';
import { pollTask } from '../helpers/poll.ts';
import { type S3Server, startS3Server } from '../helpers/s3.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { runEasel as easel } from './run.ts';

let server: TestServer | undefined;
let s3: S3Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await s3?.close();
  s3 = undefined;
});

/**
 * Both servers keep idle connections a minute: the test's own client reuses its pooled sockets, and
 * on a loaded machine it can take one just as the default 5 s keep-alive closes it (ECONNRESET).
 */
const LIMITS = { keep_alive_timeout_ms: 60_000 };

/** Where the fleet keeps images: another folder (the local store), or an S3 bucket. */
const STORES = ['another folder', 'an S3 bucket'] as const;

/** The tables of a PostgreSQL database, Kysely's own migration tables left out. */
async function tablesOf(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = 'public' and table_name not like 'kysely%'`);
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe('easel migrate', () => {
  it.each(STORES)('moves a SQLite box to PostgreSQL and %s: balances, keys, tasks, files and the ledger come along', { timeout: 120_000 }, async (store) => {
    // The box: a starter account, a customer with a key, images inline and by task, two uploads (one deleted).
    const boxDir = tempDir();
    server = await startTestServer({ dataDir: boxDir, config: { limits: LIMITS } });
    const box = server;
    const starterKey = box.apiKey;
    const customer = await box.newAccount('7.5');
    const inline = await box.call('/v1/images/generations', { method: 'POST', key: customer.key, json: { model: 'dall-e-2', prompt: 'inline before the move', size: '256x256' } });
    expect(inline.status).toBe(200);
    const created = await (await box.call('/v1/images/generations', { method: 'POST', key: customer.key, json: { model: 'gpt-image-2', prompt: 'a task before the move', size: '1024x1024', async: true } })).json();
    const { body: done } = await pollTask(box, created.poll_url, { key: customer.key });
    expect(done.status).toBe('completed');
    const taskImage = await bytesOf(await fetch(done.data[0].url));
    const upload = async (name: string) => {
      const form = new FormData();
      form.append('purpose', 'user_data');
      form.append('file', new Blob([new Uint8Array(await tinyPng(8, 8))], { type: 'image/png' }), name);
      return (await (await box.call('/v1/files', { method: 'POST', key: customer.key, body: form })).json()).id as string;
    };
    const fileId = await upload('kept.png');
    const fileBytes = await bytesOf(await box.call(`/v1/files/${fileId}/content`, { key: customer.key }));
    const goneId = await upload('gone.png');
    await box.call(`/v1/files/${goneId}`, { method: 'DELETE', key: customer.key });
    const customerBalance = await box.balance(customer.id);
    const starterId = (await (await box.call('/admin/v1/accounts?q=starter', { key: box.adminToken })).json()).data[0].id as string;
    const starterBalance = await box.balance(starterId);
    await box.close();
    server = undefined;

    // The fleet: PostgreSQL and its store, named by the fleet's configuration file.
    const targetUrl = (await freshDatabaseUrl('postgres'))!;
    const fleetDir = tempDir();
    const fleetFile = path.join(fleetDir, 'fleet.yaml');
    if (store === 'an S3 bucket') s3 = await startS3Server();
    const storage = s3 ? s3.storageConfig() : { kind: 'local' };
    writeFileSync(fleetFile, stringify({ data_dir: fleetDir, database_url: targetUrl, storage }));
    // This box's own settings in the environment must not leak into the fleet's file.
    const moved = await easel({ data_dir: boxDir }, ['migrate', '--to-config', fleetFile], { EASEL_DATA_DIR: boxDir });
    // Nothing of Easel's on stderr (the AWS SDK may warn there about the Node version).
    expect(moved.err).not.toContain('easel:');
    expect(moved.code, moved.out).toBe(0);
    expect(moved.out).toMatch(/accounts\s+2 rows/);
    expect(moved.out).toMatch(/api_keys\s+2 rows/);
    expect(moved.out).toMatch(/files\s+2 rows/);
    expect(moved.out).toMatch(/tasks\s+2 rows/);
    // Every table the migrations made is copied, whatever its primary key, not a list kept by hand.
    const tables = await tablesOf(targetUrl);
    expect(tables).toEqual(expect.arrayContaining(['accounts', 'api_keys', 'files', 'ledger_entries', 'meta', 'reservations', 'tasks']));
    for (const table of tables) expect(moved.out).toMatch(new RegExp(`\\n  ${table}\\s+\\d+ rows\\n`));
    // The inline answer's image (its task row keeps it), the task's and one upload copied; the deleted upload's image was already gone.
    expect(moved.out).toMatch(/images\s+3 copied \(\d+ bytes\), 1 named but no longer stored/);
    expect(moved.out).toContain('the ledger balances on the target');

    server = await startTestServer({ dataDir: fleetDir, config: { database_url: targetUrl, storage, limits: LIMITS } });
    const fleet = server;
    expect(fleet.banner).not.toMatch(/API key/);
    expect(await fleet.balance(customer.id)).toBe(customerBalance);
    expect(await fleet.balance(starterId)).toBe(starterBalance);
    // Both keys authenticate; the moved task and file answer with the same bytes from the new store.
    expect((await fleet.call('/v1/usage', { key: starterKey })).status).toBe(200);
    const polled = await (await fleet.call(`/v1/tasks/${created.id}`, { key: customer.key })).json();
    expect(polled.status).toBe('completed');
    expect(polled.data[0].url.startsWith(fleet.url)).toBe(true);
    expect(await bytesOf(await fetch(polled.data[0].url))).toEqual(taskImage);
    expect(await bytesOf(await fleet.call(`/v1/files/${fileId}/content`, { key: customer.key }))).toEqual(fileBytes);
    expect((await fleet.call(`/v1/files/${goneId}`, { key: customer.key })).status).toBe(404);
    // The moved books take new charges.
    const after = await fleet.call('/v1/images/generations', { method: 'POST', key: customer.key, json: { model: 'dall-e-2', prompt: 'after the move', size: '256x256' } });
    expect(after.status).toBe(200);
    expect(await fleet.balance(customer.id)).not.toBe(customerBalance);
    await fleet.close();
    server = undefined;

    const verified = await easel({ data_dir: fleetDir, database_url: targetUrl }, ['ledger', 'verify']);
    expect(verified.code, verified.out + verified.err).toBe(0);
    expect(verified.out).toContain('OK: the ledger balances');

    const again = await easel({ data_dir: boxDir }, ['migrate', '--to-database', targetUrl]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/target database is not empty \(accounts: 2 rows/);
  });

  it('refuses a target that is not PostgreSQL and a box already on it, with a usage error', async () => {
    const dir = tempDir();
    const noTarget = await easel({ data_dir: dir }, ['migrate']);
    expect(noTarget.code).toBe(2);
    expect(noTarget.err).toMatch(/needs a PostgreSQL target/);
    const sqliteTarget = await easel({ data_dir: dir }, ['migrate', '--to-database', `sqlite:${path.join(dir, 'other.sqlite')}`]);
    expect(sqliteTarget.code).toBe(2);
    const onPostgres = await easel({ data_dir: dir, database_url: 'postgres://app@127.0.0.1:1/none' }, ['migrate', '--to-database', 'postgres://app@127.0.0.1:1/other']);
    expect(onPostgres.code).toBe(2);
    expect(onPostgres.err).toMatch(/already runs on PostgreSQL/);
  });
});
