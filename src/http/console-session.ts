// The Easel Console's sign-in session: a cookie the browser sends instead of `Authorization: Bearer`.
//
// Stateless, so it works on every replica: the value is the session's claims (role, key id for a
// user, expiry) with an HMAC-SHA256 over them, keyed by a secret derived from the admin token, which
// every replica shares. Nothing about the session is stored; what can end it early is checked on
// every request instead — a user's key is looked up by id and must still be active (auth.ts), so a
// revoked key ends its sessions at once, and a new admin token ends every session.
//
// CSRF: the cookie is SameSite=Strict, and every request it authorizes that is not a GET or HEAD must
// also carry X-Easel-CSRF, a token derived from the cookie's own value (the page learns it from the
// sign-in answer or GET /console/session, which another origin cannot read), compared in constant time.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiErrors } from '../api/errors.ts';

export const SESSION_COOKIE = 'easel_session';
export const CSRF_HEADER = 'x-easel-csrf';
/** A session lasts a working day; signing in again starts a new one. */
export const SESSION_TTL_MS = 12 * 3_600_000;

export type SessionClaims = { role: 'operator'; expiresAt: number } | { role: 'user'; keyId: string; expiresAt: number };

/** A valid session cookie as it arrived: its claims and the value the CSRF token is derived from. */
export interface PresentedSession {
  claims: SessionClaims;
  value: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const b64url = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64url');
const digest = (s: string) => createHash('sha256').update(s).digest();

/** Equal strings, in time that depends on neither (hashed first, so lengths need not match). */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** One cookie's value from the Cookie header, or undefined. */
function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class ConsoleSessions {
  private readonly secret: Buffer;
  private readonly adminToken: string;

  constructor(adminToken: string) {
    this.adminToken = adminToken;
    // Derived, never the token itself: the cookie's MAC key says nothing about the admin token.
    this.secret = createHmac('sha256', adminToken).update('easel console session v1').digest();
  }

  /** The sign-in secret is the admin token (an operator signs in). */
  isAdminToken(secret: string): boolean {
    return constantTimeEqual(secret, this.adminToken);
  }

  private mac(label: string, value: string): string {
    return b64url(createHmac('sha256', this.secret).update(`${label}\n${value}`).digest());
  }

  /** A new session's cookie value. The nonce makes two sign-ins in one millisecond different sessions. */
  issue(claims: SessionClaims): string {
    const body = claims.role === 'user' ? { r: 'user', k: claims.keyId, e: claims.expiresAt } : { r: 'operator', e: claims.expiresAt };
    const payload = b64url(JSON.stringify({ ...body, n: b64url(randomBytes(9)) }));
    return `${payload}.${this.mac('session', payload)}`;
  }

  /** The claims of a value this server signed and that has not expired; undefined otherwise. */
  verify(value: string, now = Date.now()): SessionClaims | undefined {
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = value.slice(0, dot);
    if (!constantTimeEqual(value.slice(dot + 1), this.mac('session', payload))) return undefined;
    let parsed: { r?: unknown; k?: unknown; e?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof parsed.e !== 'number' || parsed.e <= now) return undefined;
    if (parsed.r === 'operator') return { role: 'operator', expiresAt: parsed.e };
    if (parsed.r === 'user' && typeof parsed.k === 'string') return { role: 'user', keyId: parsed.k, expiresAt: parsed.e };
    return undefined;
  }

  /** The token a page must echo in X-Easel-CSRF on the session's mutations. */
  csrfToken(value: string): string {
    return this.mac('csrf', value);
  }

  /**
   * The request's session, when its cookie is valid (an invalid or expired one is as good as none).
   * A mutation it authorizes without the matching CSRF header is refused (403).
   */
  fromRequest(request: FastifyRequest): PresentedSession | undefined {
    const value = cookieValue(request, SESSION_COOKIE);
    const claims = value === undefined ? undefined : this.verify(value);
    if (!value || !claims) return undefined;
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !constantTimeEqual(sent, this.csrfToken(value))) throw apiErrors.csrfTokenInvalid();
    }
    return { claims, value };
  }
}

/** Secure whenever the page was reached over https (directly, or through a proxy that says so). */
function isHttps(request: FastifyRequest, publicUrl: string): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https' || publicUrl.startsWith('https:');
}

function cookieAttributes(request: FastifyRequest, publicUrl: string): string {
  return `Path=/; HttpOnly; SameSite=Strict${isHttps(request, publicUrl) ? '; Secure' : ''}`;
}

export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, publicUrl: string, value: string): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${value}; Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}; ${cookieAttributes(request, publicUrl)}`);
}

export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest, publicUrl: string): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Max-Age=0; ${cookieAttributes(request, publicUrl)}`);
}
