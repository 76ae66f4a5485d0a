// The console's sign-in: POST /console/session exchanges an API key (a user) or the admin token (an
// operator) for the session cookie (http/console-session.ts); GET says who is signed in and hands the
// page its CSRF token again after a reload; DELETE signs out. The JSON body (a cross-site form cannot
// send one) and SameSite=Strict keep other sites from signing a browser in or out.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import { consoleSignInSchema } from '../../api/operations/console.ts';
import { parseWith } from '../../api/validate.ts';
import { findAccount } from '../../storage/db/accounts.ts';
import { findApiKey, verifyApiKey } from '../../storage/db/api-keys.ts';
import type { AppDeps } from '../app.ts';
import { clearSessionCookie, SESSION_TTL_MS, type SessionClaims, setSessionCookie } from '../console-session.ts';

type Deps = Pick<AppDeps, 'auth' | 'db' | 'publicUrl'>;

const SIGNED_OUT = { object: 'console.session', role: null, expires_at: null, csrf_token: null, account_id: null, account_name: null, key_id: null, key_name: null } as const;

/** What the page learns of its session: who, until when, and the token its mutations carry. */
async function sessionView(deps: Deps, claims: SessionClaims, value: string) {
  const base = { object: 'console.session', role: claims.role, expires_at: Math.floor(claims.expiresAt / 1000), csrf_token: deps.auth.sessions.csrfToken(value) };
  if (claims.role === 'operator') return { ...base, account_id: null, account_name: null, key_id: null, key_name: null };
  const key = await findApiKey(deps.db.kysely, claims.keyId);
  if (!key || key.revoked_at !== null) throw apiErrors.invalidApiKey("This console session's API key is no longer active: sign in again.");
  const account = await findAccount(deps.db.kysely, key.account_id);
  return { ...base, account_id: key.account_id, account_name: account?.name ?? null, key_id: key.id, key_name: key.name };
}

/** The claims a secret earns: the admin token makes an operator, an active key a user. */
async function claimsFor(deps: Deps, secret: string): Promise<SessionClaims> {
  const expiresAt = Date.now() + SESSION_TTL_MS;
  if (deps.auth.sessions.isAdminToken(secret)) return { role: 'operator', expiresAt };
  const key = await verifyApiKey(deps.db.kysely, secret);
  if (!key) throw apiErrors.invalidApiKey('Neither an active API key nor the admin token.');
  return { role: 'user', keyId: key.id, expiresAt };
}

export function consoleSessionRoutes(app: FastifyInstance, deps: Deps): void {
  app.post('/console/session', async (request, reply) => {
    const { secret } = parseWith(consoleSignInSchema, request.body);
    const claims = await claimsFor(deps, secret.trim());
    const value = deps.auth.sessions.issue(claims);
    setSessionCookie(reply, request, deps.publicUrl(), value);
    return noStore(reply).send(await sessionView(deps, claims, value));
  });

  // Signed out is an answer, not an error: the page asks on every load, before any sign-in.
  app.get('/console/session', async (request, reply) => {
    const session = deps.auth.sessions.fromRequest(request);
    const view = session ? await sessionView(deps, session.claims, session.value).catch(() => undefined) : undefined;
    return noStore(reply).send(view ?? SIGNED_OUT);
  });

  app.delete('/console/session', async (request: FastifyRequest, reply) => {
    clearSessionCookie(reply, request, deps.publicUrl());
    return noStore(reply).send({ object: 'console.session', signed_out: true });
  });
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store');
}
