// A throwaway Redis from the server binary on the machine (/usr/bin/redis-server, installed by
// .ci/run): 127.0.0.1 on a free port, nothing written to disk. Tests stop and start it (an outage,
// on the same port), or freeze it (a Redis that accepts connections and never answers).

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { RedisLink } from '../../src/storage/redis.ts';
import { freePort } from './postgres-cluster.ts';

const REDIS_SERVER = '/usr/bin/redis-server';
/** How long a start may take before the test gives up (a loaded machine). */
const START_TIMEOUT_MS = 20_000;

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  url: string;
  /** Kills the server (SIGKILL: a crash as far as clients can tell); everything it held is gone. */
  stop(): Promise<void>;
  /** Starts it again, empty, on the same port (nothing if it runs). */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers. */
  freeze(): void;
  /** SIGCONT after freeze. */
  thaw(): void;
  /** Stops it for good. */
  remove(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} not found: install redis-server (apt-get install -y redis-server) or run \`bash .ci/run\``);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const alive = (proc: ChildProcess | undefined): proc is ChildProcess => proc !== undefined && proc.exitCode === null && proc.signalCode === null;
  const start = async () => {
    if (alive(child)) return;
    const proc = spawn(REDIS_SERVER, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms:\n${out}`)), START_TIMEOUT_MS);
      const fail = (err: Error) => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        out += chunk;
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => fail(new Error(`redis-server exited with code ${code}:\n${out}`)));
    });
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!alive(proc)) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    remove: async () => {
      await stop();
      process.off('exit', killOnExit);
    },
  };
}

/**
 * One Redis for the test file (started before its tests, removed after), running again after each
 * test that stopped or froze it, and `link()`: a connected RedisLink, closed after the test.
 */
export function useRedisServer(): { server: () => RedisServer; link: () => Promise<RedisLink> } {
  let server: RedisServer | undefined;
  const links: RedisLink[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server?.remove());
  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.close()));
    server?.thaw();
    await server?.start();
  });
  const running = () => {
    if (!server) throw new Error('the Redis server starts in beforeAll');
    return server;
  };
  return {
    server: running,
    link: async () => {
      const link = new RedisLink(running().url);
      links.push(link);
      if (!(await link.waitForFirstConnection())) throw new Error(`Redis at ${running().url} did not answer`);
      return link;
    },
  };
}
