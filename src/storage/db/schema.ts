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
  /** Null: no limit. Spend counts reservations while open and charges once settled. */
  spend_limit_micros: number | null;
  spent_micros: number;
  /** JSON array of model globs (util/model-glob.ts) the key may use; null: every model. */
  allowed_models: string | null;
  /** Spend allowed per budget period; null: no budget. Counted like spent_micros (held, then charged). */
  budget_micros: number | null;
  budget_period: BudgetPeriod | null;
  /** Spend in the period that starts at budget_period_start; a reserve in a later period starts again at 0. */
  budget_spent_micros: number;
  /** Start (UTC, unix ms) of the period budget_spent_micros counts; null until the first reserve. */
  budget_period_start: number | null;
  /** Requests per minute for this key; null: the server's limits.requests_per_minute. */
  requests_per_minute: number | null;
  /** JSON object: model glob → requests per minute for the models it matches; null: none. */
  model_requests_per_minute: string | null;
  /** How long this key's creates wait for a task-based upstream; null: the server's tasks.sync_wait_ms. */
  sync_wait_ms: number | null;
}

export type BudgetPeriod = 'day' | 'month';

export type ReservationStatus = 'open' | 'settled' | 'released';

export interface ReservationsTable {
  /** Also the public billing_transaction_id. */
  id: string;
  account_id: string;
  key_id: string;
  request_id: string;
  task_id: string | null;
  model: string;
  quoted_micros: number;
  charged_micros: number | null;
  status: ReservationStatus;
  price_version: string;
  /** JSON: the figures the quote was computed from. */
  quote: string;
  /** JSON: the figures the charge was computed from. */
  charge: string | null;
  created_at: number;
  closed_at: number | null;
  /** Images delivered, once settled. */
  images: number;
  /** The key's budget period the hold was counted in (its start), so a release returns it there; null: no budget. */
  budget_period_start: number | null;
}

export type LedgerKind = 'credit' | 'reserve' | 'settle' | 'release' | 'adjustment';

export interface LedgerEntriesTable {
  id: string;
  account_id: string;
  kind: LedgerKind;
  /** Effect on the account's available balance (credit +, reserve -, release +, settle 0). */
  amount_micros: number;
  /** What the customer paid, on settle entries. */
  charge_micros: number;
  reservation_id: string | null;
  request_id: string | null;
  task_id: string | null;
  key_id: string | null;
  model: string | null;
  price_version: string | null;
  details: string | null;
  created_at: number;
}

export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed';

export interface TasksTable {
  id: string;
  account_id: string;
  key_id: string;
  request_id: string;
  model: string;
  status: TaskStatus;
  progress: number | null;
  /** JSON: the normalized request. */
  request: string;
  channel_id: string | null;
  /** JSON: the upstream task reference, once submitted. */
  upstream: string | null;
  /** JSON: delivered images [{url, revised_prompt}]. */
  result: string | null;
  /** JSON: {code, message}. */
  error: string | null;
  /** JSON: the upstream's usage figures. */
  usage: string | null;
  reservation_id: string | null;
  billing_transaction_id: string | null;
  /** 1 once the client was handed the task id (async, upstream task, or wait budget passed). */
  public: number;
  /** Polls of the upstream task so far (paces the backoff). */
  polls: number;
  created_at: number;
  updated_at: number;
  /** The task fails with a timeout when not finished by then (counted from creation). */
  deadline_at: number;
  next_poll_at: number;
  lease_owner: string | null;
  lease_until: number;
  /** Removed with its images by the sweeper after this. */
  expires_at: number;
  /**
   * Easel's id of the upstream submit under way, written before the call. Set while `upstream` is
   * still null, it tells recovery that a submit may have reached the upstream unrecorded.
   */
  submit_id: string | null;
  /** Submits repeated after a crash without knowing whether the first one reached the upstream. */
  uncertain_submits: number;
}

/** Files uploaded through /v1/files (input images for edits), owned by one account. */
export interface FilesTable {
  /** `file-` + 24 base62 characters. */
  id: string;
  account_id: string;
  filename: string;
  purpose: string;
  /** The catalogue id the file was uploaded for. */
  model: string;
  bytes: number;
  mime: string;
  width: number;
  height: number;
  blob_key: string;
  created_at: number;
  /** Set when deleted; the blob is removed at once and the row answers 404 from then on. */
  deleted_at: number | null;
}

/**
 * One Idempotency-Key an account sent on a create, kept for the replay window: the create it made
 * (a task, or a file for uploads) and a fingerprint of the request, so a retry gets the same answer
 * and a different request under the same key is refused. One row per account and key.
 */
export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  /** `generations`, `edits`, `variations` or `files`. */
  endpoint: string;
  /** SHA-256 (hex) of the canonical request, its endpoint and account. */
  fingerprint: string;
  task_id: string | null;
  file_id: string | null;
  created_at: number;
  /** A key is new again after this (removed by the task retention sweep). */
  expires_at: number;
}

/** An account's webhook signing secrets: the current one (no expiry) and, after a rotation, the previous one until it expires. */
export interface WebhookSecretsTable {
  id: string;
  account_id: string;
  /** `whsec_` + base64 of the HMAC key, as shown to the account once. */
  secret: string;
  created_at: number;
  /** Null for the current secret; set when a rotation replaced it (it signs until then). */
  expires_at: number | null;
}

/** The callback URL a key's creates are notified at when they name none themselves. */
export interface WebhookKeyCallbacksTable {
  key_id: string;
  callback_url: string;
  updated_at: number;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'dead';

/** The outbox: one row per closed task with a callback URL, written in the transaction that closes it. */
export interface WebhookDeliveriesTable {
  /** `msg_` + 24 base62 characters; also the `webhook-id` header, the same on every retry and replay. */
  id: string;
  account_id: string;
  task_id: string;
  /** image.task.completed | image.task.failed */
  event_type: string;
  url: string;
  status: WebhookDeliveryStatus;
  /** Attempts made so far, replays included. */
  attempts: number;
  /** Failed attempts since the retry window began (paces the backoff; a replay starts a new window). */
  failures: number;
  created_at: number;
  updated_at: number;
  next_attempt_at: number;
  /** No retry is scheduled after this: the delivery is marked dead instead. */
  give_up_at: number;
  lease_owner: string | null;
  lease_until: number;
  delivered_at: number | null;
}

/** One attempt on a delivery. Never the receiver's body beyond a short excerpt. */
export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  /** 1, 2, ... within its delivery. */
  attempt: number;
  started_at: number;
  latency_ms: number;
  /** The receiver's HTTP status, when it answered. */
  status_code: number | null;
  /** Why it failed (timeout, network, http_status, ...); null when it succeeded. */
  error: string | null;
  excerpt: string | null;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  meta: MetaTable;
  files: FilesTable;
  reservations: ReservationsTable;
  ledger_entries: LedgerEntriesTable;
  tasks: TasksTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_key_callbacks: WebhookKeyCallbacksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
}

// Re-exported so query modules need one import for the row helpers.
export type { Generated };
