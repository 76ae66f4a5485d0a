// Fan-out of n images over upstreams that make fewer per call.

import { describe, expect, it } from 'vitest';
import type { NormalizedImageRequest } from '../../src/catalog/types.ts';
import { callWithFanOut, FANOUT_CONCURRENCY, sumUsage } from '../../src/pipeline/fan-out.ts';
import { type CallContext, type GenerateResult, type ProviderAdapter, UpstreamError } from '../../src/providers/types.ts';

const req = (n: number) => ({ model: 'm', requestedModel: 'm', endpoint: '/v1/images/generations', operation: 'text-to-image', prompt: 'p', n, responseFormat: 'url', async: false }) as NormalizedImageRequest;
const ctx = {} as CallContext;

describe('fan-out', () => {
  it('splits n into calls of at most maxImagesPerCall, bounded in parallel, and sums usage', async () => {
    let running = 0;
    let peak = 0;
    const sizes: number[] = [];
    const op = async (r: NormalizedImageRequest): Promise<GenerateResult> => {
      running++;
      peak = Math.max(peak, running);
      sizes.push(r.n);
      await new Promise((res) => setTimeout(res, 10));
      running--;
      return { images: Array.from({ length: r.n }, () => ({ bytes: Buffer.from('x') })), usage: { tokens: r.n * 10 } };
    };
    const adapter: ProviderAdapter = { maxImagesPerCall: 3 };
    const result = await callWithFanOut(adapter, op, req(10), ctx);
    expect(sizes.sort()).toEqual([1, 3, 3, 3]);
    expect(result.images).toHaveLength(10);
    expect(result.usage).toEqual({ tokens: 100 });
    expect(peak).toBeLessThanOrEqual(FANOUT_CONCURRENCY);
  });

  it('makes one call when the upstream can make them all, and honours a per-model limit', async () => {
    let calls = 0;
    const op = async (r: NormalizedImageRequest) => (calls++, { images: Array.from({ length: r.n }, () => ({})) });
    await callWithFanOut({ maxImagesPerCall: 10 }, op, req(4), ctx);
    expect(calls).toBe(1);
    calls = 0;
    await callWithFanOut({ maxImagesPerCall: (r) => (r.model === 'm' ? 1 : 10) }, op, req(4), ctx);
    expect(calls).toBe(4);
  });

  it('returns what succeeded on partial failure, and throws only when every call failed', async () => {
    let call = 0;
    const flaky = async () => {
      if (call++ === 1) throw new UpstreamError('upstream_fault', 'one failed');
      return { images: [{}] };
    };
    expect((await callWithFanOut({ maxImagesPerCall: 1 }, flaky, req(4), ctx)).images).toHaveLength(3);
    const broken = async () => {
      throw new UpstreamError('moderated', 'no');
    };
    await expect(callWithFanOut({ maxImagesPerCall: 1 }, broken, req(3), ctx)).rejects.toMatchObject({ kind: 'moderated' });
  });

  it('sums nested usage and joins lists', () => {
    expect(sumUsage([{ a: 1, d: { b: 2 }, l: [1] }, { a: 2, d: { b: 3, c: 1 }, l: [2] }, undefined])).toEqual({ a: 3, d: { b: 5, c: 1 }, l: [1, 2] });
    expect(sumUsage([undefined])).toBeUndefined();
  });
});
