// A webhook receiver for the tests: a real HTTP server on loopback that records every request (headers
// and raw body) and answers as the test sets it — 2xx, an error status, a redirect, or never (hang).
// It can be taken down and brought back on the same port, to play a receiver that was away.

import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  /** The path (and query) it was POSTed to. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as sent (what the signature covers). */
  body: string;
  at: number;
}

/** How the receiver answers: a status (with headers), or `hang` to hold the request open unanswered. */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export class Receiver {
  readonly received: Received[] = [];
  answer: Answer = { status: 200, body: 'ok' };
  /** Requests being answered right now (hanging ones stay here until the caller gives up). */
  inFlight = 0;
  maxInFlight = 0;
  connections = 0;
  private server: Server | undefined;
  private held: ServerResponse[] = [];
  port = 0;

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Listens (on the port it had before, when it is brought back). */
  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const done = () => this.inFlight--;
        res.once('close', done);
        const answer = this.answer;
        if (answer === 'hang') {
          this.held.push(res);
          return;
        }
        res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      });
    });
    server.on('connection', () => this.connections++);
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and drops every connection: from now on a delivery finds nobody there. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const res of this.held.splice(0)) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
