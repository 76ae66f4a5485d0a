// The verification snippets in README.md's Webhooks section, run exactly as written — the Node one
// imported, the Python one under python3 — against headers Easel signs: they accept a delivery signed
// with either live secret and refuse a stranger's secret, a changed body and a stale timestamp.

import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { newSigningSecret, webhookHeaders } from '../../src/webhooks/signing.ts';
import { tempDir } from '../helpers/databases.ts';

const run = promisify(execFile);

function snippet(language: 'node' | 'python'): string {
  const readme = readFileSync('README.md', 'utf8');
  const m = new RegExp(`<!-- webhook-verify:${language} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no ${language} verification snippet`);
  return m[1];
}

interface Case {
  name: string;
  secret: string;
  headers: Record<string, string>;
  body: string;
  valid: boolean;
}

const cases: Case[] = [];
beforeAll(() => {
  const [current, previous, stranger] = [newSigningSecret(), newSigningSecret(), newSigningSecret()];
  const body = JSON.stringify({ type: 'image.task.completed', timestamp: new Date().toISOString(), data: { id: 'ldtask_1', prompt: 'ünïcödé ✓' } });
  const now = Math.floor(Date.now() / 1000);
  const headers = webhookHeaders([current, previous], 'msg_readme', now, body);
  cases.push(
    { name: 'current secret', secret: current, headers, body, valid: true },
    { name: 'previous secret', secret: previous, headers, body, valid: true },
    { name: 'a stranger', secret: stranger, headers, body, valid: false },
    { name: 'changed body', secret: current, headers, body: body.replace('ldtask_1', 'ldtask_2'), valid: false },
    { name: 'stale', secret: current, headers: webhookHeaders([current], 'msg_readme', now - 3_600, body), body, valid: false },
  );
});

describe("README's webhook verification snippets", () => {
  it('Node', async () => {
    const file = path.join(tempDir(), 'verify.mjs');
    writeFileSync(file, `${snippet('node')}\nexport { verifyWebhook };\n`);
    const { verifyWebhook } = (await import(pathToFileURL(file).href)) as { verifyWebhook: (s: string, h: Record<string, string>, b: string) => boolean };
    expect(cases.map((c) => [c.name, verifyWebhook(c.secret, c.headers, c.body)])).toEqual(cases.map((c) => [c.name, c.valid]));
  });

  it('Python', async () => {
    const file = path.join(tempDir(), 'verify.py');
    const driver = ['import json, sys', 'for c in json.load(sys.stdin):', '    print(json.dumps(verify_webhook(c["secret"], c["headers"], c["body"].encode())))'].join('\n');
    writeFileSync(file, `${snippet('python')}\n\n${driver}\n`);
    const child = run('python3', [file]);
    child.child.stdin!.end(JSON.stringify(cases));
    const { stdout } = await child;
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual(cases.map((c) => c.valid));
  });
});
