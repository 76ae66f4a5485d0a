// Starts a real Easel on 127.0.0.1 with a temporary data folder, for tests that go through HTTP.

import type { Logger } from 'pino';
import { expect } from 'vitest';
import { checkLedger } from '../../src/billing/ledger.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startServer, type RunningServer } from '../../src/main.ts';
import { freshDatabaseUrl, tempDir, type TestDialect } from './databases.ts';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** The starter key printed at first start. */
  apiKey: string;
  adminToken: string;
  banner: string;
  /** fetch against the server with the starter key unless headers say otherwise. */
  call(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>;
  /** Fails the test unless the books balance (billing/ledger.ts checkLedger). */
  assertLedger(): Promise<void>;
  /** A new account with `creditUsd` and one key, through the admin API. */
  newAccount(creditUsd: string, opts?: { spendLimitUsd?: string }): Promise<{ id: string; key: string; keyId: string }>;
  balance(accountId: string): Promise<string>;
}

/** `log`: a logger of the test's own (to read what Easel logs); none by default (log_level silent). */
export async function startTestServer(opts: { dialect?: TestDialect; config?: Record<string, unknown>; dataDir?: string; log?: Logger } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDir();
  const databaseUrl = await freshDatabaseUrl(opts.dialect ?? 'sqlite');
  const config = parseConfig({
    host: '127.0.0.1',
    port: 0,
    data_dir: dataDir,
    log_level: 'silent',
    ...(databaseUrl ? { database_url: databaseUrl } : {}),
    ...opts.config,
    // Tests poll fast; the per-key limit is tested on its own (test/http/rate-limit.test.ts).
    limits: { requests_per_minute: 100_000, ...(opts.config?.limits as Record<string, unknown> | undefined) },
  });
  let banner = '';
  const server = await startServer(config, { print: (t) => (banner += t), log: opts.log });
  const apiKey = /API key:\s+(sk-\S+)/.exec(banner)?.[1] ?? '';
  const call: TestServer['call'] = (path, init = {}) => {
    const headers = new Headers(init.headers);
    const key = init.key === undefined ? apiKey : init.key;
    if (key !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(`${server.url}${path}`, { ...init, headers, body });
  };
  const adminToken = server.adminToken;
  const assertLedger = async () => {
    const check = await checkLedger(server.db.kysely);
    expect(check.problems).toEqual([]);
  };
  const newAccount: TestServer['newAccount'] = async (creditUsd, o = {}) => {
    const account = await (await call('/admin/v1/accounts', { method: 'POST', key: adminToken, json: { name: 'test', credit_usd: creditUsd } })).json();
    const keyBody: Record<string, unknown> = { name: 'test' };
    if (o.spendLimitUsd) keyBody.spend_limit_usd = o.spendLimitUsd;
    const made = await (await call(`/admin/v1/accounts/${account.id}/keys`, { method: 'POST', key: adminToken, json: keyBody })).json();
    return { id: account.id, key: made.key, keyId: made.id };
  };
  const balance = async (accountId: string) =>
    (await (await call(`/admin/v1/accounts/${accountId}`, { key: adminToken })).json()).balance_usd as string;
  // Every test server proves the books balance when it stops, whatever the test did to it.
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const check = await checkLedger(server.db.kysely);
      await server.close();
      if (!check.ok) throw new Error(`ledger check failed:\n${check.problems.join('\n')}`);
    })());
  return { ...server, close, dataDir, apiKey, adminToken, banner, call, assertLedger, newAccount, balance };
}

/**
 * Runs `fn` against a fresh server, closed (and its ledger checked) afterwards. Fault tests use one
 * each: a channel cooled down by one test must not leak into the next.
 */
export async function withTestServer<T>(opts: Parameters<typeof startTestServer>[0], fn: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await startTestServer(opts);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}
