// Reading URLs that arrive in upstream answers, where anything but http(s) is a malformed answer.

export function parseHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

export function isHttpUrl(value: unknown): value is string {
  return typeof value === 'string' && parseHttpUrl(value) !== undefined;
}
