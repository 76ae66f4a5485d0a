// What the admin API shows of accounts, keys and channels: one shape for HTTP and for `easel ... --json`,
// so a script reads the same object whichever it asks. Never a key's hash or a channel's api_key.

import type { Channel } from '../providers/types.ts';
import type { ChannelHealth } from '../routing/health.ts';
import type { Account } from '../storage/db/accounts.ts';
import { allowedModels, type ApiKeyRecord, modelRequestLimits } from '../storage/db/api-keys.ts';
import { budgetPeriodStart, budgetResetsAt } from '../billing/ledger.ts';
import type { Page } from '../storage/db/pages.ts';
import { formatUsd } from '../util/money.ts';

const seconds = (ms: number) => Math.floor(ms / 1000);

export function accountView(account: Account) {
  return { id: account.id, object: 'account', name: account.name, balance_usd: formatUsd(account.balance_micros), created_at: seconds(account.created_at) };
}

export function keyView(record: ApiKeyRecord) {
  return {
    id: record.id,
    object: 'api_key',
    name: record.name,
    account_id: record.account_id,
    /** The first characters of the key, to tell keys apart; never enough to use it. */
    prefix: record.prefix,
    created_at: seconds(record.created_at),
    revoked_at: record.revoked_at === null ? null : seconds(record.revoked_at),
    spend_limit_usd: record.spend_limit_micros === null ? null : formatUsd(record.spend_limit_micros),
    spent_usd: formatUsd(record.spent_micros),
    ...keyControlsView(record),
  };
}

/** A key's controls (issue 16); the budget's spend is this period's, zero once its period has ended. */
function keyControlsView(record: ApiKeyRecord, now = Date.now()) {
  const period = record.budget_period;
  const counting = period !== null && record.budget_period_start !== null && record.budget_period_start >= budgetPeriodStart(period, now);
  return {
    allowed_models: allowedModels(record),
    budget_usd: record.budget_micros === null ? null : formatUsd(record.budget_micros),
    budget_period: period,
    budget_spent_usd: record.budget_micros === null ? null : formatUsd(counting ? record.budget_spent_micros : 0),
    budget_resets_at: record.budget_micros === null || period === null ? null : seconds(budgetResetsAt(period, now)),
    requests_per_minute: record.requests_per_minute,
    model_requests_per_minute: record.model_requests_per_minute === null ? null : modelRequestLimits(record),
    sync_wait_ms: record.sync_wait_ms,
  };
}

export interface ChannelHealthView {
  available: boolean;
  /** Unix seconds the channel rests until (left out of routing), or null when it is not resting. */
  cooling_until: number | null;
  consecutive_failures: number;
  /** The rest comes from the upstream's 429, not from the channel's own failures. */
  rate_limited: boolean;
}

/** A channel's health as this process sees it now. */
export async function channelHealthView(health: ChannelHealth, id: string, now = Date.now()): Promise<ChannelHealthView> {
  // Awaited so a shared (asynchronous) health store reads the same way.
  const snapshot = await health.snapshot(id);
  const cooling = snapshot.coolUntil > now;
  return {
    available: snapshot.available,
    cooling_until: cooling ? Math.ceil(snapshot.coolUntil / 1000) : null,
    consecutive_failures: snapshot.consecutiveFailures,
    rate_limited: cooling && (await health.allRateLimited([id])),
  };
}

/**
 * A configured channel without its secrets: of the base URL only the host (a path or query may carry
 * a deployment name or a token). `health` is left out where no router runs (the CLI).
 */
export function channelView(channel: Channel, health?: ChannelHealthView) {
  return {
    id: channel.id,
    object: 'channel',
    provider: channel.provider,
    models: channel.models,
    priority: channel.priority,
    weight: channel.weight,
    base_url_host: baseUrlHost(channel.baseUrl),
    ...(health ? { health } : {}),
  };
}

function baseUrlHost(baseUrl: string): string | null {
  try {
    return baseUrl ? new URL(baseUrl).host : null;
  } catch {
    return null;
  }
}

/** The list shape of the OpenAI API (as GET /v1/files answers). */
export function listView<Row, View extends { id: string }>(page: Page<Row>, view: (row: Row) => View) {
  const data = page.rows.map(view);
  return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
}
