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
