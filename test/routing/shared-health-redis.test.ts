// Channel cooldowns shared through Redis (src/routing/shared-health.ts) on a real redis-server:
// several replicas, each its own ChannelHealth and connection, in one process. A rest one replica
// starts reaches the others at once; one starting loads the current rests; a Redis outage loses
// nothing once Redis is back; recoveries stay local (the documented choice).

import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/providers/types.ts';
import { ChannelHealth, FAILURES_BEFORE_COOLDOWN, FIRST_COOLDOWN_MS } from '../../src/routing/health.ts';
import { SharedChannelHealth } from '../../src/routing/shared-health.ts';
import type { RedisLink } from '../../src/storage/redis.ts';
import { waitFor } from '../helpers/process.ts';
import { useRedisServer } from '../helpers/redis.ts';

const fault = new UpstreamError('upstream_fault', 'boom');
const limited = (retryAfterMs: number) => new UpstreamError('rate_limited', '429', { retryAfterMs });

const { server: redis, link } = useRedisServer();
// Rests left by one test must not reach the next.
afterEach(async () => {
  await redis().start(); // a test that stopped it
  await (await link()).client.flushall();
});

interface Replica {
  health: ChannelHealth;
  link: RedisLink;
  clock: { advance(ms: number): void };
}

async function replica(): Promise<Replica> {
  let t = 1_000_000;
  const health = new ChannelHealth(() => t);
  const connection = await link();
  await new SharedChannelHealth(health, connection).start();
  return { health, link: connection, clock: { advance: (ms) => (t += ms) } };
}

/** Polls until `probe` holds (a message between replicas takes a moment). */
const waitUntil = (probe: () => boolean, what: string) => waitFor(() => probe() || undefined, () => what);

describe('shared channel health', () => {
  it('rests a channel on every replica when one of them meets an upstream 429 with Retry-After', async () => {
    const [one, two, three] = await Promise.all([replica(), replica(), replica()]);
    one.health.recordFailure('a', limited(30_000));
    for (const other of [two, three]) await waitUntil(() => !other.health.isAvailable('a'), 'the rest reached the other replica');
    for (const other of [two, three]) {
      expect(other.health.allRateLimited(['a'])).toBe(true);
      expect(other.health.msUntilAvailable(['a'])).toBeGreaterThan(25_000);
      expect(other.health.msUntilAvailable(['a'])).toBeLessThanOrEqual(30_000);
      expect(other.health.isAvailable('b')).toBe(true);
    }
  });

  it('shares a cooldown after repeated faults with its escalation step: the next failed probe elsewhere doubles it', async () => {
    const [one, two] = await Promise.all([replica(), replica()]);
    for (let i = 0; i < FAILURES_BEFORE_COOLDOWN; i++) one.health.recordFailure('a', fault);
    await waitUntil(() => !two.health.isAvailable('a'), 'the cooldown reached the other replica');
    expect(two.health.allRateLimited(['a'])).toBe(false);
    two.clock.advance(FIRST_COOLDOWN_MS);
    expect(two.health.isAvailable('a')).toBe(true); // on probation
    two.health.recordFailure('a', fault);
    expect(two.health.msUntilAvailable(['a'])).toBe(2 * FIRST_COOLDOWN_MS);
  });

  it('loads the current rests when a replica starts, and a shorter rest never cuts a longer one short', async () => {
    const [one, two] = await Promise.all([replica(), replica()]);
    one.health.recordFailure('a', limited(60_000));
    await waitUntil(() => !two.health.isAvailable('a'), 'the rest reached the other replica');
    // A call already under way on replica two meets a shorter 429: two rests 2 s, but Redis keeps 60 s.
    two.health.recordFailure('a', limited(2_000));
    const late = await replica();
    expect(late.health.isAvailable('a')).toBe(false);
    expect(late.health.msUntilAvailable(['a'])).toBeGreaterThan(55_000);
    expect(late.health.allRateLimited(['a'])).toBe(true);
    expect(late.health.isAvailable('b')).toBe(true);
    expect(one.health.msUntilAvailable(['a'])).toBeGreaterThan(55_000);
  });

  it('keeps a recovery local: a passed probe on one replica does not lift the rest on another', async () => {
    const [one, two] = await Promise.all([replica(), replica()]);
    for (let i = 0; i < FAILURES_BEFORE_COOLDOWN; i++) one.health.recordFailure('a', fault);
    await waitUntil(() => !two.health.isAvailable('a'), 'the cooldown reached the other replica');
    one.clock.advance(FIRST_COOLDOWN_MS);
    expect(one.health.isAvailable('a')).toBe(true);
    one.health.recordSuccess('a');
    await new Promise((r) => setTimeout(r, 200));
    expect(two.health.isAvailable('a')).toBe(false);
  });

  it('goes on alone while Redis is down, and shares what happened meanwhile once it is back', async () => {
    const [one, two] = await Promise.all([replica(), replica()]);
    await redis().stop();
    await waitUntil(() => !one.link.usable() && !two.link.usable(), 'both replicas saw Redis go');
    const started = Date.now();
    one.health.recordFailure('a', limited(45_000));
    expect(Date.now() - started).toBeLessThan(100); // the routing path never waits on Redis
    expect(one.health.isAvailable('a')).toBe(false);
    expect(two.health.isAvailable('a')).toBe(true);

    await redis().start(); // empty: the rest lives only in replica one's memory
    await waitUntil(() => !two.health.isAvailable('a'), 'the rest made while Redis was away reached the other replica');
    expect(two.health.msUntilAvailable(['a'])).toBeGreaterThan(35_000);
    // And what is said from now on is heard again.
    one.health.recordFailure('b', limited(20_000));
    await waitUntil(() => !two.health.isAvailable('b'), 'a new rest reached the other replica');
  });

  it('ignores messages that are not cooldowns', async () => {
    const one = await replica();
    await one.link.client.publish('easel:health', 'not json');
    await one.link.client.publish('easel:health', JSON.stringify({ origin: 'x', channel: 'a', remainingMs: 'soon' }));
    await one.link.client.publish('easel:health', JSON.stringify({ origin: 'x', channel: 7, remainingMs: 10_000 }));
    await one.link.client.publish('easel:health', JSON.stringify({ origin: 'x', channel: 'b', remainingMs: 10_000, rateLimited: false, stepMs: 0 }));
    await waitUntil(() => !one.health.isAvailable('b'), 'the valid message was applied');
    expect(one.health.isAvailable('a')).toBe(true);
    expect(one.health.cooling().map(([id]) => id)).toEqual(['b']);
  });

  it('shares rests of channels a replica did not start with (added by a SIGHUP reload), by message and at start', async () => {
    const [one, two] = await Promise.all([replica(), replica()]);
    one.health.recordFailure('added-later', limited(30_000));
    await waitUntil(() => !two.health.isAvailable('added-later'), 'the rest of a new channel reached the other replica');
    const late = await replica();
    expect(late.health.msUntilAvailable(['added-later'])).toBeGreaterThan(25_000);
  });
});
