// A preload for `easel serve` (node --import ./bench/profile/sql-counter.mjs ...) that counts every
// SQLite statement better-sqlite3 runs, by its SQL text, and writes the counts as JSON to
// $SQL_COUNT_FILE when the process exits. Plain JavaScript: it loads before anything is compiled.
// Used by full-path-profile.ts --count-sql to tell statements and transactions per request.

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const Database = require('better-sqlite3');
const proto = Object.getPrototypeOf(new Database(':memory:').prepare('select 1'));
const counts = new Map();
for (const method of ['run', 'get', 'all', 'iterate']) {
  const original = proto[method];
  proto[method] = function counted(...args) {
    counts.set(this.source, (counts.get(this.source) ?? 0) + 1);
    return original.apply(this, args);
  };
}
// exec() runs unprepared text (BEGIN, COMMIT when issued that way).
const exec = Database.prototype.exec;
Database.prototype.exec = function countedExec(sql) {
  counts.set(`exec: ${sql}`, (counts.get(`exec: ${sql}`) ?? 0) + 1);
  return exec.call(this, sql);
};
process.on('exit', () => {
  if (process.env.SQL_COUNT_FILE) writeFileSync(process.env.SQL_COUNT_FILE, JSON.stringify(Object.fromEntries(counts), null, 1));
});
