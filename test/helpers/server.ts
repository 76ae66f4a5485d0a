// Starts a real Easel on 127.0.0.1 with a temporary data folder, for tests that go through HTTP.

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
}

export async function startTestServer(opts: { dialect?: TestDialect; config?: Record<string, unknown>; dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDir();
  const databaseUrl = await freshDatabaseUrl(opts.dialect ?? 'sqlite');
  const config = parseConfig({
    host: '127.0.0.1',
    port: 0,
    data_dir: dataDir,
    log_level: 'silent',
    ...(databaseUrl ? { database_url: databaseUrl } : {}),
    ...opts.config,
  });
  let banner = '';
  const server = await startServer(config, { print: (t) => (banner += t) });
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
  return { ...server, dataDir, apiKey, adminToken: server.services.adminToken, banner, call };
}
