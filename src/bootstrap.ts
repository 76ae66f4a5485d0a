// The first start on an empty database: an admin token (unless configured), a starter account with a
// little demo credit and one API key. The banner shows the key once and only says where the admin
// token is: a token in a terminal's scrollback or a collected log outlives the start it was made by.

import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config/schema.ts';
import { parseUsd } from './util/money.ts';
import { countAccounts, createAccount } from './storage/db/accounts.ts';
import { createApiKey } from './storage/db/api-keys.ts';
import type { Db } from './storage/db/open.ts';
import { randomBase62 } from './util/ids.ts';

const ADMIN_TOKEN_FILE = 'admin-token';

export interface AdminToken {
  token: string;
  /** True when this start generated it (so it is printed once). */
  generated: boolean;
  file?: string;
}

/** The configured admin token, else the one stored in the data folder, else a new one stored there (0600). */
export function loadOrCreateAdminToken(config: Config): AdminToken {
  if (config.admin_token) return { token: config.admin_token, generated: false };
  const file = path.resolve(config.data_dir, ADMIN_TOKEN_FILE);
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false, file };
  mkdirSync(path.dirname(file), { recursive: true });
  const token = `adm-${randomBase62(40)}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, generated: true, file };
}

export interface StarterAccount {
  accountId: string;
  key: string;
  creditUsd: string;
}

/** Creates the starter account and key when the database has no account yet. */
export async function bootstrapStarterAccount(db: Db, config: Config): Promise<StarterAccount | undefined> {
  if ((await countAccounts(db.kysely)) > 0) return undefined;
  const credit = parseUsd(config.bootstrap.starter_credit_usd) ?? 0;
  const account = await createAccount(db.kysely, 'starter', credit);
  const { key } = await createApiKey(db.kysely, account.id, 'starter');
  return { accountId: account.id, key, creditUsd: config.bootstrap.starter_credit_usd };
}

/** The first-start text (plain, for stderr): the starter key once, and where the admin token is, never the token. */
export function bootstrapBanner(opts: { url: string; admin: AdminToken; starter?: StarterAccount }): string {
  if (!opts.starter && !opts.admin.generated) return '';
  const lines: string[] = [];
  if (opts.starter) {
    lines.push(
      'Easel created a starter account. Its API key is shown only this once — keep it:',
      '',
      `  API key:     ${opts.starter.key}`,
      `  Account:     ${opts.starter.accountId} (demo credit $${opts.starter.creditUsd})`,
    );
  } else {
    lines.push('Easel generated an admin token:', '');
  }
  lines.push(`  Admin token: ${adminTokenWhereabouts(opts.admin)}`);
  if (opts.starter) {
    lines.push(
      '',
      'Try it (export EASEL_API_KEY=<the key above> first):',
      `  curl -s ${opts.url}/v1/images/generations \\`,
      '    -H "Authorization: Bearer $EASEL_API_KEY" -H "Content-Type: application/json" \\',
      `    -d '{"model":"gpt-image-2","prompt":"a lighthouse at dawn"}'`,
    );
  }
  const rule = '─'.repeat(78);
  return `\n${rule}\n${lines.join('\n')}\n${rule}\n\n`;
}

function adminTokenWhereabouts(admin: AdminToken): string {
  if (!admin.file) return 'set by the configuration (admin_token, EASEL_ADMIN_TOKEN or EASEL_ADMIN_TOKEN_FILE); not shown';
  return `${admin.generated ? 'generated and stored' : 'stored'} in ${admin.file} (mode 0600); not shown — read it with: cat ${admin.file}`;
}
