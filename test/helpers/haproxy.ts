// Runs HAProxy in the foreground with deploy/haproxy.cfg, the addresses given by environment, for the
// fleet tests. The binary comes from Debian's haproxy package (.ci/run installs it).

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './postgres-cluster.ts';

const CONFIG = path.resolve(import.meta.dirname, '../../deploy/haproxy.cfg');

export interface Balancer {
  url: string;
  /**
   * Waits until a replica is in the balancer's rotation again (its /readyz through the balancer is
   * 200): after an outage that failed every replica's health check, HAProxy answers with its own 503
   * page until its next check passes.
   */
  serving(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the balancer in front of `replicas` (base URLs) on `port` (a free one if unset) and waits until it answers. */
export async function startBalancer(replicas: string[], port?: number): Promise<Balancer> {
  if (replicas.length !== 3) throw new Error('deploy/haproxy.cfg names three replicas');
  port ??= await freePort();
  const env: Record<string, string> = { ...(process.env as Record<string, string>), EASEL_LB_BIND: `127.0.0.1:${port}` };
  replicas.forEach((url, i) => (env[`EASEL_REPLICA_${i + 1}`] = new URL(url).host));
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', CONFIG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const serving = async (timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${output}`);
      const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`haproxy serves no replica:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await serving();
  return {
    url,
    serving,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
