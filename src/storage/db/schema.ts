// Row types of every table, as Kysely sees them. Times are unix milliseconds; money is micro-dollars.

import type { Generated } from 'kysely';

export interface AccountsTable {
  id: string;
  name: string;
  balance_micros: number;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string;
  /** First characters of the key, shown to humans to tell keys apart; never enough to use it. */
  prefix: string;
  /** SHA-256 of the whole key, hex. The clear key is never stored. */
  key_hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  meta: MetaTable;
}

// Re-exported so query modules need one import for the row helpers.
export type { Generated };
