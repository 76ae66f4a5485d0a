// Money under concurrency (issue 11): 200 creates racing for credit worth 10 images, on both stores.
// At most what the balance affords gets through, the rest is refused with 402, the balance never
// dips below zero while they race, and the books balance afterwards, as `easel ledger verify` (a real
// child process on the same database) confirms; corrupting one balance by a micro-dollar makes it fail.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkLedger } from '../../src/billing/ledger.ts';
import { DIALECTS } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// dall-e-2 at 256x256 costs $0.016 an image in the catalogue: $0.16 buys exactly 10.
const SMALL = { model: 'dall-e-2', prompt: 'a coin', size: '256x256' };
const PRICE_MICROS = 16_000;
const AFFORDABLE = 10;
const CONCURRENT = 200;

/** Runs `easel ledger verify` as its own process on the server's data folder or database. */
function ledgerVerify(server: TestServer): Promise<{ code: number | null; output: string }> {
  const file = path.join(server.dataDir, 'verify.yaml');
  const config: Record<string, unknown> = { data_dir: server.dataDir, log_level: 'silent' };
  if (server.config.database_url) config.database_url = server.config.database_url;
  writeFileSync(file, stringify(config));
  // The file says where the database is; nothing inherited from the environment may say otherwise.
  const env: NodeJS.ProcessEnv = { ...process.env, EASEL_CONFIG: file };
  for (const name of ['DATABASE_URL', 'EASEL_DATA_DIR', 'EASEL_HOST', 'EASEL_PORT', 'EASEL_PUBLIC_URL', 'EASEL_ADMIN_TOKEN', 'EASEL_LOG_LEVEL']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/easel.mjs', 'ledger', 'verify'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe.each(DIALECTS)('money under concurrency on %s', (dialect) => {
  let server: TestServer;
  afterEach(async () => {
    await server?.close();
  });

  it(`lets ${AFFORDABLE} of ${CONCURRENT} concurrent creates through, never below zero, and easel ledger verify agrees`, async () => {
    server = await startTestServer({ dialect });
    const acct = await server.newAccount('0.16');
    const balanceMicros = async () =>
      (await server.db.kysely.selectFrom('accounts').select('balance_micros').where('id', '=', acct.id).executeTakeFirstOrThrow()).balance_micros;

    // Sample the balance straight from the database for as long as the creates race.
    const samples: number[] = [];
    let racing = true;
    const sampler = (async () => {
      while (racing) {
        samples.push(await balanceMicros());
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        const res = await server.call('/v1/images/generations', { method: 'POST', key: acct.key, json: SMALL });
        const body = await res.json();
        return { status: res.status, code: body.error?.code as string | undefined };
      }),
    ).finally(() => (racing = false));
    await sampler;
    samples.push(await balanceMicros());

    const succeeded = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 402 && a.code === 'insufficient_balance').length;
    const lowest = Math.min(...samples);
    expect(succeeded).toBeLessThanOrEqual(AFFORDABLE);
    expect(succeeded).toBe(AFFORDABLE); // the demo provider never fails
    const tally: Record<string, number> = {};
    for (const a of answers) {
      const kind = a.status === 200 ? '200' : `${a.status} ${a.code}`;
      tally[kind] = (tally[kind] ?? 0) + 1;
    }
    expect(tally).toEqual({ '200': succeeded, '402 insufficient_balance': CONCURRENT - succeeded });
    expect(refused).toBe(CONCURRENT - succeeded);
    expect(samples.length).toBeGreaterThan(1);
    expect(lowest).toBeGreaterThanOrEqual(0);
    expect(await balanceMicros()).toBe(0);

    // The books: this account's reservations all settled, nothing open anywhere.
    const reservations = await server.db.kysely.selectFrom('reservations').select(['status', 'quoted_micros', 'charged_micros']).where('account_id', '=', acct.id).execute();
    expect(reservations).toHaveLength(succeeded);
    expect(reservations.every((r) => r.status === 'settled' && r.quoted_micros === PRICE_MICROS && r.charged_micros === PRICE_MICROS)).toBe(true);
    const check = await checkLedger(server.db.kysely);
    expect(check.problems).toEqual([]);
    expect(check.counts.openHolds).toBe(0);
    expect(check.totals.openMicros).toBe(0);
    expect(check.totals.reservedMicros).toBe(check.totals.settledMicros + check.totals.releasedMicros + check.totals.openMicros);
    expect(check.totals.settledMicros).toBe(AFFORDABLE * PRICE_MICROS);
    console.info(
      `${dialect}: ${succeeded} succeeded, ${refused} refused 402 insufficient_balance, balance sampled ${samples.length} times between ${lowest} and ${Math.max(...samples)} µ$; ` +
        `reserved ${check.totals.reservedMicros} = settled ${check.totals.settledMicros} + released ${check.totals.releasedMicros} + open ${check.totals.openMicros} µ$`,
    );

    // The operator's check, on the live database while the server still runs.
    const good = await ledgerVerify(server);
    expect(good.output).toContain('OK: the ledger balances');
    expect(good.output).toContain('0 open holds');
    expect(good.code).toBe(0);
    console.info(good.output);

    // One micro-dollar appears from nowhere: the balance no longer matches its entries.
    await server.db.kysely.updateTable('accounts').set((eb) => ({ balance_micros: eb('balance_micros', '+', 1) })).where('id', '=', acct.id).execute();
    const bad = await ledgerVerify(server);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain(`account ${acct.id}: balance $0.000001 but its ledger entries add up to $0.00 (off by 1 µ$)`);
    expect(bad.output).toContain('FAILED: 1 problem');
    console.info(bad.output);

    // Put it back so the server's own check at close holds.
    await server.db.kysely.updateTable('accounts').set((eb) => ({ balance_micros: eb('balance_micros', '-', 1) })).where('id', '=', acct.id).execute();

    // A settle that charged more than its quote is named too (then put back).
    const settle = await server.db.kysely.selectFrom('ledger_entries').select(['id', 'reservation_id']).where('account_id', '=', acct.id).where('kind', '=', 'settle').executeTakeFirstOrThrow();
    await server.db.kysely.updateTable('ledger_entries').set({ charge_micros: PRICE_MICROS + 1 }).where('id', '=', settle.id).execute();
    const overcharged = await checkLedger(server.db.kysely);
    expect(overcharged.ok).toBe(false);
    expect(overcharged.problems).toContain(`reservation ${settle.reservation_id} (settled): charged $0.016001, more than its quote $0.016`);
    await server.db.kysely.updateTable('ledger_entries').set({ charge_micros: PRICE_MICROS }).where('id', '=', settle.id).execute();
    expect((await checkLedger(server.db.kysely)).problems).toEqual([]);
  }, 180_000);
});
