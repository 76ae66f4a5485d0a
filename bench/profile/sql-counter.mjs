// A preload for `easel serve` (node --import ./bench/profile/sql-counter.mjs ...) that counts every
// SQLite statement better-sqlite3 runs, by its SQL text, with the time its native runs took, and
// writes them as JSON ({sql: {n, us}}) to
// $SQL_COUNT_FILE when the process exits. Plain JavaScript: it loads before anything is compiled.
// Used by full-path-profile.ts --count-sql to tell statements and transactions per request.
// With $SQL_TRACE_FILE it also records every statement with its parameters, from the moment the
// process gets SIGUSR2 (so a copy of the database can be taken first), written as JSON lines at exit:
// group-commit.ts replays them. With $SQL_COUNT_AFTER_SIGNAL set, the counts too start over at SIGUSR2
// (pending-tasks.ts --count-sql counts a measured window, not the creates before it).

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const Database = require('better-sqlite3');
const proto = Object.getPrototypeOf(new Database(':memory:').prepare('select 1'));
const counts = new Map();
/** Nanoseconds spent in each SQL text's native runs (wall clock of the synchronous call). */
const nanos = new Map();
/**
 * And the CPU the process used meanwhile (process.cpuUsage, user + system): less than the wall clock
 * when a statement waits on the disk (a checkpoint's fsync, with synchronous = NORMAL).
 */
const cpuMicros = new Map();
const TRACE_CAP = 400_000;
const trace = [];
let tracing = false;
if (process.env.SQL_TRACE_FILE) process.on('SIGUSR2', () => (tracing = true));
if (process.env.SQL_COUNT_AFTER_SIGNAL) {
  process.on('SIGUSR2', () => {
    counts.clear();
    nanos.clear();
    cpuMicros.clear();
  });
}
/** Parameters as JSON: Buffers and bigints tagged so the replay can restore them. */
const tag = (v) => (Buffer.isBuffer(v) ? { $buffer: v.toString('base64') } : typeof v === 'bigint' ? { $bigint: String(v) } : v);
for (const method of ['run', 'get', 'all', 'iterate']) {
  const original = proto[method];
  proto[method] = function counted(...args) {
    counts.set(this.source, (counts.get(this.source) ?? 0) + 1);
    if (tracing && trace.length < TRACE_CAP) trace.push(JSON.stringify({ sql: this.source, method, params: (Array.isArray(args[0]) ? args[0] : args).map(tag) }));
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    try {
      return original.apply(this, args);
    } finally {
      nanos.set(this.source, (nanos.get(this.source) ?? 0n) + (process.hrtime.bigint() - t0));
      const c = process.cpuUsage(c0);
      cpuMicros.set(this.source, (cpuMicros.get(this.source) ?? 0) + c.user + c.system);
    }
  };
}
// exec() runs unprepared text (BEGIN, COMMIT when issued that way).
const exec = Database.prototype.exec;
Database.prototype.exec = function countedExec(sql) {
  counts.set(`exec: ${sql}`, (counts.get(`exec: ${sql}`) ?? 0) + 1);
  const t0 = process.hrtime.bigint();
  try {
    return exec.call(this, sql);
  } finally {
    nanos.set(`exec: ${sql}`, (nanos.get(`exec: ${sql}`) ?? 0n) + (process.hrtime.bigint() - t0));
  }
};
process.on('exit', () => {
  if (process.env.SQL_COUNT_FILE) {
    const bySql = Object.fromEntries([...counts].map(([sql, n]) => [sql, { n, us: Number((nanos.get(sql) ?? 0n) / 1000n), cpuUs: cpuMicros.get(sql) ?? 0 }]));
    writeFileSync(process.env.SQL_COUNT_FILE, JSON.stringify(bySql, null, 1));
  }
  if (process.env.SQL_TRACE_FILE) writeFileSync(process.env.SQL_TRACE_FILE, trace.join('\n'));
});
