// Channel cooldowns shared by every replica through Redis. Routing keeps reading its own in-memory
// ChannelHealth, synchronously; this module only carries cooldowns between replicas:
// - a cooldown this replica starts (an upstream 429, or repeated faults) is written to
//   `easel:health:{channel}` with a PX expiry (so Redis forgets it when it ends) and published on
//   `easel:health`; the other replicas adopt it as soon as the message arrives;
// - a replica starting, or Redis coming back after an outage, pushes its own current rests and loads
//   everyone's, so nothing said meanwhile is lost for longer than the rest itself.
// Recoveries are not shared: a channel that passes its probe on one replica stays resting on the
// others until the rest expires (at most MAX_COOLDOWN_MS, or the upstream's Retry-After). Every
// replica adopted the same end time, so they all come back within moments of each other, and each
// then probes the channel itself; a broadcast "recovered" would let one lucky probe undo a rest that
// the other replicas' own failures earned.
// Redis away: each replica keeps its own view, as without Redis; publishing is skipped, not queued.

import type { Redis, Result } from 'ioredis';
import type { RedisLink } from '../storage/redis.ts';
import { randomBase62 } from '../util/ids.ts';
import type { ChannelHealth, Cooldown } from './health.ts';

const KEY_PREFIX = 'easel:health:';
export const HEALTH_CHANNEL = 'easel:health';

/**
 * KEYS[1] the channel's key; ARGV: the stored value, the rest in ms, the pub/sub channel, the message.
 * Writes and announces the rest only when it ends later than the one Redis holds, so a short
 * cooldown never cuts a longer one short for replicas that start later.
 */
const PUBLISH_COOLDOWN_LUA = `
if redis.call('PTTL', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    easelPublishCooldown(key: string, value: string, ms: number, channel: string, message: string): Result<number, Context>;
  }
}

/** What `easel:health:{channel}` holds; the rest left is the key's PTTL. */
interface StoredCooldown {
  rateLimited: boolean;
  stepMs: number;
}

interface CooldownMessage extends StoredCooldown {
  origin: string;
  channel: string;
  remainingMs: number;
}

export class SharedChannelHealth {
  /** Tells this replica's own messages apart from the others'. */
  private readonly origin = randomBase62(10);
  private syncing: Promise<void> | undefined;
  private syncAgain = false;

  constructor(
    private readonly health: ChannelHealth,
    private readonly link: RedisLink,
  ) {
    link.client.defineCommand('easelPublishCooldown', { numberOfKeys: 1, lua: PUBLISH_COOLDOWN_LUA });
  }

  /** Starts sharing; resolves once the current rests are loaded, or Redis is found away (bounded). */
  async start(): Promise<void> {
    this.health.onCooled((id, cooldown) => void this.publish(id, cooldown));
    // Both a command connection that is back and a subscription renewed call for a sync: the last one
    // runs once both are there, so nothing published while this replica was deaf is missed.
    this.link.onUpChange((up) => {
      if (up) void this.sync();
    });
    const subscribed = await this.link.subscribe(HEALTH_CHANNEL, (message) => this.receive(message), () => void this.sync());
    if (subscribed && (await this.link.waitForFirstConnection())) await this.sync();
  }

  /** Pushes this replica's current rests, then adopts everyone's; a call during a sync runs another after it. */
  sync(): Promise<void> {
    this.syncAgain = true;
    return (this.syncing ??= (async () => {
      try {
        while (this.syncAgain) {
          this.syncAgain = false;
          await this.syncOnce();
        }
      } finally {
        this.syncing = undefined;
      }
    })());
  }

  private async syncOnce(): Promise<void> {
    if (!this.link.usable()) return; // the connection's return calls for the next sync
    for (const [id, cooldown] of this.health.cooling()) await this.publish(id, cooldown);
    try {
      await this.load();
    } catch {
      // Redis went away again: its return runs this again.
    }
  }

  private async publish(id: string, cooldown: Cooldown): Promise<void> {
    if (!this.link.usable() || cooldown.remainingMs <= 0) return;
    const stored: StoredCooldown = { rateLimited: cooldown.rateLimited, stepMs: cooldown.stepMs };
    const message: CooldownMessage = { origin: this.origin, channel: id, remainingMs: cooldown.remainingMs, ...stored };
    try {
      await this.link.run((redis) => redis.easelPublishCooldown(KEY_PREFIX + id, JSON.stringify(stored), cooldown.remainingMs, HEALTH_CHANNEL, JSON.stringify(message)));
    } catch {
      // Shared again at the next sync, once Redis is back.
    }
  }

  /**
   * Every rest in Redis, whichever channels this replica has: found by key pattern rather than by a
   * list of channels, so channels added by a reload (SIGHUP) are shared like the first ones.
   */
  private async load(): Promise<void> {
    const ids = await this.link.run((redis) => restingChannels(redis));
    if (ids.length === 0) return;
    const replies = await this.link.run((redis) => readCooldowns(redis, ids.map((id) => KEY_PREFIX + id)));
    ids.forEach((id, i) => {
      const { value, ttl } = replies[i];
      if (value === null || ttl <= 0) return;
      const stored = parse<StoredCooldown>(value);
      if (stored) this.health.adoptCooldown(id, { remainingMs: ttl, rateLimited: stored.rateLimited === true, stepMs: Number(stored.stepMs) || 0 });
    });
  }

  private receive(raw: string): void {
    const message = parse<CooldownMessage>(raw);
    if (!message || message.origin === this.origin || typeof message.channel !== 'string') return;
    const remainingMs = Number(message.remainingMs);
    if (!(remainingMs > 0)) return;
    this.health.adoptCooldown(message.channel, { remainingMs, rateLimited: message.rateLimited === true, stepMs: Number(message.stepMs) || 0 });
  }
}

/** The channel ids with a rest stored, by SCAN (never KEYS: it would block Redis on a big keyspace). */
async function restingChannels(redis: Redis): Promise<string[]> {
  const ids: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${KEY_PREFIX}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) ids.push(key.slice(KEY_PREFIX.length));
  } while (cursor !== '0');
  return ids;
}

/** Each key's value and PTTL in one round trip. */
async function readCooldowns(redis: Redis, keys: string[]): Promise<Array<{ value: string | null; ttl: number }>> {
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.get(key).pttl(key);
  const results = (await pipeline.exec()) ?? [];
  return keys.map((_, i) => {
    const [getErr, value] = results[2 * i] ?? [];
    const [ttlErr, ttl] = results[2 * i + 1] ?? [];
    if (getErr || ttlErr) throw getErr ?? ttlErr;
    return { value: (value as string | null) ?? null, ttl: Number(ttl) };
  });
}

function parse<T>(raw: string): T | undefined {
  try {
    const value = JSON.parse(raw);
    return value && typeof value === 'object' ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}
