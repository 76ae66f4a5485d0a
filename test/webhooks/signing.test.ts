// The signature scheme against the Standard Webhooks reference: the fixed vector of the reference
// library's own test ("sign function works" in standard-webhooks/standard-webhooks,
// libraries/javascript/src/webhook.test.ts; the specification itself publishes none), and the test's
// own verifier (verify.ts, written from the specification's text) over what Easel signs.

import { describe, expect, it } from 'vitest';
import { newSigningSecret, sign, webhookHeaders } from '../../src/webhooks/signing.ts';
import { verificationProblem } from './verify.ts';

const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signatures', () => {
  it('signs the reference vector as the reference library does, and the test verifier accepts it', () => {
    expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    const headers = { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature };
    expect(verificationProblem(VECTOR.secret, headers, VECTOR.body, { nowMs: VECTOR.timestamp * 1000 })).toBeUndefined();
    // Now, five years on, the same delivery is a replay.
    expect(verificationProblem(VECTOR.secret, headers, VECTOR.body)).toBe('the timestamp is outside the tolerance');
  });

  it('makes secrets of whsec_ and 32 random bytes, never the same twice', () => {
    const a = newSigningSecret();
    const b = newSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice(6), 'base64').length).toBe(32);
    expect(a).not.toBe(b);
  });

  it('signs with every live secret, space-separated: either verifies alone, a stranger does not, and nothing can be changed', () => {
    const [current, previous, stranger] = [newSigningSecret(), newSigningSecret(), newSigningSecret()];
    const body = JSON.stringify({ type: 'image.task.completed', data: { id: 'ldtask_x', note: 'ünïcödé ✓' } });
    const now = Date.now();
    const headers = webhookHeaders([current, previous], 'msg_abc', Math.floor(now / 1000), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verificationProblem(current, headers, body)).toBeUndefined();
    expect(verificationProblem(previous, headers, body)).toBeUndefined();
    expect(verificationProblem(stranger, headers, body)).toBe('no signature matches');
    expect(verificationProblem(current, headers, `${body} `)).toBe('no signature matches');
    expect(verificationProblem(current, { ...headers, 'webhook-id': 'msg_abd' }, body)).toBe('no signature matches');
    expect(verificationProblem(current, { ...headers, 'webhook-timestamp': String(Math.floor(now / 1000) + 1) }, body)).toBe('no signature matches');
  });
});
