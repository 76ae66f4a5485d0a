// Idempotency-Key on creates, through HTTP against the OpenAI emulator: a retry with the same key and
// body gets the first answer (same images, same charge, no second upstream call) with
// Idempotent-Replayed; another body under the key is a 422; another account's same key is its own;
// after the window the key is new; uploads replay their file; a bad header is a 400 naming it.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IMAGE_ROUTE, OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { tinyPng } from '../helpers/png.ts';
import { pollTask } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const DAY_MS = 24 * 3_600_000;

const openai = createOpenaiEmulator();
let server: TestServer;

beforeAll(async () => {
  await openai.start();
  server = await startTestServer({
    config: {
      channels: [{ id: 'openai', provider: 'openai', base_url: `${openai.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['gpt-image-2', 'dall-e-2'] }],
      tasks: { worker_interval_ms: 50 },
    },
  });
});
afterAll(async () => {
  await server?.close();
  await openai.close();
});
beforeEach(() => openai.reset());

type Account = Awaited<ReturnType<TestServer['newAccount']>>;

function generate(account: Account, json: unknown, key?: string) {
  return server.call('/v1/images/generations', { method: 'POST', json, key: account.key, headers: key === undefined ? {} : { 'idempotency-key': key } });
}

const upstreamCreates = () => openai.requests.filter((r) => r.path.startsWith('/v1/images/') && !r.path.startsWith(IMAGE_ROUTE));

async function tasksOf(accountId: string) {
  return server.db.kysely.selectFrom('tasks').selectAll().where('account_id', '=', accountId).execute();
}

async function reservationsOf(accountId: string) {
  return server.db.kysely.selectFrom('reservations').select(['status', 'charged_micros']).where('account_id', '=', accountId).execute();
}

describe('a retry with the same key and body', () => {
  it('gets the same inline answer, marked replayed, with one upstream call and one charge', async () => {
    const account = await server.newAccount('5');
    const request = { model: 'gpt-image-2', prompt: 'a lighthouse at dusk', size: '1024x1024' };
    const first = await generate(account, request, 'gen-key-1');
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstBody = await first.json();
    expect(firstBody.data[0].url).toContain('/media/');
    const balanceAfterFirst = await server.balance(account.id);

    // Key order and layout are not the request: the same JSON in another order is the same request.
    const again = await generate(account, { size: '1024x1024', prompt: 'a lighthouse at dusk', model: 'gpt-image-2' }, 'gen-key-1');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('x-billing-transaction-id')).toBe(first.headers.get('x-billing-transaction-id'));
    expect(await again.json()).toEqual(firstBody);

    expect(upstreamCreates()).toHaveLength(1);
    expect(await tasksOf(account.id)).toHaveLength(1);
    expect(await reservationsOf(account.id)).toEqual([{ status: 'settled', charged_micros: expect.any(Number) }]);
    expect(await server.balance(account.id)).toBe(balanceAfterFirst);
    await server.assertLedger();
  });

  it('gets the same base64 images again: a keyed b64_json answer keeps its images to answer from', async () => {
    const account = await server.newAccount('5');
    const request = { model: 'gpt-image-2', prompt: 'a red kite', size: '1024x1024', response_format: 'b64_json' };
    const first = await (await generate(account, request, '"quoted-key-1"')).json();
    expect(first.data[0].b64_json.length).toBeGreaterThan(100);
    expect(first.data[0]).not.toHaveProperty('url');
    // The bare spelling of a quoted key is the same key.
    const again = await generate(account, request, 'quoted-key-1');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(first);
    expect(upstreamCreates()).toHaveLength(1);
  });

  it('gets the same task for an async create, and the task completes once', async () => {
    const account = await server.newAccount('5');
    const request = { model: 'gpt-image-2', prompt: 'a tide pool', size: '1024x1024', async: true };
    const first = await (await generate(account, request, 'async-key-1')).json();
    expect(first.status).toBe('pending');
    const again = await generate(account, request, 'async-key-1');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('x-task-id')).toBe(first.task_id);
    expect(await again.json()).toEqual(first);
    const done = await pollTask(server, first.poll_url, { key: account.key });
    expect(done.body.status).toBe('completed');
    expect(upstreamCreates()).toHaveLength(1);
    expect(await tasksOf(account.id)).toHaveLength(1);
  });

  it('gets the same failure: the upstream refused, nothing was charged, and it is not asked again', async () => {
    const account = await server.newAccount('5');
    openai.inject({ kind: 'behaviour', name: 'moderate' });
    const request = { model: 'gpt-image-2', prompt: 'something refused', size: '1024x1024' };
    const first = await generate(account, request, 'refused-key-1');
    const firstBody = await first.json();
    expect(first.status).toBe(400);
    expect(firstBody.error.code).toBe('content_policy_violation');
    const again = await generate(account, request, 'refused-key-1');
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await again.json()).error).toMatchObject({ code: 'content_policy_violation', message: firstBody.error.message });
    expect(upstreamCreates()).toHaveLength(1);
    expect(await reservationsOf(account.id)).toEqual([{ status: 'released', charged_micros: 0 }]);
    expect(await server.balance(account.id)).toBe('5.00');
  });

  it('tries again after a failure a retry may mend (the upstream failed; nothing was charged), then replays the success', async () => {
    const account = await server.newAccount('5');
    openai.inject({ kind: 'status', status: 500 }, 10, /^\/v1\/images\/generations$/);
    const request = { model: 'gpt-image-2', prompt: 'the upstream is down', size: '1024x1024' };
    const failed = await generate(account, request, 'mended-key-1');
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect((await failed.json()).error.retryable).toBe(true);
    openai.clearFaults();
    const calledBefore = upstreamCreates().length;

    const retried = await generate(account, request, 'mended-key-1');
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(upstreamCreates()).toHaveLength(calledBefore + 1);
    const replayed = await generate(account, request, 'mended-key-1');
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.headers.get('x-billing-transaction-id')).toBe(retried.headers.get('x-billing-transaction-id'));
    expect(upstreamCreates()).toHaveLength(calledBefore + 1);
    expect((await reservationsOf(account.id)).map((r) => r.status).sort()).toEqual(['released', 'settled']);
  });

  it('is a new request once the key was refused before anything was created (402: nothing to replay)', async () => {
    const account = await server.newAccount('0');
    const request = { model: 'gpt-image-2', prompt: 'no money yet', size: '1024x1024' };
    expect((await generate(account, request, 'broke-key-1')).status).toBe(402);
    await server.call(`/admin/v1/accounts/${account.id}/credit`, { method: 'POST', key: server.adminToken, json: { amount_usd: '5' } });
    const paid = await generate(account, request, 'broke-key-1');
    expect(paid.status).toBe(200);
    expect(paid.headers.get('idempotent-replayed')).toBeNull();
    expect(upstreamCreates()).toHaveLength(1);
  });
});

describe('the same key with something else', () => {
  it('is a 422 idempotency_key_reused for another body or another endpoint, and nothing is created', async () => {
    const account = await server.newAccount('5');
    await generate(account, { model: 'gpt-image-2', prompt: 'first use', size: '1024x1024' }, 'reused-key-1');
    const other = await generate(account, { model: 'gpt-image-2', prompt: 'second use', size: '1024x1024' }, 'reused-key-1');
    expect(other.status).toBe(422);
    expect((await other.json()).error).toMatchObject({ code: 'idempotency_key_reused', type: 'invalid_request_error', param: 'Idempotency-Key' });

    const form = new FormData();
    form.append('model', 'dall-e-2');
    form.append('image', new Blob([new Uint8Array(await tinyPng(64, 64))], { type: 'image/png' }), 'source.png');
    const variation = await server.call('/v1/images/variations', { method: 'POST', body: form, key: account.key, headers: { 'idempotency-key': 'reused-key-1' } });
    expect(variation.status).toBe(422);

    expect(upstreamCreates()).toHaveLength(1);
    expect(await tasksOf(account.id)).toHaveLength(1);
  });

  it('from another account is that account’s own key', async () => {
    const [alice, bob] = [await server.newAccount('5'), await server.newAccount('5')];
    const request = { model: 'gpt-image-2', prompt: 'shared key string', size: '1024x1024' };
    const a = await generate(alice, request, 'everyone-uses-this');
    const b = await generate(bob, request, 'everyone-uses-this');
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.headers.get('x-billing-transaction-id')).not.toBe(a.headers.get('x-billing-transaction-id'));
    // Bob may even use it for another request: it is not Alice's key.
    expect((await generate(bob, { ...request, prompt: 'something else' }, 'everyone-uses-this')).status).toBe(422);
    expect((await generate(alice, request, 'everyone-uses-this')).headers.get('idempotent-replayed')).toBe('true');
    expect(upstreamCreates()).toHaveLength(2);
  });

  it('is a new key once its 24 h window is over', async () => {
    const account = await server.newAccount('5');
    const request = { model: 'gpt-image-2', prompt: 'yesterday', size: '1024x1024' };
    const first = await generate(account, request, 'day-old-key');
    const row = await server.db.kysely.selectFrom('idempotency_keys').selectAll().where('account_id', '=', account.id).executeTakeFirstOrThrow();
    expect(row.expires_at - row.created_at).toBe(DAY_MS);
    expect(row).toMatchObject({ key: 'day-old-key', endpoint: '/v1/images/generations', file_id: null });

    // 24 h later, as the clock would have it.
    await server.db.kysely.updateTable('idempotency_keys').set({ created_at: row.created_at - DAY_MS, expires_at: Date.now() - 1 }).where('account_id', '=', account.id).execute();
    const later = await generate(account, request, 'day-old-key');
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.headers.get('x-billing-transaction-id')).not.toBe(first.headers.get('x-billing-transaction-id'));
    expect(upstreamCreates()).toHaveLength(2);
    // And now it answers with the new create; the old row is gone.
    expect((await generate(account, request, 'day-old-key')).headers.get('x-billing-transaction-id')).toBe(later.headers.get('x-billing-transaction-id'));
    expect(await server.db.kysely.selectFrom('idempotency_keys').select('task_id').where('account_id', '=', account.id).execute()).toHaveLength(1);
  });

  it('is swept with the task retention sweep once expired', async () => {
    const account = await server.newAccount('5');
    await generate(account, { model: 'gpt-image-2', prompt: 'swept', size: '1024x1024' }, 'swept-key');
    const live = await generate(account, { model: 'gpt-image-2', prompt: 'kept', size: '1024x1024' }, 'kept-key');
    expect(live.status).toBe(200);
    await server.db.kysely.updateTable('idempotency_keys').set({ expires_at: Date.now() - 1 }).where('account_id', '=', account.id).where('key', '=', 'swept-key').execute();
    await server.engine.sweep();
    const keys = await server.db.kysely.selectFrom('idempotency_keys').select('key').where('account_id', '=', account.id).execute();
    expect(keys).toEqual([{ key: 'kept-key' }]);
  });
});

describe('the header itself', () => {
  it('answers an over-long or malformed key with a 400 naming the header, before anything is created', async () => {
    const account = await server.newAccount('5');
    const request = { model: 'gpt-image-2', prompt: 'bad key', size: '1024x1024' };
    for (const key of ['k'.repeat(256), '"unterminated', 'two, keys', '""']) {
      const res = await generate(account, request, key);
      expect(res.status, key).toBe(400);
      const body = await res.json();
      expect(body.error).toMatchObject({ code: 'invalid_value', param: 'Idempotency-Key' });
      expect(body.error.message).toContain('Idempotency-Key');
    }
    expect(upstreamCreates()).toHaveLength(0);
    expect(await tasksOf(account.id)).toHaveLength(0);
  });

  it('changes nothing on a dry run: quoted again, nothing recorded', async () => {
    const account = await server.newAccount('5');
    const request = { model: 'gpt-image-2', prompt: 'just a quote', size: '1024x1024' };
    const dry = await server.call('/v1/images/generations', { method: 'POST', json: request, key: account.key, headers: { 'idempotency-key': 'dry-key', 'x-easel-dry-run': '1' } });
    expect((await dry.json()).object).toBe('image.dry_run');
    const real = await generate(account, request, 'dry-key');
    expect(real.status).toBe(200);
    expect(real.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('file uploads', () => {
  const upload = async (account: Account, bytes: Buffer, key: string) => {
    const form = new FormData();
    form.append('purpose', 'user_data');
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'source.png');
    return server.call('/v1/files', { method: 'POST', body: form, key: account.key, headers: { 'idempotency-key': key } });
  };

  it('replay the same file id; other bytes under the key are a 422', async () => {
    const account = await server.newAccount('5');
    const png = await tinyPng(32, 32);
    const first = await upload(account, png, 'upload-key-1');
    expect(first.status).toBe(200);
    const file = await first.json();
    const again = await upload(account, png, 'upload-key-1');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(file);
    const list = await (await server.call('/v1/files', { key: account.key })).json();
    expect(list.data.map((f: { id: string }) => f.id)).toEqual([file.id]);

    const other = await upload(account, await tinyPng(33, 32), 'upload-key-1');
    expect(other.status).toBe(422);
    expect((await other.json()).error.code).toBe('idempotency_key_reused');
    // An upload's key is not an image create's: the same key on a generation is another request.
    expect((await generate(account, { model: 'gpt-image-2', prompt: 'x', size: '1024x1024' }, 'upload-key-1')).status).toBe(422);
  });
});
