#!/usr/bin/env node
// The `easel` command. It runs the compiled JavaScript in dist/ (built by `npm ci` through the
// `prepare` script, or `npm run build`) while that build is up to date with src/: nothing under src/
// is newer than dist/.build-stamp (a stat per file, a few milliseconds). A developer who has edited
// src/ since gets the sources run through tsx (a dev dependency), told once on stderr; with neither a
// current build nor tsx it stops and says to build.

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');
const stamp = path.join(root, 'dist', '.build-stamp');

/** The newest mtime under `dir`, folders included (a deleted or renamed file changes its folder's). */
function newestUnder(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(child) : statSync(child).mtimeMs);
  }
  return newest;
}

function mtimeOf(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Why dist/ cannot be run, or undefined when it can. A copy shipped without src/ runs its dist/. */
function whyNotBuilt() {
  const built = mtimeOf(stamp);
  if (built === undefined) return 'dist/ is not built';
  if (mtimeOf(src) !== undefined && newestUnder(src) > built) return 'src/ has changed since dist/ was built';
  return undefined;
}

async function loadMain() {
  const reason = whyNotBuilt();
  if (reason === undefined) return import('../dist/cli/main.js');
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`easel: ${reason}, and tsx (a dev dependency) is not installed to run the sources: run \`npm run build\` (after \`npm ci\` with the dev dependencies)\n`);
    process.exit(1);
  }
  // Under the test runner the tests read this process's stderr, and they run the sources either way.
  if (!process.env.VITEST) process.stderr.write(`easel: ${reason}; running the TypeScript sources through tsx (\`npm run build\` to compile)\n`);
  register();
  return import('../src/cli/main.ts');
}

const { main } = await loadMain();
// Exit explicitly once done: idle keep-alive sockets to upstreams must not hold a stopped server open.
process.exit(await main(process.argv.slice(2)));
