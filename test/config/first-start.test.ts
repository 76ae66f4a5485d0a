// The first start of a real `easel serve`: the banner goes to stderr as plain text with the starter key
// once, the JSON log on stdout carries neither the key nor the admin token, and the token is read
// from the file the banner names.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.ts';
import { waitFor } from '../helpers/process.ts';

describe('first start of easel serve', () => {
  it('prints the banner on stderr, keeps stdout JSON, and shows no admin token', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['bin/easel.mjs', 'serve'], {
      env: { ...process.env, EASEL_DATA_DIR: dataDir, EASEL_PORT: '0', EASEL_LOG_LEVEL: 'info', EASEL_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(stderr)?.[1], () => stdout + stderr, 60_000);
      await waitFor(() => (stderr.includes('a lighthouse at dawn') ? true : undefined), () => stderr);
      const url = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(stdout)?.[1], () => stdout);

      const tokenFile = path.join(dataDir, 'admin-token');
      const token = readFileSync(tokenFile, 'utf8').trim();
      expect(stderr).toContain(`Admin token: generated and stored in ${tokenFile}`);
      expect(stderr.split(key)).toHaveLength(2);
      expect(stderr).not.toContain(token);
      expect(stderr).not.toMatch(/^\{/m);
      for (const line of stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
      expect(stdout).not.toContain(key);
      expect(stdout).not.toContain(token);

      // The key works, and so does the token from its file.
      const res = await fetch(`${url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'dall-e-2', prompt: 'first start', size: '256x256' }),
      });
      expect(res.status).toBe(200);
      expect((await fetch(`${url}/admin/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"name":"x"}' })).status).toBe(201);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 90_000);
});
