// Summarises a V8 .cpuprofile (node --cpu-prof): where the samples went, as Markdown tables.
//   - self time by function, by file and by package (node_modules/<pkg>, Easel's src/<folder>, Node's
//     internals, V8's own entries such as the garbage collector);
//   - inclusive time by package and by Easel folder: the share of samples whose stack passes through
//     it at least once (so "SQLite" counts kysely and better-sqlite3 and the native calls below them);
//   - inclusive time by concern (SQLite, PostgreSQL, hashing, zod, JSON, logging, undici, fastify...).
// Idle time ("(idle)") is left out of every share: the shares are of the CPU the process used.
//
//   - the SQL time (better-sqlite3's native calls are sampled inside kysely's executeQuery) by the Easel
//     function that issued it: the nearest Easel frame above executeQuery.
// `--skip-ms N` leaves out the first N ms of the profile (the start, before the load).
//
//   node --import tsx bench/profile/summarise.ts <file.cpuprofile> [--top 30] [--skip-ms 0]

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' }, 'skip-ms': { type: 'string', default: '0' } } });
const TOP = Number(values.top);
if (!positionals[0]) throw new Error('usage: summarise.ts <file.cpuprofile> [--top 30]');

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, an Easel folder, Node's internals, or V8 itself. */
export function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native / V8 builtins)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const easel = /\/(?:src|dist)\/([^/]+)(\/|\.(?:ts|js)$)/.exec(url);
  if (easel && !url.includes('node_modules')) return `easel ${easel[1]!.replace(/\.(ts|js)$/, '')}`;
  if (url.startsWith('node:internal/')) return `node internal/${url.slice(14).split('/')[0]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  return url.replace(/^file:\/\//, '');
}

function fileOf(frame: CallFrame): string {
  if (!frame.url) return packageOf(frame);
  return frame.url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(/^.*\/(src|dist)\//, '$1/');
}

/** Concerns told by the sampled frame alone: their stacks start in V8 (microtasks), so all would match. */
const LEAF_ONLY = new Set(['V8 builtins and native calls (writev to sockets, microtasks...)', 'JSON.parse / JSON.stringify', 'garbage collector']);

/** The concerns the issue asks about, each a test on one frame of the stack (or the sampled one). */
const CONCERNS: Array<[string, (f: CallFrame, pkg: string) => boolean]> = [
  ['SQL statements (kysely executeQuery: better-sqlite3 native run / pg send)', (f) => f.functionName === 'executeQuery' && /kysely/.test(f.url)],
  ['query layer (kysely; better-sqlite3 under it on SQLite)', (_f, pkg) => pkg === 'better-sqlite3' || pkg === 'kysely' || pkg === 'easel storage'],
  ['transactions (kysely transaction(): begin … commit)', (f) => /transaction|Transaction|commit|savepoint/i.test(f.functionName) && /kysely|better-sqlite3|storage/.test(f.url)],
  ['PostgreSQL (pg)', (_f, pkg) => pkg.startsWith('pg') && pkg !== 'pino'],
  ['hashing / crypto (SHA-256, random ids)', (f) => /crypto|hash/i.test(f.url) || /^(digest|createHash|randomBytes|randomFillSync|timingSafeEqual|hash)$/.test(f.functionName)],
  ['zod validation', (_f, pkg) => pkg === 'zod'],
  ['JSON.parse / JSON.stringify', (f) => !f.url && /^(parse|stringify|JSONParse|JSONStringify)$/.test(f.functionName)],
  ['random ids (crypto.randomFillSync / randomBytes)', (f) => /^(randomFillSync|randomBytes|randomUUID)$/.test(f.functionName)],
  ['logging (pino)', (_f, pkg) => /^(pino|sonic-boom|thread-stream|pino-std-serializers)$/.test(pkg)],
  ['undici (upstream calls)', (_f, pkg) => pkg === 'undici'],
  ['fastify (+ find-my-way, avvio, light-my-request)', (_f, pkg) => /^(fastify|find-my-way|avvio|@fastify\/.*|fast-json-stringify|light-my-request|fastq|secure-json-parse)$/.test(pkg)],
  ['V8 builtins and native calls (writev to sockets, microtasks...)', (f) => !f.url && !f.functionName.startsWith('(')],
  ['prom-client (metrics)', (_f, pkg) => pkg === 'prom-client'],
  ['OpenTelemetry', (_f, pkg) => pkg.startsWith('@opentelemetry')],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
];

function table(title: string, rows: Array<[string, number]>, total: number, limit = TOP): string {
  const lines = [`| ${title} | ms | % of busy |`, '|---|---|---|'];
  for (const [name, us] of rows.slice(0, limit)) lines.push(`| ${name.replace(/\|/g, '\\|')} | ${(us / 1000).toFixed(0)} | ${((us / total) * 100).toFixed(1)} |`);
  return lines.join('\n');
}

const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

const profile: Profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfFn = new Map<string, number>();
const selfFile = new Map<string, number>();
const selfPkg = new Map<string, number>();
const inclPkg = new Map<string, number>();
const inclConcern = new Map<string, number>();
const sqlBy = new Map<string, number>();
const inclEaselFn = new Map<string, number>();
const SKIP_US = Number(values['skip-ms']) * 1000;
let busy = 0;
let idle = 0;
let elapsed = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  elapsed += dt;
  if (elapsed < SKIP_US) continue;
  const leaf = byId.get(profile.samples[i]!)!;
  if (leaf.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  busy += dt;
  const f = leaf.callFrame;
  add(selfFn, `${f.functionName || '(anonymous)'} — ${fileOf(f)}:${f.lineNumber + 1}`, dt);
  add(selfFile, fileOf(f), dt);
  add(selfPkg, packageOf(f), dt);
  const pkgs = new Set<string>();
  const easelFns = new Set<string>();
  const concerns = new Set<string>();
  let inSql = false;
  let sqlCaller: string | undefined;
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
    const frame = byId.get(id)!.callFrame;
    const pkg = packageOf(frame);
    pkgs.add(pkg);
    if (pkg.startsWith('easel ')) easelFns.add(`${frame.functionName || '(anonymous)'} — ${fileOf(frame)}:${frame.lineNumber + 1}`);
    for (const [name, test] of CONCERNS) if ((id === leaf.id || !LEAF_ONLY.has(name)) && test(frame, pkg)) concerns.add(name);
    if (frame.functionName === 'executeQuery' && /kysely/.test(frame.url)) inSql = true;
    else if (inSql && !sqlCaller && pkg.startsWith('easel ') && pkg !== 'easel storage') sqlCaller = `${frame.functionName || '(anonymous)'} — ${fileOf(frame)}:${frame.lineNumber + 1}`;
  }
  if (inSql) add(sqlBy, sqlCaller ?? '(no Easel frame above: a resumed async function)', dt);
  for (const p of pkgs) add(inclPkg, p, dt);
  for (const f of easelFns) add(inclEaselFn, f, dt);
  for (const c of concerns) add(inclConcern, c, dt);
}

console.log(`Profile ${positionals[0]}: ${(busy / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle, first ${values['skip-ms']} ms left out.\n`);
console.log(table('concern (inclusive: stack passes through it)', sorted(inclConcern), busy), '\n');
console.log(table('package / Easel folder (inclusive)', sorted(inclPkg).filter(([k]) => k !== '(root)' && k !== '(native / V8 builtins)' && k !== 'node internal/process'), busy), '\n');
console.log(table('package / Easel folder (self)', sorted(selfPkg), busy), '\n');
console.log(table('file (self)', sorted(selfFile), busy), '\n');
console.log(table('function (self)', sorted(selfFn), busy), '\n');
console.log(table('Easel function (inclusive: on the stack, async callers lost at each await)', sorted(inclEaselFn), busy), '\n');
console.log(table('SQL statement time by the Easel function above it', sorted(sqlBy), busy, 15));
