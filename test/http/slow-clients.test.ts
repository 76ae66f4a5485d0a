// Slow and idle clients cannot stop others being served: a crowd of idle keep-alive connections and a
// slowloris client leave room for normal requests, and each connection limit (header timeout, request
// timeout, keep-alive timeout, connection cap) is a config value that holds at its edge.

import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const KEEP_ALIVE_TIMEOUT_MS = 800;
const MAX_CONNECTIONS = 1_200;
const IDLE_CROWD = 1_000;

let server: TestServer;
let port: number;
beforeAll(async () => {
  server = await startTestServer({
    config: {
      limits: { headers_timeout_ms: HEADERS_TIMEOUT_MS, request_timeout_ms: REQUEST_TIMEOUT_MS, keep_alive_timeout_ms: KEEP_ALIVE_TIMEOUT_MS, max_connections: MAX_CONNECTIONS },
    },
  });
  port = Number(new URL(server.url).port);
});
afterAll(() => server.close());

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with the time (ms since `since`) the server closed the socket, or never. */
function closedAfter(socket: Socket, since: number): Promise<number> {
  return new Promise((resolve) => {
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.once('close', () => resolve(Date.now() - since));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A normal client's request, timed. */
async function served(): Promise<number> {
  const started = Date.now();
  const res = await fetch(`${server.url}/v1/models`);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return Date.now() - started;
}

describe('slow and idle clients', () => {
  it(`serves others while ${IDLE_CROWD} idle keep-alive connections and a slowloris client hang on`, async () => {
    const crowd = await Promise.all(Array.from({ length: IDLE_CROWD }, open));
    // Half the crowd made one request and now idles on keep-alive; the other half never said a word.
    await Promise.all(
      crowd.slice(0, IDLE_CROWD / 2).map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.once('data', () => resolve());
            socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`);
          }),
      ),
    );
    const slowloris = await open();
    const slowClosed = closedAfter(slowloris, Date.now());
    const drip = setInterval(() => slowloris.write('X'), 100);
    slowloris.write('GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    try {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) times.push(await served());
      expect(Math.max(...times)).toBeLessThan(1_000);
      // The slowloris client is cut off at the header timeout, not served and not left hanging.
      expect(await slowClosed).toBeLessThan(HEADERS_TIMEOUT_MS + 1_500);
    } finally {
      clearInterval(drip);
      for (const socket of crowd) socket.destroy();
      slowloris.destroy();
    }
  }, 60_000);

  it(`cuts a client off at headers_timeout_ms (${HEADERS_TIMEOUT_MS} ms), not before`, async () => {
    const socket = await open();
    const closed = closedAfter(socket, Date.now());
    socket.write('GET /v1/models HTTP/1.1\r\nHost: x\r\n');
    const at = await closed;
    expect(at).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(at).toBeLessThan(HEADERS_TIMEOUT_MS + 1_000);
  });

  it(`cuts an upload off at request_timeout_ms (${REQUEST_TIMEOUT_MS} ms), not before`, async () => {
    const socket = await open();
    const closed = closedAfter(socket, Date.now());
    // Headers at once, then a body far too slow to finish in time.
    socket.write('POST /v1/images/generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
    const drip = setInterval(() => socket.write(' '), 100);
    try {
      const at = await closed;
      expect(at).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(at).toBeLessThan(REQUEST_TIMEOUT_MS + 1_500);
    } finally {
      clearInterval(drip);
    }
  });

  it(`closes an idle keep-alive connection after keep_alive_timeout_ms (${KEEP_ALIVE_TIMEOUT_MS} ms), not before`, async () => {
    const socket = await open();
    await new Promise<void>((resolve) => {
      socket.once('data', () => resolve());
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    });
    const closed = closedAfter(socket, Date.now());
    const at = await closed;
    expect(at).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 50);
    // Node 20 gives a keep-alive socket one more second than keepAliveTimeout before it closes it.
    expect(at).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1_000 + 500);
  });

  it(`holds at most max_connections (${MAX_CONNECTIONS}): one more is closed at once, and room frees as they go`, async () => {
    // Let the previous tests' sockets leave the server's count.
    await sleep(200);
    const held: Socket[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) held.push(await open());
      await sleep(100);
      const extra = await open();
      const closed = closedAfter(extra, Date.now());
      // At once: well before the header timeout that would close an uncapped silent connection.
      expect(await closed).toBeLessThan(HEADERS_TIMEOUT_MS / 4);
      held.pop()!.destroy();
      await sleep(100);
      expect(await served()).toBeLessThan(1_000);
    } finally {
      for (const socket of held) socket.destroy();
    }
  }, 60_000);
});
