// Runs `easel ARGS` as a real process, as an operator's shell would, on a configuration written to
// a file of its own.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/databases.ts';

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

export async function runEasel(config: Record<string, unknown>, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const file = path.join(tempDir('easel-cli-'), 'easel.yaml');
  writeFileSync(file, stringify({ log_level: 'silent', ...config }));
  const child = spawn(process.execPath, ['bin/easel.mjs', ...args], { env: { ...process.env, EASEL_CONFIG: file, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, out, err };
}

/** The JSON a `--json` run printed; fails with its output when it did not succeed. */
export function jsonOf(run: CliRun): any {
  if (run.code !== 0) throw new Error(`easel exited ${run.code}:\n${run.out}\n${run.err}`);
  return JSON.parse(run.out);
}
