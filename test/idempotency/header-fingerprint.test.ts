// The Idempotency-Key header as the draft spells it (an sf-string) and as Stripe's and OpenAI's
// clients send it (bare), what is refused (with a 400 naming the header), and the request
// fingerprint: the same request however its JSON is laid out, any change to it a different one.

import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.ts';
import { jsonFingerprint, multipartFingerprint } from '../../src/idempotency/fingerprint.ts';
import { MAX_IDEMPOTENCY_KEY_LENGTH, readIdempotencyKey } from '../../src/idempotency/header.ts';

const read = (value: string | undefined, lines = value === undefined ? 0 : 1) =>
  readIdempotencyKey(value, Array.from({ length: lines }, () => ['Idempotency-Key', value ?? '']).flat());

function refusal(value: string, lines = 1): ApiError {
  try {
    read(value, lines);
  } catch (err) {
    return err as ApiError;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

describe('the Idempotency-Key header', () => {
  it('reads an sf-string with its escapes, and a bare key as the same key', () => {
    expect(read('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(read('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(read('stainless-node-retry-1b7c0a4e')).toBe('stainless-node-retry-1b7c0a4e');
    expect(read('"a key with spaces"')).toBe('a key with spaces');
    expect(read('"say \\"hi\\" \\\\ bye"')).toBe('say "hi" \\ bye');
    expect(read('base64+/=_key:1')).toBe('base64+/=_key:1');
    expect(read(undefined)).toBeUndefined();
  });

  it(`takes ${MAX_IDEMPOTENCY_KEY_LENGTH} characters and refuses one more`, () => {
    expect(read('k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH))).toHaveLength(MAX_IDEMPOTENCY_KEY_LENGTH);
    expect(read(`"${'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH)}"`)).toHaveLength(MAX_IDEMPOTENCY_KEY_LENGTH);
    expect(refusal('k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1)).message).toMatch(/longer than 255/);
    expect(refusal(`"${'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1)}"`).message).toMatch(/longer than 255/);
  });

  it.each([
    ['empty', ''],
    ['an empty string', '""'],
    ['no closing quote', '"abc'],
    ['something after the string', '"abc";x=1'],
    ['two strings', '"a", "b"'],
    ['an unknown escape', '"a\\nb"'],
    ['a bare key with a space', 'a b'],
    ['a bare key with a comma (two keys joined)', 'a,b'],
    ['a bare key with a quote', 'a"b'],
    ['non-ASCII', 'clé'],
    ['a control character', '"a\tb"'],
  ])('refuses %s with a 400 naming the header', (_what, value) => {
    const error = refusal(value);
    expect({ status: error.status, code: error.code, param: error.param }).toEqual({ status: 400, code: 'invalid_value', param: 'Idempotency-Key' });
    expect(error.message).toMatch(/^The Idempotency-Key header /);
  });

  it('refuses the header sent twice, which Node would join into one value', () => {
    expect(refusal('abc', 2).message).toMatch(/more than once/);
  });
});

describe('the request fingerprint', () => {
  const scope = { accountId: 'acct_1', endpoint: '/v1/images/generations' };

  it('is the same for the same JSON however its keys are ordered, and differs for any change', () => {
    const a = jsonFingerprint(scope, { model: 'gpt-image-2', prompt: 'a fox', extra: { b: 1, a: [1, 2] } });
    expect(jsonFingerprint(scope, { extra: { a: [1, 2], b: 1 }, prompt: 'a fox', model: 'gpt-image-2' })).toBe(a);
    const others = [
      jsonFingerprint(scope, { model: 'gpt-image-2', prompt: 'a fox!', extra: { b: 1, a: [1, 2] } }),
      jsonFingerprint(scope, { model: 'gpt-image-2', prompt: 'a fox', extra: { b: 1, a: [2, 1] } }),
      jsonFingerprint(scope, { model: 'gpt-image-2', prompt: 'a fox', extra: { b: '1', a: [1, 2] } }),
      jsonFingerprint(scope, { model: 'gpt-image-2', prompt: 'a fox', extra: { b: 1, a: [1, 2] }, n: 1 }),
      jsonFingerprint({ ...scope, accountId: 'acct_2' }, { model: 'gpt-image-2', prompt: 'a fox', extra: { b: 1, a: [1, 2] } }),
      jsonFingerprint({ ...scope, endpoint: '/v1/images/edits' }, { model: 'gpt-image-2', prompt: 'a fox', extra: { b: 1, a: [1, 2] } }),
    ];
    expect(new Set([a, ...others]).size).toBe(others.length + 1);
    // Structure counts, not only the characters: ["ab"] is not ["a","b"], {} is not [].
    expect(jsonFingerprint(scope, ['ab'])).not.toBe(jsonFingerprint(scope, ['a', 'b']));
    expect(jsonFingerprint(scope, {})).not.toBe(jsonFingerprint(scope, []));
  });

  it('hashes a body nested 10,000 levels deep without overflowing the stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = i % 2 ? [deep] : { level: deep };
    expect(jsonFingerprint(scope, deep)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tells multipart bodies apart by their fields and by the bytes, name and order of their files', () => {
    const file = (field: string, bytes: string, filename = 'a.png') => ({ field, filename, declaredType: 'image/png', bytes: Buffer.from(bytes) });
    const base = multipartFingerprint(scope, { fields: { prompt: 'x' }, files: [file('image[]', 'one'), file('image[]', 'two')] });
    // The declared Content-Type is not trusted anywhere, so it does not count.
    expect(multipartFingerprint(scope, { fields: { prompt: 'x' }, files: [{ ...file('image[]', 'one'), declaredType: 'image/jpeg' }, file('image[]', 'two')] })).toBe(base);
    const others = [
      multipartFingerprint(scope, { fields: { prompt: 'y' }, files: [file('image[]', 'one'), file('image[]', 'two')] }),
      multipartFingerprint(scope, { fields: { prompt: 'x' }, files: [file('image[]', 'two'), file('image[]', 'one')] }),
      multipartFingerprint(scope, { fields: { prompt: 'x' }, files: [file('image[]', 'one'), file('image[]', 'tw0')] }),
      multipartFingerprint(scope, { fields: { prompt: 'x' }, files: [file('image[]', 'one'), file('image[]', 'two', 'b.png')] }),
      multipartFingerprint(scope, { fields: { prompt: 'x' }, files: [file('image[]', 'one'), file('mask', 'two')] }),
      jsonFingerprint(scope, { prompt: 'x' }),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });
});
