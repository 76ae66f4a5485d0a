// First start, the `easel` CLI on the same data folder, and a graceful SIGTERM of a real process.

import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { tempDir } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('first start', () => {
  it('prints a working key once, points at the admin token file (mode 0600) without printing the token', async () => {
    const dataDir = tempDir();
    server = await startTestServer({ dataDir });
    expect(server.banner).toMatch(/API key:\s+sk-/);
    expect(server.banner.split(server.apiKey)).toHaveLength(2);
    expect(server.banner).toContain(`Admin token: generated and stored in ${path.join(dataDir, 'admin-token')}`);
    expect(server.banner).not.toContain(server.adminToken);
    expect(readFileSync(path.join(dataDir, 'admin-token'), 'utf8')).toBe(`${server.adminToken}\n`);
    const res = await server.call('/v1/images/generations', { method: 'POST', json: { model: 'gpt-image-2', prompt: 'first image' } });
    expect(res.status).toBe(200);
    expect((await res.json()).data[0].url).toMatch(/\/media\/[0-9A-Za-z]{32}\.png$/);
    expect(statSync(path.join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    const adminToken = server.adminToken;
    await server.close();

    server = await startTestServer({ dataDir });
    expect(server.banner).toBe('');
    expect(server.adminToken).toBe(adminToken);
  });

  it('does not generate an admin token when one is configured', async () => {
    server = await startTestServer({ config: { admin_token: 'configured-admin-token-123' } });
    expect(server.banner).toMatch(/Admin token: set by the configuration/);
    expect(server.banner).not.toContain('configured-admin-token-123');
    expect(server.adminToken).toBe('configured-admin-token-123');
  });
});

describe('easel CLI', () => {
  it('creates accounts and keys, credits, and revokes on the data folder a server uses', async () => {
    const dataDir = tempDir();
    server = await startTestServer({ dataDir });
    const prev = process.env.EASEL_DATA_DIR;
    process.env.EASEL_DATA_DIR = dataDir;
    try {
      let out = '';
      const run = async (...args: string[]) => {
        out = '';
        return main(args, (s) => (out += s));
      };
      expect(await run('accounts', 'create', '--name', 'cli-team', '--credit', '3.25')).toBe(0);
      const accountId = out.split('\t')[0];
      expect(out).toContain('$3.25');
      expect(await run('accounts', 'credit', accountId, '0.75')).toBe(0);
      expect(out).toContain('$4.00');
      expect(await run('keys', 'create', accountId, '--name', 'cli')).toBe(0);
      const [keyId, key] = out.trim().split('\t');
      const ok = await server.call('/v1/images/generations', { method: 'POST', key, json: { model: 'dall-e-2', prompt: 'cli key', size: '256x256' } });
      expect(ok.status).toBe(200);
      expect(await run('keys', 'revoke', keyId)).toBe(0);
      const refused = await server.call('/v1/images/generations', { method: 'POST', key, json: { model: 'dall-e-2', prompt: 'cli key' } });
      expect(refused.status).toBe(401);
      expect(await run('accounts', 'show', accountId)).toBe(0);
      expect(out).toContain('revoked');
      expect(await run('accounts', 'credit', accountId, 'lots')).toBe(2);
      expect(await run('nonsense')).toBe(2);
    } finally {
      if (prev === undefined) delete process.env.EASEL_DATA_DIR;
      else process.env.EASEL_DATA_DIR = prev;
    }
  });
});

describe('easel serve as a process', () => {
  it('finishes an in-flight request on SIGTERM and exits 0', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['bin/easel.mjs', 'serve'], {
      env: { ...process.env, EASEL_DATA_DIR: dataDir, EASEL_PORT: '0', EASEL_LOG_LEVEL: 'info', EASEL_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1]);
    const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(output)?.[1]);
    expect(output).toMatch(/offline demo provider/);

    const inFlight = fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-2', prompt: 'in flight', size: '3840x2160', n: 2, response_format: 'b64_json' }),
    });
    await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect((await res.json()).data).toHaveLength(2);
    expect(await exited).toBe(0);
  }, 60_000);
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
