// The effective configuration as the operator's console shows it: every value Easel runs with,
// defaults filled in, and every secret masked — fields whose name says key, token, secret or
// password, and the credentials or query string of any URL (a database password, a signed query).

const SECRET_FIELD = /(key|token|secret|password|access_key_id)$/i;
export const MASK = '••••••';

function maskUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (!url.username && !url.password && !url.search) return value;
  if (url.username) url.username = MASK;
  if (url.password) url.password = MASK;
  if (url.search) url.search = `?${MASK}`;
  return url.toString();
}

/** `value` with every secret masked (a set secret shows as the mask, an unset or empty one as it is). */
export function maskSecrets(value: unknown, field = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, field));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  if (typeof value !== 'string') return value;
  if (SECRET_FIELD.test(field)) return value === '' ? '' : MASK;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? maskUrl(value) : value;
}
