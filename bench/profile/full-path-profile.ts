// A CPU profile of Easel's full path under load (issue 15, target 1's row (d)): `easel serve` under
// `node --cpu-prof`, the purpose-built 1×1 PNG upstream in its own process, autocannon for `--seconds`
// after a short warm-up; the profile is written when Easel exits and summarised by summarise.ts.
// With --count-sql, no profile: sql-counter.mjs counts the SQLite statements Easel ran, by text, and
// the table gives them per request (the warm-up's requests included). With --postgres --count-sql,
// pg_stat_statements counts and times them in the server instead.
//
//   node --import tsx bench/profile/full-path-profile.ts [--seconds 10] [--connections 50] [--model gpt-image-2|dall-e-3] [--count-sql] [--dry-run] [--postgres] [--easel-root .]

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pgClient from 'pg';
import { startPgCluster } from '../../test/helpers/postgres-cluster.ts';
import { machineLine, startEasel, startUpstream } from '../peers/kit.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    model: { type: 'string', default: 'gpt-image-2' },
    'easel-root': { type: 'string', default: '.' },
    'count-sql': { type: 'boolean', default: false },
    /** X-Easel-Dry-Run: the fixed front (auth, contract, quote) alone. */
    'dry-run': { type: 'boolean', default: false },
    /** Easel on a throwaway PostgreSQL cluster instead of SQLite. */
    postgres: { type: 'boolean', default: false },
  },
});
const COUNT_SQL = values['count-sql'];
const root = values['easel-root'];
const dir = path.resolve('.tmp/prof', `${values.model}-${Date.now()}`);
mkdirSync(dir, { recursive: true });
const body =
  values.model === 'dall-e-3'
    ? { model: 'dall-e-3', prompt: 'a lighthouse at dawn', size: '1024x1024', response_format: 'url' }
    : { model: 'gpt-image-2', prompt: 'a lighthouse at dawn', size: '1024x1024', quality: 'low', response_format: 'b64_json' };

const startLine = machineLine(root);
const pgStats = Boolean(values.postgres && COUNT_SQL);
const pg = values.postgres ? await startPgCluster(pgStats ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] : []) : undefined;
if (pg && pgStats) await pgQuery(pg.url, 'create extension if not exists pg_stat_statements');
const upstream = await startUpstream();
const spawnedAt = performance.now();
const countFile = path.join(dir, 'sql-counts.json');
const easel = await startEasel({
  root,
  upstream: upstream.url,
  databaseUrl: pg?.url,
  nodeArgs: COUNT_SQL ? ['--import', path.resolve('bench/profile/sql-counter.mjs')] : ['--cpu-prof', '--cpu-prof-dir', dir],
  env: { SQL_COUNT_FILE: countFile },
});
const load = (seconds: number) =>
  autocannon({ url: `${easel.url}/v1/images/generations`, method: 'POST', connections: Number(values.connections), duration: seconds, headers: { 'content-type': 'application/json', authorization: `Bearer ${easel.key}`, ...(values['dry-run'] ? { 'x-easel-dry-run': '1' } : {}) }, body: JSON.stringify(body) });
let result: autocannon.Result;
let skipMs = 0;
let warmup = 0;
try {
  warmup = (await load(2)).requests.total;
  skipMs = Math.round(performance.now() - spawnedAt);
  result = await load(Number(values.seconds));
} finally {
  await easel.stop();
  await upstream.stop();
}
if (pg && pgStats) {
  const requests = warmup + result.requests.total;
  const rows = await pgQuery(pg.url, 'select query, calls, total_exec_time from pg_stat_statements order by total_exec_time desc limit 25');
  pg.remove();
  console.log(`${startLine}\n${values.model} on PostgreSQL: ${requests} requests (warm-up included); statements per request and the server's execution time (pg_stat_statements):\n`);
  console.log('| statement | per request | µs per run | µs per request |\n|---|---|---|---|');
  for (const r of rows) {
    const calls = Number(r.calls);
    const us = Number(r.total_exec_time) * 1000;
    if (calls / requests >= 0.01) console.log(`| \`${String(r.query).replace(/\s+/g, ' ').slice(0, 140).replace(/\|/g, '\\|')}\` | ${(calls / requests).toFixed(2)} | ${(us / calls).toFixed(1)} | ${(us / requests).toFixed(1)} |`);
  }
  process.exit(0);
}
pg?.remove();
if (COUNT_SQL) {
  const counts: Record<string, { n: number; us: number }> = JSON.parse(readFileSync(countFile, 'utf8'));
  const requests = warmup + result.requests.total;
  console.log(`${startLine}\n${values.model}: ${requests} requests (warm-up included); SQLite statements per request, and the time their native runs took:\n`);
  console.log('| statement | per request | µs per run | µs per request |\n|---|---|---|---|');
  let total = 0;
  let totalUs = 0;
  for (const [sql, { n, us }] of Object.entries(counts).sort((a, b) => b[1].us - a[1].us)) {
    total += n;
    totalUs += us;
    if (n / requests >= 0.01) console.log(`| \`${sql.replace(/\s+/g, ' ').slice(0, 140).replace(/\|/g, '\\|')}\` | ${(n / requests).toFixed(2)} | ${(us / n).toFixed(1)} | ${(us / requests).toFixed(1)} |`);
  }
  console.log(`| **all statements** | **${(total / requests).toFixed(2)}** | | **${(totalUs / requests).toFixed(1)}** |`);
  process.exit(0);
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${dir}: did Easel exit cleanly?`);
console.log(`${startLine}\n${values.model}${values['dry-run'] ? ' (dry run)' : ''}${values.postgres ? ' on PostgreSQL' : ''}, ${values.connections} connections, ${values.seconds} s: ${Math.round(result.requests.total / Number(values.seconds))} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}. The summary leaves out the first ${skipMs} ms of the profile (start and 2 s warm-up).\n`);
console.log(execFileSync(process.execPath, ['--import', 'tsx', 'bench/profile/summarise.ts', path.join(dir, file), '--skip-ms', String(skipMs)], { encoding: 'utf8' }));

async function pgQuery(url: string, text: string): Promise<Array<Record<string, unknown>>> {
  const client = new pgClient.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}
