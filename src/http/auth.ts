// API keys on the public routes, the admin token on /admin and /metrics. Keys are checked against
// their stored SHA-256 in constant time (storage/db/api-keys.ts); each accepted key takes one request
// from its per-minute allowance. Without `Authorization`, a console session cookie stands in for either
// (http/console-session.ts): a user's key is looked up by id on every request and must be active.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { apiErrors } from '../api/errors.ts';
import type { Caller } from '../api/requests.ts';
import { type ApiKeyRecord, findApiKey, verifyApiKey } from '../storage/db/api-keys.ts';
import type { ApiKeyCache } from '../storage/db/key-cache.ts';
import type { Database } from '../storage/db/schema.ts';
import { inSpan } from '../util/spans.ts';
import { ConsoleSessions } from './console-session.ts';
import { keyAdmission } from './key-admission.ts';
import type { RateLimiter } from './rate-limit.ts';

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export class Auth {
  /** Console sign-in sessions, keyed from the admin token. */
  readonly sessions: ConsoleSessions;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly rateLimiter: RateLimiter,
    /** The token that guards /admin/v1 (configured, or generated on the first start). */
    private readonly adminToken: string,
    /** Keys that authenticated lately (storage/db/key-cache.ts); none: every request looks its key up. */
    private readonly keys?: ApiKeyCache,
  ) {
    this.sessions = new ConsoleSessions(adminToken);
  }

  /** The account and key behind the request's API key; 401 otherwise, 429 past the key's limit. */
  caller(request: FastifyRequest): Promise<Caller> {
    return inSpan('easel.auth', {}, () => this.authenticate(request));
  }

  private async authenticate(request: FastifyRequest): Promise<Caller> {
    const record = await this.keyRecord(request);
    await this.rateLimiter.take(record.id, record.requests_per_minute ?? undefined);
    return { accountId: record.account_id, keyId: record.id, admitModel: keyAdmission(record, this.rateLimiter), syncWaitMs: record.sync_wait_ms };
  }

  /** The request's Bearer key, else its console session's key: either must be active. */
  private async keyRecord(request: FastifyRequest): Promise<ApiKeyRecord> {
    const key = bearer(request);
    if (key) {
      const record = await verifyApiKey(this.db, key, this.keys);
      if (!record) throw apiErrors.invalidApiKey();
      return record;
    }
    const session = this.sessions.fromRequest(request)?.claims;
    if (session?.role !== 'user') throw apiErrors.invalidApiKey('Missing API key. Send Authorization: Bearer sk-...');
    const record = await findApiKey(this.db, session.keyId);
    if (!record || record.revoked_at !== null) throw apiErrors.invalidApiKey("This console session's API key is no longer active: sign in again.");
    return record;
  }

  requireAdmin(request: FastifyRequest): void {
    const token = bearer(request);
    if (!token && this.sessions.fromRequest(request)?.claims.role === 'operator') return;
    // Hash both sides so the comparison is constant-time whatever the lengths.
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (!token || !timingSafeEqual(digest(token), digest(this.adminToken))) throw apiErrors.invalidAdminToken();
  }
}
