// Writes README.md's error table from src/api/errors.ts's ERROR_CODES, between the two marker comments,
// so the documented codes, statuses and types are the ones the server raises. test/api/error-docs.test.ts
// fails when README.md differs from what this writes.
//
//   node --import tsx scripts/error-docs.ts          (rewrites the table in README.md)
//   node --import tsx scripts/error-docs.ts --check  (exit 1 when README.md's table is stale)

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, type ErrorCodeSpec } from '../src/api/errors.ts';

export const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../README.md');
export const BEGIN_MARKER = '<!-- error-table:begin — generated from src/api/errors.ts by `node --import tsx scripts/error-docs.ts`; edit the table there -->';
export const END_MARKER = '<!-- error-table:end -->';

/** The Markdown table: one row per code, in table order (by status). */
export function renderErrorTable(): string {
  const rows = (Object.entries(ERROR_CODES) as Array<[string, ErrorCodeSpec]>).map(([code, spec]) => {
    const http = spec.inPath ? `${spec.status}, ${spec.inPath.status}` : spec.keepsFrameworkStatus ? `${spec.status} (or Fastify's 4xx)` : String(spec.status);
    const type = spec.inPath && spec.inPath.type !== spec.type ? `\`${spec.type}\`; \`${spec.inPath.type}\` (${spec.inPath.status})` : `\`${spec.type}\``;
    return `| ${http} | \`${code}\` | ${type} | ${spec.retryable ? 'yes' : 'no'} | ${spec.when.replaceAll('|', '\\|')} |`;
  });
  return ['| HTTP | `code` | `type` | retryable | when |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** `readme` with the text between the markers replaced by the generated table. */
export function withErrorTable(readme: string): string {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN_MARKER} … ${END_MARKER} section`);
  return `${readme.slice(0, begin + BEGIN_MARKER.length)}\n${renderErrorTable()}\n${readme.slice(end)}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const current = readFileSync(README, 'utf8');
  const generated = withErrorTable(current);
  if (process.argv.includes('--check')) {
    if (generated !== current) {
      console.error('README.md: the error table differs from src/api/errors.ts; run node --import tsx scripts/error-docs.ts');
      process.exit(1);
    }
  } else if (generated !== current) {
    writeFileSync(README, generated);
    console.log('README.md: error table rewritten');
  }
}
