// Runs `easel serve` as a real child process on a data folder, for crash and multi-process tests.

import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/** How long `easel serve` may take to listen before the test gives up. */
const STARTUP_TIMEOUT_MS = 60_000;

export interface EaselProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export async function spawnEasel(dataDir: string, config: Record<string, unknown>, env: Record<string, string> = {}): Promise<EaselProcess> {
  const file = path.join(dataDir, 'easel.yaml');
  writeFileSync(file, stringify({ host: '127.0.0.1', port: 0, data_dir: dataDir, log_level: 'info', ...config }));
  return spawnEaselWithConfig(file, env);
}

/** `easel serve` on a config file as it stands (deploy/easel.fleet.yaml), the rest from `env`. */
export async function spawnEaselWithConfig(file: string, env: Record<string, string> = {}): Promise<EaselProcess> {
  const child = spawn(process.execPath, ['bin/easel.mjs', 'serve'], {
    env: { ...process.env, EASEL_CONFIG: file, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  let ended: string | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = `exited with code ${code} (signal ${signal})`;
      resolve(code);
    }),
  );
  child.once('error', (err) => (ended = `could not start: ${err.message}`));
  // A start that fails says so at once; a slow one (a loaded machine) gets a minute.
  const url = await waitFor(
    () => {
      const found = /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1];
      if (found === undefined && ended) throw new Error(`easel serve ${ended}; output:\n${out.slice(-3000)}`);
      return found;
    },
    () => out,
    STARTUP_TIMEOUT_MS,
  );
  return {
    child,
    url,
    output: () => out,
    kill: async (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

export async function waitFor<T>(probe: () => T | undefined, describe: () => string = () => '', timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting; output:\n${describe().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
