// Schema migrations, applied in order at start on SQLite and PostgreSQL alike. Append only: a
// migration that has shipped is never edited, a new one is added below it.

import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';

/** Exported for the tests that replay one migration on rows written the old way. */
export const migrations: Record<string, Migration> = {
  '0001_accounts_and_keys': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('balance_micros', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('api_keys_account').on('api_keys').column('account_id').execute();
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002_billing_and_tasks': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_keys').addColumn('spend_limit_micros', 'bigint').execute();
      await db.schema.alterTable('api_keys').addColumn('spent_micros', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema
        .createTable('reservations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('quoted_micros', 'bigint', (c) => c.notNull())
        .addColumn('charged_micros', 'bigint')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('price_version', 'text', (c) => c.notNull())
        .addColumn('quote', 'text', (c) => c.notNull())
        .addColumn('charge', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .execute();
      await db.schema.createIndex('reservations_open').on('reservations').columns(['status', 'created_at']).execute();
      await db.schema
        .createTable('ledger_entries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('amount_micros', 'bigint', (c) => c.notNull())
        .addColumn('charge_micros', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('reservation_id', 'text')
        .addColumn('request_id', 'text')
        .addColumn('task_id', 'text')
        .addColumn('key_id', 'text')
        .addColumn('model', 'text')
        .addColumn('price_version', 'text')
        .addColumn('details', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ledger_account_time').on('ledger_entries').columns(['account_id', 'created_at']).execute();
      await db.schema
        .createTable('tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('progress', 'integer')
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text')
        .addColumn('upstream', 'text')
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('usage', 'text')
        .addColumn('reservation_id', 'text')
        .addColumn('billing_transaction_id', 'text')
        .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deadline_at', 'bigint', (c) => c.notNull())
        .addColumn('next_poll_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tasks_due').on('tasks').columns(['status', 'next_poll_at']).execute();
      await db.schema.createIndex('tasks_expiry').on('tasks').column('expires_at').execute();
    },
  },
  '0003_files': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('files')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('mime', 'text', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('blob_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .execute();
      await db.schema.createIndex('files_account_time').on('files').columns(['account_id', 'created_at']).execute();
    },
  },
  '0004_reservation_images': {
    async up(db: Kysely<any>) {
      // Images delivered per settled reservation: usage reports count them without parsing JSON.
      await db.schema.alterTable('reservations').addColumn('images', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '0005_task_submit_intent': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('tasks').addColumn('submit_id', 'text').execute();
      await db.schema.alterTable('tasks').addColumn('uncertain_submits', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '0006_task_result_blob_keys': {
    // Task results kept whole URLs (`<public_url>/media/<key>`); they keep the key now and the URL is
    // made when shown. Rows written before are rewritten once, whatever public URL they were made with.
    async up(db: Kysely<any>) {
      const rows: Array<{ id: string; result: string }> = await db.selectFrom('tasks').select(['id', 'result']).where('result', 'like', '%/media/%').execute();
      for (const row of rows) {
        const parsed = JSON.parse(row.result) as { data?: Array<Record<string, unknown>> };
        if (!Array.isArray(parsed.data)) continue;
        parsed.data = parsed.data.map(({ url, ...rest }) => {
          const key = typeof url === 'string' ? /\/media\/([0-9A-Za-z]{32}\.(?:png|jpg|webp))$/.exec(url)?.[1] : undefined;
          return key ? { key, ...rest } : url === undefined ? rest : { url, ...rest };
        });
        await db.updateTable('tasks').set({ result: JSON.stringify(parsed) }).where('id', '=', row.id).execute();
      }
    },
  },
  '0007_task_polls': {
    // `attempts` counted both leases and polls; it counts polls, and says so.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('tasks').renameColumn('attempts', 'polls').execute();
    },
  },
  '0008_webhooks': {
    // Signed callbacks of closed tasks: each account's signing secrets (the previous one keeps signing
    // until expires_at after a rotation), each key's default callback URL, the outbox of deliveries
    // (written in the transaction that closes the task) and every attempt made on one.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('webhook_secrets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('webhook_secrets_account').on('webhook_secrets').column('account_id').execute();
      await db.schema
        .createTable('webhook_key_callbacks')
        .addColumn('key_id', 'text', (c) => c.primaryKey().references('api_keys.id'))
        .addColumn('callback_url', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('give_up_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('webhook_deliveries_account').on('webhook_deliveries').columns(['account_id', 'created_at']).execute();
      await db.schema.createIndex('webhook_deliveries_task').on('webhook_deliveries').columns(['task_id']).execute();
      await db.schema
        .createTable('webhook_attempts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('excerpt', 'text')
        .execute();
      await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').columns(['delivery_id', 'attempt']).execute();
    },
  },
  '0009_idempotency': {
    // Idempotency-Key on creates: one row per account and key, written in the transaction that
    // creates the task (or file), so two replicas racing on one key cannot both create one.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text')
        .addColumn('file_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_id', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').column('expires_at').execute();
    },
  },
  '0010_key_controls': {
    // Per-key controls: allowed model globs, a budget per UTC day or month (with the period its spend
    // counts), the key's own request limit and per-model limits. Reservations remember the period they
    // were counted in, so money released later goes back to that period and no other.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_keys').addColumn('allowed_models', 'text').execute();
      await db.schema.alterTable('api_keys').addColumn('budget_micros', 'bigint').execute();
      await db.schema.alterTable('api_keys').addColumn('budget_period', 'text').execute();
      await db.schema.alterTable('api_keys').addColumn('budget_spent_micros', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('api_keys').addColumn('budget_period_start', 'bigint').execute();
      await db.schema.alterTable('api_keys').addColumn('requests_per_minute', 'integer').execute();
      await db.schema.alterTable('api_keys').addColumn('model_requests_per_minute', 'text').execute();
      await db.schema.alterTable('reservations').addColumn('budget_period_start', 'bigint').execute();
    },
  },
  '0011_key_sync_wait': {
    // A key's own wait for task-based upstreams (issue 13 §1), and the index the per-model activity
    // (discovery's recommended list, model stats) reads tasks by: 130–210 ms at 200k tasks without it.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_keys').addColumn('sync_wait_ms', 'integer').execute();
      await db.schema.createIndex('tasks_updated_at').on('tasks').column('updated_at').execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? 'unknown error'}`);
  }
}
