// Polls a task until it is terminal, as a client would.

import type { TestServer } from './server.ts';

export async function pollTask(server: TestServer, pollUrl: string, opts: { key?: string; timeoutMs?: number; intervalMs?: number } = {}): Promise<{ body: any; res: Response; seen: string[]; progress: number[] }> {
  const seen: string[] = [];
  const progress: number[] = [];
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const res = await server.call(pollUrl, { key: opts.key });
    const body = await res.json();
    if (res.status !== 200) return { body, res, seen, progress };
    seen.push(body.status);
    if (typeof body.progress === 'number') progress.push(body.progress);
    if (body.status === 'completed' || body.status === 'failed') return { body, res, seen, progress };
    if (Date.now() > deadline) throw new Error(`task still ${body.status} after timeout`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

/** One request on a fresh account with 1 USD: the create answer, the final task (polled) and the balance after. */
export async function scenario(s: TestServer, json: Record<string, unknown>) {
  const account = await s.newAccount('1');
  const res = await s.call('/v1/images/generations', { method: 'POST', json, key: account.key });
  const created = await res.json();
  const polled = res.status === 200 && created.poll_url ? await pollTask(s, created.poll_url, { key: account.key }) : undefined;
  return { res, created, done: polled?.body, seen: polled?.seen ?? [], progress: polled?.progress ?? [], balance: await s.balance(account.id) };
}

/** Waits, bounded, until `probe` holds; fails with `what` when it never does. */
export async function waitUntil(probe: () => boolean | Promise<boolean>, timeoutMs: number, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
