// What would group commit save? Easel's own SQLite statements, replayed without Easel around them.
// 1. `easel serve` runs row (d)'s full path (gpt-image-2 b64_json on the 1×1 upstream) with
//    sql-counter.mjs preloaded; once it is ready and idle its data folder is copied, then SIGUSR2 starts
//    the trace: every statement with its parameters, as better-sqlite3 ran them, for `--seconds`.
// 2. Each mode replays the trace on a fresh copy of that folder with Easel's pragmas (WAL,
//    synchronous NORMAL, foreign keys on), each SQL text prepared once, and reports this process's CPU
//    per request (a request = one `insert into "tasks"`) and the bytes written to the WAL:
//      as recorded      begin/commit where Easel put them (2 transactions a request, the rest autocommit)
//      grouped by G     the same statements, begin/commit dropped, one transaction per G requests' worth
// The replay is the statements alone — no kysely building or compiling, no Node HTTP — so "as
// recorded" is also the floor a hand-written data layer would pay with today's statements.
//
//   node --import tsx bench/profile/group-commit.ts [--seconds 5] [--groups 1,10,50,200] [--easel-root .]

import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { machineLine, startEasel, startUpstream } from '../peers/kit.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, groups: { type: 'string', default: '1,10,50,200' }, 'easel-root': { type: 'string', default: '.' } } });
const root = values['easel-root'];
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');

interface Traced {
  sql: string;
  method: 'run' | 'get' | 'all' | 'iterate';
  params: unknown[];
}

const untag = (v: unknown) => {
  if (v && typeof v === 'object' && '$buffer' in v) return Buffer.from((v as { $buffer: string }).$buffer, 'base64');
  if (v && typeof v === 'object' && '$bigint' in v) return BigInt((v as { $bigint: string }).$bigint);
  return v;
};

/** Easel's SQLite files, copied while it is idle (WAL and all). */
function copyDb(from: string, to: string): void {
  for (const f of ['easel.sqlite', 'easel.sqlite-wal', 'easel.sqlite-shm']) {
    try {
      cpSync(path.join(from, f), path.join(to, f));
    } catch {
      // No WAL yet.
    }
  }
}

async function record(seconds: number): Promise<{ trace: Traced[]; snapshot: string; rps: number }> {
  const upstream = await startUpstream();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'easel-group-commit-'));
  const traceFile = path.join(dir, 'trace.jsonl');
  const easel = await startEasel({ root, upstream: upstream.url, nodeArgs: ['--import', path.resolve('bench/profile/sql-counter.mjs')], env: { SQL_TRACE_FILE: traceFile } });
  const snapshot = path.join(dir, 'snapshot');
  try {
    const body = JSON.stringify({ model: 'gpt-image-2', prompt: 'a lighthouse at dawn', size: '1024x1024', quality: 'low', response_format: 'b64_json' });
    const opts = { url: `${easel.url}/v1/images/generations`, method: 'POST' as const, connections: 50, headers: { 'content-type': 'application/json', authorization: `Bearer ${easel.key}` }, body };
    await autocannon({ ...opts, duration: 2 });
    await new Promise((r) => setTimeout(r, 1000));
    cpSync(easel.dataDir, snapshot, { recursive: true });
    process.kill(easel.pid, 'SIGUSR2');
    const r = await autocannon({ ...opts, duration: seconds });
    await easel.stop();
    const trace = readFileSync(traceFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Traced);
    return { trace, snapshot, rps: r.requests.total / seconds };
  } finally {
    await easel.stop();
    await upstream.stop();
  }
}

/**
 * Replays `trace` on a copy of `snapshot`; `group` 0 keeps Easel's own transactions. `walOnly`: with
 * automatic checkpoints off, so the WAL's growth is every byte the commits wrote (the CPU figure comes
 * from the pass with Easel's checkpoints on).
 */
function replay(trace: Traced[], snapshot: string, group: number, walOnly = false) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'easel-replay-'));
  copyDb(snapshot, dir);
  const db = new Database(path.join(dir, 'easel.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  if (walOnly) db.pragma('wal_autocheckpoint = 0');
  const statements = new Map<string, import('better-sqlite3').Statement>();
  const prepared = (sql: string) => statements.get(sql) ?? statements.set(sql, db.prepare(sql)).get(sql)!;
  const isTx = (sql: string) => /^(begin|commit|rollback)\b/i.test(sql.trim());
  const steps = group ? trace.filter((t) => !isTx(t.sql)) : trace;
  const params = steps.map((t) => t.params.map(untag));
  for (const t of steps) prepared(t.sql);
  const walBefore = statSync(path.join(dir, 'easel.sqlite-wal'), { throwIfNoEntry: false })?.size ?? 0;
  let requests = 0;
  let failures = 0;
  let inGroup = 0;
  let open = false;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps.length; i++) {
    const t = steps[i]!;
    const isRequest = /^insert into "tasks"/.test(t.sql);
    if (group && !open) {
      db.exec('begin');
      open = true;
    }
    try {
      const stmt = prepared(t.sql);
      if (t.method === 'run' || !stmt.reader) stmt.run(...params[i]!);
      else stmt.all(...params[i]!);
    } catch {
      failures++;
    }
    if (isRequest) {
      requests++;
      inGroup++;
    }
    if (group && open && inGroup >= group) {
      db.exec('commit');
      open = false;
      inGroup = 0;
    }
  }
  if (open) db.exec('commit');
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const walAfter = statSync(path.join(dir, 'easel.sqlite-wal'), { throwIfNoEntry: false })?.size ?? 0;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { requests, failures, cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, requests), wallMs, walGrowthKiB: (walAfter - walBefore) / 1024 };
}

const startLine = machineLine(root);
const { trace, snapshot, rps } = await record(Number(values.seconds));
const modes = [0, ...values.groups.split(',').map(Number)];
// Two passes, the first to warm the JIT and the page cache; the second is reported.
for (const g of modes) replay(trace, snapshot, g);
const rows = modes.map((g) => ({ g, ...replay(trace, snapshot, g), walKiBPerRequest: ((r) => r.walGrowthKiB / Math.max(1, r.requests))(replay(trace, snapshot, g, true)) }));
rmSync(path.dirname(snapshot), { recursive: true, force: true });

console.log(`\n${startLine}\nTrace: ${trace.length} statements recorded under load (${Math.round(rps)} req/s through Easel); replayed on copies of the database taken just before; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| replay | requests | failed statements | CPU µs per request | WAL KiB written per request |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.g ? `one transaction per ${r.g} requests` : 'as recorded (2 transactions a request)'} | ${r.requests} | ${r.failures} | ${r.cpuUsPerRequest.toFixed(0)} | ${r.walKiBPerRequest.toFixed(1)} |`);
