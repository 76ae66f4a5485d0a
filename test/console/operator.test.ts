// The console for the operator, in a real browser against Easel (gpt-image-2 on the OpenAI emulator,
// the rest on the demo provider): an account created, credited, its key created (shown once) and
// revoked — after which that key's next API request is a 401 and a console session signed in with it
// ends — then the channels with their health and recent failures, usage across accounts, the task
// search and the masked configuration. A screenshot of every page goes to test-artifacts/console/.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY } from '../emulators/openai.ts';
import type { TestServer } from '../helpers/server.ts';
import { type ConsoleBrowser, launchConsoleBrowser, shot, signIn, startConsoleServer } from './browser.ts';

let server: TestServer;
let openai: Emulator;
let browser: ConsoleBrowser;
let page: Page;
let problems: string[];
let accountId = '';
let newKey = '';

beforeAll(async () => {
  ({ server, openai } = await startConsoleServer());
  browser = await launchConsoleBrowser();
  // The one refusal the operator meets on purpose: a credit of -1 (its message is shown beside the field).
  ({ page, problems } = await browser.open({ expectedFailures: [(status, method, path) => status === 400 && method === 'POST' && path.endsWith('/credit')] }));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await openai?.close();
});

describe('the operator in the console', () => {
  it('signs in with the admin token and gets the accounts page', async () => {
    await signIn(page, server.url, server.adminToken);
    expect(await page.getByTestId('who').textContent()).toBe('Operator');
    expect(await page.locator('h1').textContent()).toBe('Accounts & keys');
    await page.getByRole('button', { name: /starter/ }).waitFor();
    await shot(page, 'operator-accounts');
  });

  it('creates an account with a starting credit, then credits it: the balance follows, the ledger shows both', async () => {
    await page.locator('#acct-name').fill('acme studio');
    await page.locator('#acct-credit').fill('3');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByTestId('account-balance').textContent()).toBe('$3.00');
    accountId = (await page.locator('[data-account-id]').getAttribute('data-account-id'))!;
    expect(accountId).toMatch(/^acct_/);
    await page.locator('#credit-amount').fill('2.5');
    await page.getByRole('button', { name: 'Credit', exact: true }).click();
    await expect.poll(() => page.getByTestId('account-balance').textContent()).toBe('$5.50');
    expect(await server.balance(accountId)).toBe('5.50');
    await expect.poll(() => page.locator('.detail table').last().locator('tbody tr').count()).toBe(2);
    await shot(page, 'operator-account-credited');
  });

  it('a credit the API refuses shows its message beside the field', async () => {
    await page.locator('#credit-amount').fill('-1');
    await page.getByRole('button', { name: 'Credit', exact: true }).click();
    await expect.poll(() => page.locator('[data-field="credit-amount"] .field-error').textContent()).toMatch(/amount_usd/);
    await shot(page, 'operator-credit-error');
    await page.locator('#credit-amount').fill('');
  });

  it('creates a key with a spend limit, shown once with a copy button', async () => {
    await page.locator('#key-name').fill('ci');
    await page.locator('#key-limit').fill('1');
    await page.getByRole('button', { name: 'Create key' }).click();
    newKey = (await page.getByTestId('new-key').textContent())!;
    expect(newKey).toMatch(/^sk-\w{40,}$/);
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    expect(await page.locator('tr[data-key-id]').first().textContent()).toContain('$1.00');
    expect((await server.call('/v1/usage', { key: newKey })).status).toBe(200);
    await shot(page, 'operator-key-created');
  });

  it("revokes the key: its next API request is a 401, and a console session signed in with it ends", async () => {
    const user = await browser.open({ expectedFailures: [(status) => status === 401] });
    await signIn(user.page, server.url, newKey);
    await user.page.locator('#f-prompt').waitFor();
    // The playground's first dry run (an empty prompt) has answered: nothing of the user's is in flight.
    await expect.poll(() => user.page.getByTestId('quote').textContent()).toBe('Not valid yet');
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.locator('tr[data-key-id]').filter({ hasText: 'ci' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    await shot(page, 'operator-key-revoked');

    const res = await server.call('/v1/usage', { key: newKey });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('invalid_api_key');

    await user.page.getByRole('link', { name: 'Usage' }).click();
    await user.page.getByText('Your session ended').waitFor();
    await user.page.getByLabel('API key or admin token').waitFor();
    await user.page.getByLabel('API key or admin token').waitFor();
    await shot(user.page, 'user-session-ended');
    expect(user.problems).toEqual([]);
    await user.context.close();
  });

  it('shows each channel with its health, success rate, p50/p99 latency and recent failures', async () => {
    // One call that succeeds and one the upstream fails (500), on the OpenAI channel.
    expect((await server.call('/v1/images/generations', { method: 'POST', json: { model: 'gpt-image-2', prompt: 'ok' } })).status).toBe(200);
    openai.inject({ kind: 'status', status: 500, message: 'The server had an error' });
    expect((await server.call('/v1/images/generations', { method: 'POST', json: { model: 'gpt-image-2', prompt: 'fails' } })).status).toBe(502);
    await page.getByRole('link', { name: 'Channels' }).click();
    const card = page.locator('[data-channel-id="openai"]');
    await card.waitFor();
    await expect.poll(() => card.textContent()).toContain('50.0% of 2');
    expect(await card.textContent()).toMatch(/p50 latency\d+ ms/);
    await card.locator('summary').click();
    expect(await card.locator('.errors').textContent()).toContain('upstream_fault');
    expect(await page.locator('[data-channel-id="demo"]').textContent()).toContain('healthy');
    await shot(page, 'operator-channels');
  });

  it('shows usage across accounts by model and by account, with a CSV', async () => {
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.locator('.chart canvas').waitFor();
    expect(await page.locator('.table-wrap table tbody').textContent()).toContain('gpt-image-2');
    const csv = await page.getByRole('link', { name: 'Usage CSV' }).getAttribute('href');
    expect(csv).toMatch(/^blob:/);
    await shot(page, 'operator-usage');
    await page.locator('#u-group').selectOption('account');
    await expect.poll(() => page.locator('.table-wrap table tbody').textContent()).toMatch(/acct_/);
    await shot(page, 'operator-usage-by-account');
  });

  it('searches tasks by account, model and status, with channel, upstream id and error', async () => {
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.locator('#t-model').fill('gpt-image-2');
    await page.locator('#t-status').selectOption('failed');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('table tbody tr').count()).toBe(1);
    expect(await page.locator('table tbody tr').textContent()).toContain('upstream_error');
    await shot(page, 'operator-tasks');
  });

  it('shows the effective configuration with every secret masked', async () => {
    await page.getByRole('link', { name: 'Configuration' }).click();
    const config = page.getByTestId('config');
    await config.waitFor();
    const text = (await config.textContent())!;
    expect(text).toContain('"api_key": "••••••"');
    expect(text).not.toContain(OPENAI_TEST_KEY);
    await shot(page, 'operator-config');
  });

  it('fits a 390 px screen in dark mode', async () => {
    const narrow = await browser.open({ width: 390, height: 844, dark: true });
    await signIn(narrow.page, server.url, server.adminToken);
    for (const hash of ['accounts', 'channels', 'usage', 'tasks']) {
      await narrow.page.goto(`${server.url}/console#/${hash}`);
      await narrow.page.locator('h1').waitFor();
      await narrow.page.waitForTimeout(400);
      await shot(narrow.page, `operator-narrow-dark-${hash}`);
      expect(await narrow.page.evaluate(() => document.documentElement.scrollWidth), hash).toBeLessThanOrEqual(390);
    }
    expect(narrow.problems).toEqual([]);
    await narrow.context.close();
  });

  it('logged no error in the browser console', () => {
    expect(problems).toEqual([]);
  });
});
