// The fixtures the provider suites (test/providers) share: one upstream emulator and one Easel
// configured against it, started once for the file, closed after it, with the emulator's record and
// faults cleared before each test; an Easel of its own for a case that needs one; a host for a
// reference image; fetching a delivered image's bytes; and the upstream-fault, rate-limit and
// channel-timeout checks.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { DELAY_PAST_TIMEOUT_MS, type Emulator, type Fault } from '../emulators/kit.ts';
import { startTestServer, type TestServer, withTestServer } from './server.ts';

export interface EmulatorSuite<E extends Emulator, Over> {
  readonly emulator: E;
  /** The shared Easel; it exists from beforeAll on, so read it inside hooks and tests. */
  readonly server: TestServer;
  /** POSTs `json` to /v1/images/generations on `on` (the shared Easel unless given). */
  generate(json: unknown, on?: TestServer): Promise<Response>;
  /**
   * Runs `run` against an Easel of its own, started with the suite's config for `over` and closed
   * (its ledger checked) afterwards: for a case with channel settings of its own, and for failure
   * cases, where a failure cools the channel down and would colour the next case.
   */
  withServer<T>(over: Over, run: (server: TestServer) => Promise<T>): Promise<T>;
}

/**
 * Registers the file's hooks: beforeAll starts `emulator`, then an Easel with `config()` (read after
 * the emulator listens, so channels can use its URL); beforeEach resets the emulator; afterAll runs
 * `beforeClose` (e.g. a ledger check), then closes the Easel and the emulator. `config(over)` is the
 * configuration of an Easel a case starts for itself (`withServer`).
 */
export function useEmulatorServer<E extends Emulator, Over>(
  emulator: E,
  config: (over?: Over) => Record<string, unknown>,
  opts: { beforeClose?: (server: TestServer) => Promise<void> } = {},
): EmulatorSuite<E, Over> {
  let server: TestServer | undefined;

  beforeAll(async () => {
    await emulator.start();
    server = await startTestServer({ config: config() });
  });
  afterAll(async () => {
    try {
      if (server) await opts.beforeClose?.(server);
    } finally {
      try {
        await server?.close();
      } finally {
        await emulator.close();
      }
    }
  });
  beforeEach(() => emulator.reset());

  const suite: EmulatorSuite<E, Over> = {
    emulator,
    get server() {
      if (!server) throw new Error(`the Easel for the ${emulator.name} emulator is not running: use suite.server inside hooks and tests`);
      return server;
    },
    generate: (json, on = suite.server) => on.call('/v1/images/generations', { method: 'POST', json }),
    withServer: (over, run) => withTestServer({ config: config(over) }, run),
  };
  return suite;
}

/** The bytes at `url` (a delivered image), failing the test unless it answers 200. */
export async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/**
 * Serves `image` (a PNG) at `path` on 127.0.0.1 while the file runs, 404 elsewhere: the reference image
 * a request names by URL. `url` is its full address, from beforeAll on.
 */
export function useImageHost(path: string, image: Buffer): { readonly url: string } {
  let host: Server | undefined;
  let url = '';
  beforeAll(async () => {
    const server = createServer((req, res) => (req.url === path ? res.writeHead(200, { 'content-type': 'image/png' }).end(image) : res.writeHead(404).end()));
    host = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  });
  afterAll(() => {
    host?.close();
  });
  return {
    get url() {
      return url;
    },
  };
}

/**
 * For an Easel whose channel has `timeout_ms: 300`: the next upstream call (matching `path`) stalls
 * for seconds, and `send` must come back 504 timeout_error long before the stall ends.
 */
export async function expectChannelTimeout(emulator: Emulator, send: () => Promise<Response>, path?: RegExp): Promise<void> {
  emulator.inject({ kind: 'delay', ms: DELAY_PAST_TIMEOUT_MS }, 1, path);
  const started = Date.now();
  const res = await send();
  expect(res.status).toBe(504);
  expect((await res.json()).error.code).toBe('timeout_error');
  expect(Date.now() - started).toBeLessThan(DELAY_PAST_TIMEOUT_MS - 1_000);
}

/** The next upstream call (matching `path`) meets `fault`; `send` must come back 502 upstream_error. */
export async function expectUpstreamFault(emulator: Emulator, fault: Fault, send: () => Promise<Response>, path?: RegExp): Promise<void> {
  emulator.inject(fault, 1, path);
  const res = await send();
  expect(res.status).toBe(502);
  expect((await res.json()).error.code).toBe('upstream_error');
}

/** The next upstream call (matching `path`) gets 429 with Retry-After; `send` must pass both on. */
export async function expectRateLimitPassedOn(emulator: Emulator, retryAfterSeconds: number, send: () => Promise<Response>, path?: RegExp): Promise<void> {
  emulator.inject({ kind: 'status', status: 429, retryAfter: retryAfterSeconds }, 1, path);
  const res = await send();
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe(String(retryAfterSeconds));
  expect((await res.json()).error.code).toBe('rate_limit_exceeded');
}
