// SIGHUP on a running `easel serve`: its configuration file is read again and the channels swapped
// without a restart; a file that does not load is logged and the channels in use stay.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { tempDir } from '../helpers/databases.ts';
import { type EaselProcess, spawnEasel, waitFor } from '../helpers/process.ts';

const ADMIN_TOKEN = 'sighup-test-admin-token-0123456789';

let running: EaselProcess | undefined;
const emulators: Emulator[] = [];
afterEach(async () => {
  await running?.kill('SIGKILL');
  running = undefined;
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

describe('easel serve on SIGHUP', () => {
  it('swaps in the channels of the rewritten file, and keeps them when the next file is bad', { timeout: 120_000 }, async () => {
    const [a, b] = [createOpenaiEmulator(), createOpenaiEmulator()];
    emulators.push(a, b);
    await Promise.all(emulators.map((e) => e.start()));
    const channel = (id: string, e: Emulator) => ({ id, provider: 'openai', base_url: `${e.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['dall-e-3'] });
    const dataDir = tempDir();
    // spawnEasel writes this file; the test rewrites it the same way.
    const base = { host: '127.0.0.1', port: 0, data_dir: dataDir, log_level: 'info', admin_token: ADMIN_TOKEN };
    const configFile = path.join(dataDir, 'easel.yaml');
    const rewrite = (text: string) => writeFileSync(configFile, text);
    running = await spawnEasel(dataDir, { admin_token: ADMIN_TOKEN, channels: [channel('first', a)] });
    const easel = running;
    const key = await waitFor(() => /API key:\s+(sk-\S+)/.exec(easel.output())?.[1], easel.output);
    const channelIds = async () => {
      const body = (await (await fetch(`${easel.url}/admin/v1/channels`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { data: Array<{ id: string }> };
      return body.data.map((c) => c.id);
    };
    const generate = async () =>
      fetch(`${easel.url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'dall-e-3', prompt: 'sighup', response_format: 'b64_json' }),
      });
    const calls = (e: Emulator) => e.requests.filter((r) => r.path === '/v1/images/generations').length;
    const hangUp = async (logged: RegExp, count: number) => {
      easel.child.kill('SIGHUP');
      await waitFor(() => ((easel.output().match(new RegExp(logged, 'g')) ?? []).length >= count ? true : undefined), easel.output);
    };

    expect(await channelIds()).toEqual(['first']);
    expect((await generate()).status).toBe(200);
    expect([calls(a), calls(b)]).toEqual([1, 0]);

    rewrite(stringify({ ...base, channels: [channel('second', b)] }));
    await hangUp(/SIGHUP: channels reloaded/, 1);
    expect(easel.output()).toMatch(/"added":\["second"\],"removed":\["first"\]/);
    expect(await channelIds()).toEqual(['second']);
    expect((await generate()).status).toBe(200);
    expect([calls(a), calls(b)]).toEqual([1, 1]);

    // Not YAML (with a key on the broken line), then a channel that does not build: both logged, nothing swapped.
    rewrite(`host: 127.0.0.1\nchannels: [ {id: broken, api_key: sk-leak-me-not: x\n`);
    await hangUp(/SIGHUP: the configuration did not load/, 1);
    rewrite(stringify({ ...base, channels: [{ ...channel('third', a), provider: 'no-such-provider' }] }));
    await hangUp(/SIGHUP: the configuration did not load/, 2);
    expect(easel.output()).toContain("unknown provider 'no-such-provider'");
    expect(easel.output()).not.toContain('sk-leak-me-not');
    expect(await channelIds()).toEqual(['second']);
    expect((await generate()).status).toBe(200);
    expect([calls(a), calls(b)]).toEqual([1, 2]);
    expect(easel.child.exitCode).toBeNull();

    // Still stops gracefully afterwards.
    expect(await easel.kill('SIGTERM')).toBe(0);
    running = undefined;
  });
});
