// The API keys that authenticated lately, by the SHA-256 of the presented key, so a request costs no
// key lookup in the database. A revocation or a change of a key's controls takes effect on the next
// request everywhere:
// - in this process, revokeApiKey and updateKeyControls tell the cache before they return;
// - on PostgreSQL, they also NOTIFY `easel_key_changed` in their transaction, which every replica
//   (and a server beside the CLI) hears; a listener that lost its connection forgets everything when
//   it is back, since it may have missed news meanwhile, and until then nothing is served from memory;
// - on SQLite, the other writer is the CLI: a commit by another connection moves `PRAGMA
//   data_version`, checked on every lookup, and the cache is emptied.
// Entries also lapse after a while, so a change made behind Easel's back (SQL by hand) holds at most
// that long. Unknown and revoked keys are never cached: each costs a lookup, as before.

import { EventEmitter } from 'node:events';
import type { ApiKeysTable as ApiKeyRecord } from './schema.ts';
import { type Listener, listen, notify } from './notifications.ts';

export const KEY_CHANGED_CHANNEL = 'easel_key_changed';
/** The longest an entry is served without a lookup. */
export const KEY_CACHE_TTL_MS = 60_000;
/** Entries at most; past it the oldest goes. */
export const KEY_CACHE_MAX_ENTRIES = 10_000;

/** This process's key writes (api-keys.ts), heard by every cache here. */
const localChanges = new EventEmitter().setMaxListeners(0);

/**
 * A change of the key: inside its transaction, tell other processes (PostgreSQL: with the commit);
 * once committed, this process's caches (`keyChangedHere`). Both, or a cache here could keep the old
 * row read between the two.
 */
export async function notifyKeyChanged(trx: Parameters<typeof notify>[0], keyId: string): Promise<void> {
  await notify(trx, KEY_CHANGED_CHANNEL, keyId);
}

export function keyChangedHere(keyId: string): void {
  localChanges.emit('changed', keyId);
}

export interface KeyCacheSource {
  /** PostgreSQL: hear other processes' key changes. */
  postgresUrl?: string;
  /** SQLite: the file's change counter (PRAGMA data_version), moved by other connections' commits. */
  changeCounter?: () => number;
  onListenError?: (err: Error) => void;
}

export class ApiKeyCache {
  private readonly byHash = new Map<string, { record: ApiKeyRecord; until: number }>();
  private readonly listener: Listener | undefined;
  /** False while a PostgreSQL listener is not in place: news of changes could be missed. */
  private trusted: boolean;
  private seenCounter: number | undefined;
  /** Moves on every change heard (and every emptying), so a row read before it is not kept. */
  private generation = 0;
  private readonly onLocalChange = (keyId: string) => this.forget(keyId);

  constructor(private readonly source: KeyCacheSource) {
    localChanges.on('changed', this.onLocalChange);
    this.trusted = source.postgresUrl === undefined;
    this.seenCounter = source.changeCounter?.();
    this.listener = source.postgresUrl
      ? listen(source.postgresUrl, KEY_CHANGED_CHANNEL, {
          onPayload: (keyId) => this.forget(keyId),
          onError: (err) => {
            // Told once per outage, not once per reconnect attempt.
            if (this.trusted) source.onListenError?.(err);
            this.trusted = false;
            this.clear();
          },
          onListening: () => {
            this.clear();
            this.trusted = true;
          },
        })
      : undefined;
  }

  /** The cached active record for this key hash, or undefined: then look it up and `remember` it. */
  get(hash: string, now = Date.now()): ApiKeyRecord | undefined {
    if (!this.trusted) return undefined;
    const counter = this.source.changeCounter?.();
    if (counter !== this.seenCounter) {
      this.seenCounter = counter;
      this.clear();
      return undefined;
    }
    const hit = this.byHash.get(hash);
    if (!hit) return undefined;
    if (hit.until <= now) {
      this.byHash.delete(hash);
      return undefined;
    }
    return hit.record;
  }

  /** Taken before a lookup and handed to `remember`: a change heard meanwhile may postdate the row read. */
  stamp(): number {
    return this.generation;
  }

  remember(hash: string, record: ApiKeyRecord, stamp: number, now = Date.now()): void {
    if (!this.trusted || record.revoked_at !== null || stamp !== this.generation) return;
    if (this.byHash.size >= KEY_CACHE_MAX_ENTRIES) this.byHash.delete(this.byHash.keys().next().value as string);
    this.byHash.set(hash, { record, until: now + KEY_CACHE_TTL_MS });
  }

  forget(keyId: string): void {
    this.generation++;
    for (const [hash, entry] of this.byHash) if (entry.record.id === keyId) this.byHash.delete(hash);
  }

  private clear(): void {
    this.generation++;
    this.byHash.clear();
  }

  get size(): number {
    return this.byHash.size;
  }

  async close(): Promise<void> {
    localChanges.off('changed', this.onLocalChange);
    this.byHash.clear();
    await this.listener?.close();
  }
}
