// Compiles src/ to dist/ with the TypeScript compiler (tsconfig.build.json), the `prepare` script, so
// `npm ci` leaves a runnable install and `npm start` needs neither tsx nor the dev dependencies.
//
// - Builds into a folder of its own and swaps it in at the end, so a server already running from dist/
//   (its lazily imported modules) never sees a half-written tree, and a failed build leaves the old one.
// - Copies every file under src/ that is not TypeScript (fonts, SQL, JSON a module reads at run time)
//   to the same place under dist/.
// - Bundles the Easel Console (console/, with Vite) into dist/console/ of the same fresh tree, so the
//   page and the server that serves it are swapped in together.
// - Ends with dist/.build-stamp, whose mtime is the moment the build started: bin/easel.mjs runs dist/
//   only while nothing under src/ is newer, so an edit made during the build counts as not built.
// - A production install (`npm ci --omit=dev`) has no compiler: with a dist/ already built it says so
//   and keeps it; with none it fails, naming what to run.
//
// Plain JavaScript on purpose: it must run before anything is compiled and without tsx.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const STAMP = '.build-stamp';

function say(message) {
  process.stderr.write(`easel build: ${message}\n`);
}

function compilerPath() {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

/** Files (not .ts) under src/, as paths relative to it. */
function assetsUnder(dir, rel = '') {
  const found = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = path.join(rel, entry.name);
    if (entry.isDirectory()) found.push(...assetsUnder(dir, child));
    else if (!entry.name.endsWith('.ts')) found.push(child);
  }
  return found;
}

/** Puts the fresh tree at dist/. Another build finishing first is as fresh as this one: keep it. */
function swapIn(built) {
  const old = `${dist}.old-${process.pid}`;
  try {
    renameSync(dist, old);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  try {
    renameSync(built, dist);
  } catch (err) {
    if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    rmSync(built, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
}

/** The console's bundle into `outDir` (Vite's own API; the config is console/vite.config.ts). */
async function buildConsole(outDir) {
  const vite = await import('vite');
  await vite.build({ configFile: path.join(root, 'console', 'vite.config.ts'), build: { outDir, emptyOutDir: true } });
}

async function build(tsc) {
  const started = new Date();
  const out = `${dist}.build-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
  if (run.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    say(`tsc failed (exit ${run.status ?? run.signal}); dist/ left as it was`);
    return 1;
  }
  const assets = assetsUnder(src);
  for (const asset of assets) cpSync(path.join(src, asset), path.join(out, asset));
  try {
    await buildConsole(path.join(out, 'console'));
  } catch (err) {
    rmSync(out, { recursive: true, force: true });
    say(`the console did not build (${err?.message ?? err}); dist/ left as it was`);
    return 1;
  }
  const stamp = path.join(out, STAMP);
  writeFileSync(stamp, `${JSON.stringify({ built_at: started.toISOString(), node: process.version })}\n`);
  utimesSync(stamp, started, started);
  swapIn(out);
  say(`dist/ built in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s${assets.length ? ` (${assets.length} asset files copied)` : ''}, the console included`);
  return 0;
}

async function main() {
  const tsc = compilerPath();
  if (tsc) return build(tsc);
  const stamp = path.join(dist, STAMP);
  if (existsSync(stamp)) {
    say(`no TypeScript compiler (a production install); keeping dist/ built ${statSync(stamp).mtime.toISOString()}`);
    return 0;
  }
  say('dist/ is not built and the TypeScript compiler is not installed: run `npm ci` (with the dev dependencies), then `npm run build`; `npm ci --omit=dev` after that keeps the build');
  return 1;
}

process.exit(await main());
