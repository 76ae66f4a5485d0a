// The console's browser tests: Debian's chromium driven by playwright-core, one browser per test
// file. Every page's console errors, script errors and failed requests are collected (a test ends by
// asserting there were none), and `shot` saves a screenshot of the page to test-artifacts/console/.
//
// Two failed requests are the console working as meant, not problems: a dry run answered 400 (the
// playground checks the request as the user types and shows the API's message beside the field) and
// a sign-in refused with 401. Chromium logs every 4xx as a console error ("Failed to load resource");
// those lines are judged by the response they stand for.

import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Emulator } from '../emulators/kit.ts';
import { createOpenaiEmulator, OPENAI_TEST_KEY } from '../emulators/openai.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');
export const CHROMIUM = '/usr/bin/chromium';

/** Newest modification time under `dir` (ms). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

function builtAt(): number {
  try {
    return statSync(path.join(ROOT, 'dist', 'console', 'index.html')).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * dist/console/ as `npm run build` makes it, rebuilt when any file under console/ is newer (a test
 * run after an edit without a build), so the browser never tests a stale page. Test files run in
 * parallel: a lock folder lets one of them build while the others wait for it.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const lock = path.join(ROOT, 'dist', 'console.test-build-lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    if (builtAt() > newest(path.join(ROOT, 'console'))) return;
    try {
      mkdirSync(lock);
    } catch {
      // A lock left by a run that was killed mid-build is taken over after a minute.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 60_000) rmSync(lock, { recursive: true, force: true });
      await sleep(200);
      continue;
    }
    try {
      if (builtAt() > newest(path.join(ROOT, 'console'))) return;
      const vite = await import('vite');
      await vite.build({ configFile: path.join(ROOT, 'console', 'vite.config.ts'), logLevel: 'error' });
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** Easel with gpt-image-2 on the OpenAI emulator and the task models on the demo provider (tasks of `taskMs`). */
export async function startConsoleServer(taskMs = 1500): Promise<{ server: TestServer; openai: Emulator }> {
  await ensureConsoleBuilt();
  const openai = createOpenaiEmulator();
  await openai.start();
  const server = await startTestServer({
    config: {
      channels: [
        { id: 'openai', provider: 'openai', base_url: `${openai.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['gpt-image-2'] },
        { id: 'demo', provider: 'demo', models: ['midjourney', 'dall-e-3'], options: { task_ms: taskMs } },
      ],
      tasks: { worker_interval_ms: 100 },
    },
  });
  return { server, openai };
}

export interface ConsoleBrowser {
  browser: Browser;
  /** A fresh context (its own cookies) with one page; `problems` lists its console errors and failed requests. */
  open(opts?: { width?: number; height?: number; dark?: boolean; expectedFailures?: Array<(status: number, method: string, path: string) => boolean> }): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
  close(): Promise<void>;
}

export async function launchConsoleBrowser(): Promise<ConsoleBrowser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  return {
    browser,
    async open(opts = {}) {
      const expectedFailures = opts.expectedFailures ?? [];
      const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 }, colorScheme: opts.dark ? 'dark' : 'light', acceptDownloads: true });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
      });
      page.on('response', (res) => {
        if (res.status() < 400) return;
        const request = res.request();
        const dryRun = request.headers()['x-easel-dry-run'] === '1' && res.status() === 400;
        const refusedSignIn = request.method() === 'POST' && new URL(res.url()).pathname === '/console/session' && res.status() === 401;
        if (!dryRun && !refusedSignIn && !expectedFailures.some((f) => f(res.status(), request.method(), new URL(res.url()).pathname))) problems.push(`request: ${res.status()} ${request.method()} ${res.url()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('dialog', (d) => void d.accept());
      return { context, page, problems };
    },
    close: () => browser.close(),
  };
}

/** Saves the page to test-artifacts/console/<name>.png (the whole page, not just the viewport). */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Signs in through the form. */
export async function signIn(page: Page, baseUrl: string, secret: string): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.getByLabel('API key or admin token').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
