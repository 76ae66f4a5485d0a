// A throwaway S3-compatible server for tests and benchmarks: s3rver (npm) on 127.0.0.1, a free port,
// a temporary folder and one bucket. `stop()` kills it (an outage: connections refused at once),
// `start()` brings it back on the same port and folder with every object still there.
//
// It runs in a child process, not in the test's own: s3rver makes ListObjectsV2 continuation tokens
// with DES, which Node 20's OpenSSL 3 offers only with --openssl-legacy-provider, so any truncated
// listing (a sweep's pages) would be a 500 in-process. A child also makes the outage a real one.

import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tempDir } from './databases.ts';

/** s3rver's built-in account: it checks that the key id exists, not the signature (see below). */
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';
const STARTUP_TIMEOUT_MS = 30_000;

/** The child: s3rver on the port and folder it is given, the bucket made if missing; says its port. */
const CHILD = `
const S3rver = require('s3rver');
const [port, directory, bucket] = process.argv.slice(1);
const server = new S3rver({ address: '127.0.0.1', port: Number(port), silent: true, directory, configureBuckets: [{ name: bucket }] });
server.run().then((a) => process.stdout.write('listening ' + a.port + '\\n'), (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
`;

export interface S3Server {
  /** http://127.0.0.1:PORT (path-style: the bucket is the first path segment). */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  directory: string;
  /** Kills the server (SIGKILL): the bucket is unreachable until start(). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  close(): Promise<void>;
  /** A `storage:` config block for this bucket (media mode serve unless `media` says otherwise). */
  storageConfig(extra?: Record<string, unknown>): Record<string, unknown>;
}

export async function startS3Server(opts: { bucket?: string } = {}): Promise<S3Server> {
  const bucket = opts.bucket ?? 'easel-test';
  const directory = tempDir('easel-s3rver-');
  let child: ChildProcess | undefined;
  let port = 0;
  const run = async () => {
    const started = await spawnS3rver(port, directory, bucket);
    child = started.child;
    port = started.port;
  };
  const kill = async (signal: NodeJS.Signals) => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    await exited;
  };
  await run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    directory,
    stop: () => kill('SIGKILL'),
    start: async () => {
      if (!child) await run();
    },
    close: async () => {
      await kill('SIGTERM');
      rmSync(directory, { recursive: true, force: true });
    },
    storageConfig: (extra = {}) => ({
      kind: 's3',
      bucket,
      region: 'us-east-1',
      endpoint,
      force_path_style: true,
      access_key_id: ACCESS_KEY_ID,
      secret_access_key: SECRET_ACCESS_KEY,
      ...extra,
    }),
  };
}

async function spawnS3rver(port: number, directory: string, bucket: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD, String(port), directory, bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`s3rver did not start in ${STARTUP_TIMEOUT_MS} ms:\n${out}`));
    }, STARTUP_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}:\n${out}`));
    });
  });
}
