// The `easel` command as a process on a data folder a running server uses: --version, the lists,
// channels, usage and ledger as aligned text and, with --json, as exactly the objects the admin API
// answers for the same question; and a clear message with a non-zero exit for every kind of mistake.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_TEST_KEY } from '../emulators/openai.ts';
import { tempDir } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { jsonOf, runEasel } from './run.ts';

const CHANNELS = [
  { id: 'primary', provider: 'openai', base_url: 'https://user:secret@upstream.example:8443/v1?token=abc', api_key: OPENAI_TEST_KEY, models: ['dall-e-2'], priority: 2 },
  { id: 'demo-backup', provider: 'demo', api_key: 'unused', models: ['dall-e-2', 'gpt-image-2'], weight: 3 },
];

let server: TestServer;
let config: Record<string, unknown>;
let accountId: string;
const easel = (...args: string[]) => runEasel(config, args);

beforeAll(async () => {
  const dataDir = tempDir();
  config = { data_dir: dataDir, channels: CHANNELS };
  // The server runs on the demo channel only, so its requests never leave the machine; the CLI reads
  // the file with the two channels above.
  // Idle connections kept a minute: between CLI runs the test's pooled sockets must not meet the 5 s close.
  server = await startTestServer({ dataDir, config: { limits: { keep_alive_timeout_ms: 60_000 } } });
  const created = await easel('accounts', 'create', '--name', 'Cli Team', '--credit', '4', '--json');
  accountId = jsonOf(created).id;
  const key = jsonOf(await easel('keys', 'create', accountId, '--name', 'ci', '--json')).key as string;
  for (const size of ['256x256', '512x512']) {
    const res = await server.call('/v1/images/generations', { method: 'POST', key, json: { model: 'dall-e-2', prompt: 'cli usage', size } });
    expect(res.status).toBe(200);
  }
}, 120_000);
afterAll(async () => server?.close());

const adminGet = async (path: string) => (await server.call(path, { key: server.adminToken })).json();

// Each run is a Node process start; several at once on a loaded machine take a while.
describe('easel as a process', { timeout: 120_000 }, () => {
  it('prints the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const run = await runEasel({}, ['--version']);
    expect(run).toEqual({ code: 0, out: `easel ${pkg.version}\n`, err: '' });
  });

  it('answers --json with the admin API objects: accounts, keys, usage, ledger', async () => {
    const [accounts, searched, keys, usage, byKey, ledger] = await Promise.all([
      easel('accounts', 'list', '--json'),
      easel('accounts', 'list', '--q', 'cli', '--limit', '1', '--json'),
      easel('keys', 'list', accountId, '--json'),
      easel('usage', accountId, '--json'),
      easel('usage', '--group-by', 'key', '--json'),
      easel('ledger', accountId, '--limit', '5', '--json'),
    ]);
    expect(jsonOf(accounts)).toEqual(await adminGet('/admin/v1/accounts'));
    expect(jsonOf(accounts).data.map((a: { name: string }) => a.name)).toEqual(['Cli Team', 'starter']);
    expect(jsonOf(searched)).toEqual(await adminGet('/admin/v1/accounts?q=cli&limit=1'));
    expect(jsonOf(keys)).toEqual(await adminGet(`/admin/v1/accounts/${accountId}/keys`));
    expect(jsonOf(keys).data[0]).not.toHaveProperty('key');
    expect(jsonOf(usage)).toEqual(await adminGet(`/admin/v1/accounts/${accountId}/usage`));
    expect(jsonOf(usage).data[0]).toMatchObject({ group: 'dall-e-2', requests: 2, images: 2 });
    expect(jsonOf(byKey)).toEqual(await adminGet('/admin/v1/usage?group_by=key'));
    expect(jsonOf(ledger)).toEqual(await adminGet(`/admin/v1/accounts/${accountId}/ledger?limit=5`));
    expect(jsonOf(ledger).data.map((e: { kind: string }) => e.kind)).toContain('settle');
  });

  it('prints aligned text for people, and the command for the next page', async () => {
    const [accounts, paged, keys, usage, ledger] = await Promise.all([
      easel('accounts', 'list'),
      easel('accounts', 'list', '--limit', '1'),
      easel('keys', 'list', accountId),
      easel('usage', accountId),
      easel('ledger', accountId),
    ]);
    const lines = accounts.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+BALANCE_USD\s+CREATED$/);
    expect(lines).toHaveLength(3);
    // Every column starts where its header does.
    for (const header of ['NAME', 'BALANCE_USD', 'CREATED']) {
      const at = lines[0].indexOf(header);
      for (const line of lines.slice(1)) expect(line[at - 1]).toBe(' ');
      for (const line of lines.slice(1)) expect(line[at]).not.toBe(' ');
    }
    expect(lines[1]).toContain('Cli Team');
    expect(paged.out).toContain(`(more: easel accounts list --after ${accountId})`);
    expect(keys.out).toMatch(/^ID\s+NAME\s+PREFIX\s+STATUS/);
    expect(keys.out).toMatch(/\bci\s+sk-\S+…\s+active\s/);
    expect(usage.out).toMatch(/by model: \$\d+\.\d+ in total/);
    expect(usage.out).toMatch(/\bdall-e-2\s+2\s+0\s+2\s+\d/);
    expect(ledger.out).toMatch(/^CREATED\s+KIND\s+AMOUNT_USD/);
    expect(ledger.out).toMatch(/\bsettle\b/);
    for (const run of [accounts, paged, keys, usage, ledger]) expect(run).toMatchObject({ code: 0, err: '' });
  });

  it('lists the configured channels without their keys, and says where health is', async () => {
    const [text, json] = await Promise.all([easel('channels'), easel('channels', '--json')]);
    const body = jsonOf(json);
    expect(body.data).toEqual([
      { id: 'primary', object: 'channel', provider: 'openai', models: ['dall-e-2'], priority: 2, weight: 1, base_url_host: 'upstream.example:8443' },
      { id: 'demo-backup', object: 'channel', provider: 'demo', models: ['dall-e-2', 'gpt-image-2'], priority: 0, weight: 3, base_url_host: null },
    ]);
    for (const run of [text, json]) {
      expect(run.out).not.toContain(OPENAI_TEST_KEY);
      expect(run.out).not.toContain('secret');
      expect(run.out).not.toContain('token=abc');
    }
    expect(text.out).toMatch(/^ID\s+PROVIDER\s+PRIORITY\s+WEIGHT\s+HOST\s+MODELS\n/);
    expect(text.out).toMatch(/primary\s+openai\s+2\s+1\s+upstream\.example:8443\s+dall-e-2\n/);
    expect(text.out).toContain('GET /admin/v1/channels');
  });

  it('fails with a message and a non-zero exit: 2 for the command line, 1 for what is not there', async () => {
    const runs = await Promise.all([
      easel('keys', 'list', 'acct_nope'),
      easel('usage', 'acct_nope'),
      easel('accounts', 'list', '--limit', '0'),
      easel('accounts', 'list', '--bogus'),
      easel('usage', '--start', '2026-13-01'),
      easel('usage', accountId, '--group-by', 'account'),
      easel('ledger', '--json', '--csv'),
      easel('keys', 'list'),
      easel('frobnicate'),
      runEasel({ data_dir: tempDir(), channels: [{ id: 'x', provider: 'nope', api_key: 'k', models: ['dall-e-2'] }] }, ['channels']),
    ]);
    const [noKeys, noUsage, badLimit, unknownOption, badDate, badGroup, twoFormats, missingId, unknownCommand, badChannel] = runs;
    expect(noKeys).toMatchObject({ code: 1, out: '', err: 'easel: no account acct_nope\n' });
    expect(noUsage).toMatchObject({ code: 1, err: 'easel: no account acct_nope\n' });
    expect(badLimit).toMatchObject({ code: 2, err: expect.stringContaining('--limit must be a whole number from 1 to 100') });
    expect(unknownOption).toMatchObject({ code: 2, err: expect.stringMatching(/Unknown option '--bogus'\n\s+usage: easel accounts list/) });
    expect(badDate).toMatchObject({ code: 2, err: expect.stringContaining('start_date must be a date YYYY-MM-DD') });
    expect(badGroup).toMatchObject({ code: 2, err: expect.stringContaining('--group-by must be one of model, key') });
    expect(twoFormats.code).toBe(2);
    expect(missingId).toMatchObject({ code: 2, err: expect.stringContaining('usage: easel keys list ACCOUNT_ID') });
    expect(unknownCommand).toMatchObject({ code: 2, err: expect.stringContaining("unknown command 'frobnicate'") });
    expect(badChannel).toMatchObject({ code: 2, err: expect.stringContaining("unknown provider 'nope'") });
    for (const run of runs) expect(run.out).toBe('');
  });
});
