// Upstreams that make fewer images per call than asked (Gemini, Stability, DALL·E 3: one) get several
// calls in parallel, bounded, on the channel routing chose. A partial success is a success: the
// images that came back are delivered (and billed); only when every call failed does the error count.

import type { NormalizedImageRequest } from '../catalog/types.ts';
import type { CallContext, GenerateResult, ProviderAdapter } from '../providers/types.ts';

/** Parallel upstream calls for one client request. */
export const FANOUT_CONCURRENCY = 4;

type Operation = (req: NormalizedImageRequest, ctx: CallContext) => Promise<GenerateResult>;

/** Images one call on this channel may return: the model's own limit comes from the call context's catalogue data. */
export function imagesPerCall(adapter: ProviderAdapter, req: NormalizedImageRequest, ctx: CallContext): number {
  const max = typeof adapter.maxImagesPerCall === 'function' ? adapter.maxImagesPerCall(req, ctx) : adapter.maxImagesPerCall;
  return Math.max(1, max ?? 1);
}

export async function callWithFanOut(adapter: ProviderAdapter, operation: Operation, req: NormalizedImageRequest, ctx: CallContext): Promise<GenerateResult> {
  const perCall = imagesPerCall(adapter, req, ctx);
  if (req.n <= perCall) return operation(req, ctx);

  const batches: number[] = [];
  for (let left = req.n; left > 0; left -= perCall) batches.push(Math.min(perCall, left));
  const settled = await mapBounded(batches, FANOUT_CONCURRENCY, (n) => operation({ ...req, n }, ctx));
  const results = settled.filter((s): s is PromiseFulfilledResult<GenerateResult> => s.status === 'fulfilled').map((s) => s.value);
  if (results.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
  return { images: results.flatMap((r) => r.images), usage: sumUsage(results.map((r) => r.usage)) };
}

async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await fn(items[i]) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Adds up the numbers of several usage reports of the same shape; lists are joined. */
export function sumUsage(usages: Array<Record<string, unknown> | undefined>): Record<string, unknown> | undefined {
  const present = usages.filter((u): u is Record<string, unknown> => u !== undefined);
  if (present.length === 0) return undefined;
  return present.reduce((acc, u) => merge(acc, u) as Record<string, unknown>);
}

function merge(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  }
  return a ?? b;
}
