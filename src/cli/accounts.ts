// `easel accounts ...` and `easel keys ...`: the admin API's account and key operations on the
// database directly. --json prints what the admin API answers for the same question.

import { ADMIN_LIST_DEFAULT_LIMIT, ADMIN_LIST_MAX_LIMIT } from '../api/admin.ts';
import { accountView, keyView, listView } from '../http/admin-views.ts';
import { createAccount, creditAccount, findAccount, listAccounts } from '../storage/db/accounts.ts';
import { createApiKey, listApiKeys, listApiKeysPage, revokeApiKey } from '../storage/db/api-keys.ts';
import type { Db } from '../storage/db/open.ts';
import { formatUsd, parseUsd } from '../util/money.ts';
import { intOption, JSON_OPTION, type Out, printJson, printTable, readArgs, UsageError, when } from './args.ts';

const PAGE_OPTIONS = { ...JSON_OPTION, limit: { type: 'string' }, after: { type: 'string' } } as const;

export async function accountsCommand(db: Db, sub: string | undefined, args: string[], out: Out): Promise<number> {
  const k = db.kysely;
  if (sub === 'create') {
    const { values } = readArgs(args, { ...JSON_OPTION, name: { type: 'string' }, credit: { type: 'string' } }, 'accounts create --name NAME [--credit USD] [--json]');
    if (!values.name) throw new UsageError('accounts create needs --name');
    const credit = values.credit === undefined ? 0 : parseUsd(values.credit);
    if (credit === undefined || credit < 0) throw new UsageError('--credit must be a non-negative USD amount, e.g. 10 or 2.50');
    const account = await createAccount(k, values.name, credit);
    if (values.json) printJson(out, accountView(account));
    else out(`${account.id}\tbalance $${formatUsd(account.balance_micros)}\n`);
    return 0;
  }
  if (sub === 'show') {
    const { values, positionals } = readArgs(args, JSON_OPTION, 'accounts show ACCOUNT_ID [--json]', 1);
    const account = await findAccount(k, positionals[0]);
    if (!account) throw new Error(`no account ${positionals[0]}`);
    const keys = await listApiKeys(k, account.id);
    if (values.json) {
      printJson(out, { ...accountView(account), keys: keys.map(keyView) });
      return 0;
    }
    out(`${account.id}\t${account.name}\tbalance $${formatUsd(account.balance_micros)}\n`);
    for (const key of keys) out(`  ${key.id}\t${key.prefix}…\t${key.name}\t${key.revoked_at ? 'revoked' : 'active'}\n`);
    return 0;
  }
  if (sub === 'credit') {
    const { values, positionals } = readArgs(args, JSON_OPTION, 'accounts credit ACCOUNT_ID USD [--json]', 2);
    const [id, amount] = positionals;
    const micros = parseUsd(amount);
    if (micros === undefined || micros <= 0) throw new UsageError('the amount must be a positive USD amount, e.g. 10 or 2.50');
    const account = await creditAccount(k, id, micros);
    if (!account) throw new Error(`no account ${id}`);
    if (values.json) printJson(out, accountView(account));
    else out(`${account.id}\tbalance $${formatUsd(account.balance_micros)}\n`);
    return 0;
  }
  if (sub === 'list') {
    const usage = `accounts list [--q TEXT] [--limit N] [--after ACCOUNT_ID] [--json]`;
    const { values } = readArgs(args, { ...PAGE_OPTIONS, q: { type: 'string' } }, usage);
    const limit = intOption(values.limit, 'limit', 1, ADMIN_LIST_MAX_LIMIT, ADMIN_LIST_DEFAULT_LIMIT);
    const page = await listAccounts(k, { q: values.q?.trim() || undefined, limit, after: values.after });
    if (!page) throw new UsageError(`--after: no account ${values.after}`);
    const list = listView(page, accountView);
    if (values.json) {
      printJson(out, list);
      return 0;
    }
    printTable(out, ['ID', 'NAME', 'BALANCE_USD', 'CREATED'], list.data.map((a) => [a.id, a.name, a.balance_usd, when(a.created_at)]));
    morePages(out, list, 'accounts list', values.q ? ['--q', JSON.stringify(values.q)] : []);
    return 0;
  }
  throw new UsageError(`unknown accounts command '${sub ?? ''}'`);
}

export async function keysCommand(db: Db, sub: string | undefined, args: string[], out: Out): Promise<number> {
  const k = db.kysely;
  if (sub === 'create') {
    const { values, positionals } = readArgs(args, { ...JSON_OPTION, name: { type: 'string' } }, 'keys create ACCOUNT_ID [--name NAME] [--json]', 1);
    const account = await findAccount(k, positionals[0]);
    if (!account) throw new Error(`no account ${positionals[0]}`);
    const { record, key } = await createApiKey(k, account.id, values.name ?? 'cli');
    if (values.json) printJson(out, { ...keyView(record), key });
    else out(`${record.id}\t${key}\n`);
    return 0;
  }
  if (sub === 'revoke') {
    const { values, positionals } = readArgs(args, JSON_OPTION, 'keys revoke KEY_ID [--json]', 1);
    const record = await revokeApiKey(k, positionals[0]);
    if (!record) throw new Error(`no key ${positionals[0]}`);
    if (values.json) printJson(out, { ...keyView(record), revoked: true });
    else out(`${record.id}\trevoked\n`);
    return 0;
  }
  if (sub === 'list') {
    const { values, positionals } = readArgs(args, PAGE_OPTIONS, 'keys list ACCOUNT_ID [--limit N] [--after KEY_ID] [--json]', 1);
    const account = await findAccount(k, positionals[0]);
    if (!account) throw new Error(`no account ${positionals[0]}`);
    const limit = intOption(values.limit, 'limit', 1, ADMIN_LIST_MAX_LIMIT, ADMIN_LIST_DEFAULT_LIMIT);
    const page = await listApiKeysPage(k, account.id, { limit, after: values.after });
    if (!page) throw new UsageError(`--after: no key ${values.after} of account ${account.id}`);
    const list = listView(page, keyView);
    if (values.json) {
      printJson(out, list);
      return 0;
    }
    printTable(
      out,
      ['ID', 'NAME', 'PREFIX', 'STATUS', 'SPENT_USD', 'LIMIT_USD', 'CREATED'],
      list.data.map((key) => [key.id, key.name, `${key.prefix}…`, key.revoked_at === null ? 'active' : `revoked ${when(key.revoked_at)}`, key.spent_usd, key.spend_limit_usd, when(key.created_at)]),
    );
    morePages(out, list, `keys list ${account.id}`, []);
    return 0;
  }
  throw new UsageError(`unknown keys command '${sub ?? ''}'`);
}

/** Under a text list that has more: the command that shows the next page. */
function morePages(out: Out, list: { has_more: boolean; last_id: string | null }, command: string, extra: string[]): void {
  if (list.has_more) out(`(more: easel ${[command, ...extra, '--after', list.last_id].join(' ')})\n`);
}
