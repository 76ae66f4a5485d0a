// The fingerprint of a create: what tells a retry (the same request again) from a different request
// sent under the same Idempotency-Key. It hashes the account, the endpoint and the canonical request:
// a JSON body with its object keys sorted (so key order and whitespace do not count), or a multipart
// body's text fields and, for each file part, its field, its name and a hash of its bytes (in the
// order sent: image[] order matters).

import { createHash, type Hash } from 'node:crypto';
import type { UploadedFile } from '../api/requests.ts';

/** Bumped if what is hashed changes, so an old fingerprint can never match a new one by accident. */
const FINGERPRINT_VERSION = 'easel-idempotency-1';

export interface FingerprintScope {
  accountId: string;
  endpoint: string;
}

export function jsonFingerprint(scope: FingerprintScope, body: unknown): string {
  const hash = start(scope, 'json');
  writeCanonicalJson(hash, body);
  return hash.digest('hex');
}

export function multipartFingerprint(scope: FingerprintScope, form: { fields: Record<string, string | string[]>; files: readonly UploadedFile[] }): string {
  const hash = start(scope, 'multipart');
  const files = form.files.map((f) => ({ field: f.field, filename: f.filename, sha256: createHash('sha256').update(f.bytes).digest('hex') }));
  writeCanonicalJson(hash, { fields: form.fields, files });
  return hash.digest('hex');
}

function start(scope: FingerprintScope, kind: string): Hash {
  return createHash('sha256').update(JSON.stringify([FINGERPRINT_VERSION, scope.accountId, scope.endpoint, kind]));
}

/** Literal text queued between the values still to write. */
class Text {
  constructor(readonly text: string) {}
}

/**
 * Writes `value` as JSON with sorted object keys into the hash. Iterative, with its own stack: a body
 * may nest 10,000 levels deep (the fuzz suite sends such), which recursion would not survive.
 */
function writeCanonicalJson(hash: Hash, value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item instanceof Text) {
      hash.update(item.text);
    } else if (Array.isArray(item)) {
      stack.push(new Text(']'));
      for (let i = item.length - 1; i >= 0; i--) stack.push(item[i], new Text(i === 0 ? '[' : ','));
      if (item.length === 0) stack.push(new Text('['));
    } else if (item !== null && typeof item === 'object') {
      const keys = Object.keys(item).sort();
      stack.push(new Text('}'));
      for (let i = keys.length - 1; i >= 0; i--) stack.push((item as Record<string, unknown>)[keys[i]], new Text(`${i === 0 ? '{' : ','}${JSON.stringify(keys[i])}:`));
      if (keys.length === 0) stack.push(new Text('{'));
    } else {
      hash.update(JSON.stringify(item) ?? 'null');
    }
  }
}
