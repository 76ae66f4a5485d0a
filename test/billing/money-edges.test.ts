// Money at its edges: the largest exact amount and the smallest (one micro-dollar) are taken, one
// beyond either is refused with a reason, never rounded; numbers and strings, exponent forms,
// negative zero. Then the same through the admin API: 400 invalid_value naming the field.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUsd, MAX_USD_MICROS, parseUsd, readUsd } from '../../src/util/money.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const TOO_FINE = /more than 6 decimals/;
const TOO_LARGE = /beyond the largest exact amount, 9007199254\.740991/;
const TOO_PRECISE = /more than 15 significant digits.*send it as a string/;
const NOT_AN_AMOUNT = /must be a USD amount/;

describe('readUsd', () => {
  it.each([
    ['9007199254.740991', MAX_USD_MICROS],
    ['-9007199254.740991', -MAX_USD_MICROS],
    ['0.000001', 1],
    [0.000001, 1],
    [1e-6, 1],
    [1.5e-5, 15],
    [9007199254.74099, 9_007_199_254_740_990],
    [2.5e9, 2_500_000_000_000_000],
    ['1.500000000', 1_500_000],
    ['0012.5', 12_500_000],
    [' 3.5 ', 3_500_000],
    [123456789.123456, 123_456_789_123_456],
  ])('takes %j exactly as %d µ$', (input, micros) => expect(readUsd(input)).toEqual({ ok: true, micros }));

  it('keeps the largest amount exact through formatting', () => {
    expect(formatUsd(parseUsd('9007199254.740991')!)).toBe('9007199254.740991');
    expect(formatUsd(parseUsd(0.000001)!)).toBe('0.000001');
  });

  it.each([
    ['9007199254.740992', TOO_LARGE],
    ['9999999999.999999', TOO_LARGE],
    ['-9007199254.740992', TOO_LARGE],
    ['1' + '0'.repeat(100_000), TOO_LARGE],
    // As a double 9007199254.740991 is 9007199254.740992: the number cannot say the largest amount.
    [9007199254.740991, TOO_LARGE],
    [1e21, TOO_LARGE],
    ['0.0000001', TOO_FINE],
    ['0.0000009', TOO_FINE],
    [1e-7, TOO_FINE],
    [5e-7, TOO_FINE],
    [-1e-7, TOO_FINE],
    [5e-324, TOO_FINE],
    [0.1 + 0.2, TOO_FINE],
    [1234567890.123456, TOO_PRECISE],
    ['1e3', NOT_AN_AMOUNT],
    ['1e-6', NOT_AN_AMOUNT],
    ['+1', NOT_AN_AMOUNT],
    ['.5', NOT_AN_AMOUNT],
    ['5.', NOT_AN_AMOUNT],
    ['', NOT_AN_AMOUNT],
    [Infinity, NOT_AN_AMOUNT],
    [NaN, NOT_AN_AMOUNT],
    [null, NOT_AN_AMOUNT],
  ])('refuses %j: %s', (input, reason) => {
    const reading = readUsd(input);
    expect(reading.ok).toBe(false);
    expect(!reading.ok && reading.reason).toMatch(reason);
    expect(parseUsd(input)).toBeUndefined();
  });

  it.each([-0, '-0', '-0.000000', '0.0', 0])('reads %j as a plain zero, never -0', (input) => {
    const micros = parseUsd(input);
    expect(Object.is(micros, 0)).toBe(true);
    expect(formatUsd(micros!)).toBe('0.00');
  });
});

describe('admin API amounts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const admin = (path: string, json: unknown) => server.call(path, { method: 'POST', key: server.adminToken, json });

  it('credits the smallest and the largest exact amounts exactly', async () => {
    const small = await (await admin('/admin/v1/accounts', { name: 'smallest', credit_usd: 0.000001 })).json();
    expect(small.balance_usd).toBe('0.000001');
    const large = await admin('/admin/v1/accounts', { name: 'largest', credit_usd: '9007199254.740991' });
    expect(large.status).toBe(201);
    expect((await large.json()).balance_usd).toBe('9007199254.740991');
    const zero = await (await admin('/admin/v1/accounts', { name: 'zero', credit_usd: '-0' })).json();
    expect(zero.balance_usd).toBe('0.00');
  });

  it('refuses a credit that would take a balance past the exact range; one that reaches its edge passes', async () => {
    const account = await (await admin('/admin/v1/accounts', { name: 'near the edge', credit_usd: '9007199254.000000' })).json();
    const over = await admin(`/admin/v1/accounts/${account.id}/credit`, { amount_usd: '1' });
    expect(over.status).toBe(400);
    expect((await over.json()).error).toMatchObject({ code: 'invalid_value', param: 'amount_usd' });
    expect(await server.balance(account.id)).toBe('9007199254.00');
    const edge = await admin(`/admin/v1/accounts/${account.id}/credit`, { amount_usd: '0.740991' });
    expect(edge.status).toBe(200);
    expect(await server.balance(account.id)).toBe('9007199254.740991');
    await server.assertLedger();
  });

  it.each([
    ['/admin/v1/accounts', 'credit_usd', '9999999999.999999', TOO_LARGE],
    ['/admin/v1/accounts', 'credit_usd', 1e-7, TOO_FINE],
    ['/admin/v1/accounts', 'credit_usd', '0.0000001', TOO_FINE],
    ['/admin/v1/accounts', 'credit_usd', 1234567890.123456, TOO_PRECISE],
    ['/admin/v1/accounts', 'credit_usd', '-1', /credit_usd must be zero or more/],
    ['credit', 'amount_usd', '9007199254.740992', TOO_LARGE],
    ['credit', 'amount_usd', 1e-7, TOO_FINE],
    ['credit', 'amount_usd', -0, /amount_usd must be positive/],
    ['keys', 'spend_limit_usd', 1e21, TOO_LARGE],
    ['keys', 'spend_limit_usd', '0.00000001', TOO_FINE],
  ])('%s refuses %s = %j with 400 invalid_value naming it', async (route, field, value, reason) => {
    const account = await (await admin('/admin/v1/accounts', { name: 'target' })).json();
    const path = route === 'credit' ? `/admin/v1/accounts/${account.id}/credit` : route === 'keys' ? `/admin/v1/accounts/${account.id}/keys` : route;
    const res = await admin(path, { ...(route === '/admin/v1/accounts' ? { name: 'refused' } : {}), [field]: value });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.param).toBe(field);
    expect(body.validation_errors[0]).toMatchObject({ field, code: 'invalid_value' });
    expect(body.validation_errors[0].message).toMatch(new RegExp(`^${field} `));
    expect(body.validation_errors[0].message).toMatch(reason);
    // Nothing moved: the target keeps its zero balance.
    expect(await server.balance(account.id)).toBe('0.00');
  });
});
