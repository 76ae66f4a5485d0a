// Who is calling. API keys guard the /v1 image routes; the admin token guards /admin/v1.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { errors } from '../api/errors.ts';
import type { Caller } from '../pipeline/generate.ts';
import { verifyApiKey } from '../storage/db/api-keys.ts';
import type { Services } from '../services.ts';

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export async function authenticate(services: Services, request: FastifyRequest): Promise<Caller> {
  const key = bearer(request);
  if (!key) throw errors.invalidApiKey('Missing API key. Send Authorization: Bearer sk-...');
  const record = await verifyApiKey(services.db.kysely, key);
  if (!record) throw errors.invalidApiKey();
  services.rateLimiter.take(record.id);
  return { accountId: record.account_id, keyId: record.id };
}

export function requireAdmin(services: Services, request: FastifyRequest): void {
  const token = bearer(request);
  // Hash both sides so the comparison is constant-time whatever the lengths.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  if (!token || !timingSafeEqual(digest(token), digest(services.adminToken))) throw errors.adminUnauthorized();
}
