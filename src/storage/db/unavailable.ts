// Tells a lost database (refused or dropped connections, a server shutting down or starting up) from
// a query that is wrong. A lost database is an outage the caller can retry through; anything else
// stays a bug.

/** PostgreSQL SQLSTATEs that mean "the server is not there right now" (class 08, and 57P01–57P03). */
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[123])$/;
/** Socket-level codes of a connection that could not be made or was cut. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** pg's own words for a connection it lost or could not get in time (these carry no code). */
const PG_CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.test(code) || NETWORK_CODES.has(code))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return true;
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.some(isDatabaseUnavailable)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
