// The connection to the optional Redis that replicas share (redis_url): one client for commands and
// one for pub/sub (a subscribed connection can run nothing else). Redis is never on a request's
// critical path for long: a command fails at once while the connection is down (no offline queue,
// no retries) and after the command timeout (redis_command_timeout_ms, COMMAND_TIMEOUT_MS by default)
// on a Redis that accepts but does not answer; after a
// failure callers skip Redis for RETRY_AFTER_FAILURE_MS, so a hung Redis costs one wait, not one per
// request. ioredis reconnects by itself, forever, with a capped backoff.

import { Redis, type RedisOptions } from 'ioredis';

/** The longest a request waits on Redis before deciding without it, unless configured otherwise. */
export const COMMAND_TIMEOUT_MS = 150;
/** After a failed command Redis is left alone this long, then tried again by the next caller. */
export const RETRY_AFTER_FAILURE_MS = 1_000;
/** Reconnect attempts back off to this at most. */
const MAX_RECONNECT_DELAY_MS = 1_000;
/** While a connection is open but its last command failed, it is pinged this often to learn it answers again. */
const HEARTBEAT_MS = 2_000;
/** A start does not wait longer than this for Redis: without it Easel starts on its own counters. */
const FIRST_CONNECT_WAIT_MS = 2_000;

export class RedisLink {
  readonly client: Redis;
  /** Subscribed connection: pub/sub only. */
  readonly subscriber: Redis;
  private skipUntil = 0;
  private up = false;
  private errorReported = false;
  private readonly upListeners: Array<(up: boolean) => void> = [];
  private readonly heartbeat: NodeJS.Timeout;

  /** `onError` hears of a connection error at most once per outage (the log would fill otherwise). */
  constructor(url: string, private readonly onError: (err: Error) => void = () => {}, commandTimeoutMs = COMMAND_TIMEOUT_MS) {
    const base: RedisOptions = {
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    };
    this.client = new Redis(url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: commandTimeoutMs });
    // Subscribed again by subscribe() after each reconnect, so it can tell when it hears again.
    this.subscriber = new Redis(url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResubscribe: false });
    this.client.on('ready', () => {
      this.skipUntil = 0;
      this.setUp(true);
    });
    this.client.on('close', () => this.setUp(false));
    for (const connection of [this.client, this.subscriber]) connection.on('error', (err: Error) => this.reportError(err));
    // A reconnect says Redis is back by itself; a Redis that timed out on an open connection does not.
    this.heartbeat = setInterval(() => {
      if (!this.up && this.usable()) this.run((redis) => redis.ping()).catch(() => {});
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Whether a command is worth trying now; false means decide without Redis, at once. */
  usable(): boolean {
    return this.client.status === 'ready' && Date.now() >= this.skipUntil;
  }

  /** Runs a command; its failure marks Redis down for a while and is thrown on. */
  async run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    try {
      const result = await command(this.client);
      this.setUp(true);
      return result;
    } catch (err) {
      this.skipUntil = Date.now() + RETRY_AFTER_FAILURE_MS;
      this.setUp(false);
      this.reportError(err as Error);
      throw err;
    }
  }

  /**
   * Told each time Redis becomes usable (true: state written meanwhile may be missing from it) or
   * stops being usable (false).
   */
  onUpChange(listener: (up: boolean) => void): void {
    this.upListeners.push(listener);
  }

  /** True once the first connection is ready; false if it is not within a bounded wait. */
  waitForFirstConnection(): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return settlesWithin(new Promise((resolve) => this.client.once('ready', () => resolve(true))), FIRST_CONNECT_WAIT_MS);
  }

  /**
   * Hears a pub/sub channel from now on, across reconnects. `onSubscribed` runs after each
   * (re)subscription: from then on every message arrives, so state published while this replica was
   * deaf is to be read then. True once first subscribed; false if not within a bounded wait.
   */
  subscribe(channel: string, onMessage: (message: string) => void, onSubscribed: () => void): Promise<boolean> {
    this.subscriber.on('message', (from: string, message: string) => {
      if (from === channel) onMessage(message);
    });
    let first: (ok: boolean) => void = () => {};
    const subscribed = new Promise<boolean>((resolve) => (first = resolve));
    const subscribeNow = () =>
      this.subscriber.subscribe(channel).then(() => {
        first(true);
        onSubscribed();
      }, () => {});
    this.subscriber.on('ready', subscribeNow);
    if (this.subscriber.status === 'ready') subscribeNow();
    return settlesWithin(subscribed, FIRST_CONNECT_WAIT_MS);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const connection of [this.client, this.subscriber]) connection.disconnect(false);
  }

  private setUp(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    if (up) this.errorReported = false;
    for (const listener of this.upListeners) listener(up);
  }

  private reportError(err: Error): void {
    if (this.errorReported) return;
    this.errorReported = true;
    this.onError(err);
  }
}

/** The promise's outcome if it settles within `ms` (a rejection counts as false), else false. */
function settlesWithin(promise: Promise<boolean>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const settle = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    promise.then(settle, () => settle(false));
  });
}
