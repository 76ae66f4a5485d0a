// Callback URLs pass the SSRF guard the image fetches use (fetch/guard.ts): http(s) only, no
// credentials or fragment, every address the host resolves to public unless
// fetch.allow_private_addresses. Checked when a create or the operator names one (a 400 naming the
// field) and again before every delivery (webhooks/sender.ts), since DNS may have changed since.

import type { Kysely } from 'kysely';
import { apiErrors } from '../api/errors.ts';
import { DownloadError } from '../fetch/download.ts';
import { AddressGuard, type ResolveHost } from '../fetch/guard.ts';
import type { Database } from '../storage/db/schema.ts';
import { hasSecret } from './secrets.ts';

/** A create waits this long at most for the callback host's DNS answer. */
const CHECK_TIMEOUT_MS = 5_000;

export interface CallbackCheckOptions {
  allowPrivate: boolean;
  /** Replaces the system resolver (tests). */
  resolve?: ResolveHost;
}

/** 400 invalid_value naming `param` unless `url` may be called. */
export async function checkCallbackUrl(url: string, opts: CallbackCheckOptions, param = 'callback_url'): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw apiErrors.invalidRequest(`${param}: not a valid URL.`, param);
  }
  const guard = new AddressGuard({ allowPrivate: opts.allowPrivate, resolve: opts.resolve });
  try {
    await guard.checkUrl(parsed, AbortSignal.timeout(CHECK_TIMEOUT_MS));
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err;
    const why = err.reason === 'timeout' ? `the host ${parsed.hostname} did not resolve in time` : err.message;
    throw apiErrors.invalidRequest(`${param}: ${why}.`, param);
  } finally {
    await guard.close();
  }
}

/** A create's callback_url: callable, and the account has a secret to sign its deliveries with. */
export async function checkCreateCallback(db: Kysely<Database>, accountId: string, url: string, opts: CallbackCheckOptions): Promise<void> {
  await checkCallbackUrl(url, opts);
  if (!(await hasSecret(db, accountId))) {
    throw apiErrors.invalidRequest(
      'callback_url: this account has no webhook signing secret yet, so its deliveries could not be verified. Create one with POST /v1/webhooks/secret (it is shown once), then send the request again.',
      'callback_url',
      'webhook_secret_required',
    );
  }
}
