// A throwaway PostgreSQL cluster from the server binaries on the machine (/usr/lib/postgresql/*/bin):
// its own folder, 127.0.0.1 only, trust auth. The global setup starts one for the whole run; a test
// that stops and restarts the server (an outage) starts its own.

import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PgCluster {
  /** postgres://app@127.0.0.1:PORT/postgres */
  url: string;
  /** Stops the server; `immediate` is a crash as far as clients can tell. */
  stop(mode?: 'fast' | 'immediate'): void;
  /** Starts it again on the same port and data. */
  start(): void;
  /** Stops it and deletes its folder. */
  remove(): void;
}

function pgBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `settings`: more `-c name=value` server settings (a bench's shared_preload_libraries, say). */
export async function startPgCluster(settings: string[] = []): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) {
    throw new Error(
      'PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin). Install them (apt-get install -y postgresql), ' +
        'run `bash .ci/run`, or set EASEL_TEST_POSTGRES_URL to a database the tests may use.',
    );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'easel-pg-'));
  // initdb refuses to run as root: run the binaries as the postgres user then.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    const result = spawnSync(file, argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
  };
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const data = path.join(dir, 'data');
  run(path.join(bin, 'initdb'), ['-D', data, '-U', 'app', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const start = () =>
    run(path.join(bin, 'pg_ctl'), [
      '-D', data, '-w', '-l', path.join(dir, 'log'), 'start',
      '-o', `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off -c max_connections=200${settings.map((x) => ` -c ${x}`).join('')}`,
    ]);
  const stop = (mode: 'fast' | 'immediate' = 'fast') => run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
  start();
  return {
    url: `postgres://app@127.0.0.1:${port}/postgres`,
    stop,
    start,
    remove: () => {
      try {
        stop('immediate');
      } catch {
        // Already stopped.
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
