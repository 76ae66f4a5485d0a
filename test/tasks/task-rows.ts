// A task row as the worker finds it once submitted (channel and upstream set), for tests that write
// rows straight into the table: leases, hand-backs, the worker's passes.

import type { TaskRow } from '../../src/tasks/store.ts';

export function submittedTaskRow(id: string, over: Partial<TaskRow> = {}): TaskRow {
  const now = Date.now();
  return {
    id, account_id: 'acct', key_id: 'k', request_id: 'r', model: 'flux-pro', status: 'processing', progress: null, request: '{}', channel_id: 'bfl', upstream: '{}',
    result: null, error: null, usage: null, reservation_id: null, billing_transaction_id: null, public: 0, polls: 0, created_at: now, updated_at: now,
    deadline_at: now + 600_000, next_poll_at: 0, lease_owner: null, lease_until: 0, expires_at: now + 600_000, submit_id: null, uncertain_submits: 0,
    ...over,
  };
}
