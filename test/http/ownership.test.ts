// Ownership through HTTP on SQLite and PostgreSQL: two accounts, A owning the resources and B trying
// them, over every owned resource that exists today and every verb on its path. B must cross nothing,
// and each of A's resources must look to B EXACTLY like one that does not exist: same status, same
// body (after the id echoed in the message is replaced), same headers (content-type; no X-Task-ID or
// X-Billing-Transaction-ID leaked). The same holds the other way round for B's resources.
//
// Owned resources today:
//   - tasks (pending: `midjourney` on a demo channel whose tasks take a minute; completed: `gpt-image-2`
//     inline, and `gpt-image-2` with async:true): GET /v1/tasks/{id}, /v1/images/{id},
//     /v1/images/generations/{id}, DELETE /v1/tasks/{id};
//   - files: GET /v1/files/{id}, GET /v1/files/{id}/content, DELETE /v1/files/{id}, the listing
//     GET /v1/files (and its `after` cursor), and a create naming the file in images[].file_id or mask;
//   - usage: GET /v1/usage counts the caller's account only (whatever key_id or group_by says);
//   - image media: GET /media/{key} is public by design (keys are 32 random base62 characters), so
//     the only assertion is that nothing B is shown carries one of A's keys.
// Webhook deliveries (GET /v1/webhooks/deliveries, their replay) have the same matrix in
// test/webhooks/ownership.test.ts. Not yet in Easel — add it here when it lands: task events
// (GET /v1/tasks/{id}/events).
// Admin routes are not owned resources but must not answer an API key at all: 401 for every one.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBase62 } from '../../src/util/ids.ts';
import { DIALECTS } from '../helpers/databases.ts';
import { pollTask } from '../helpers/poll.ts';
import { tinyPng } from '../helpers/png.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const VERBS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Verb = (typeof VERBS)[number];

/** Headers that differ between any two answers whatever they are about. */
const VOLATILE_HEADERS = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);
const LEAKY_HEADERS = ['x-task-id', 'x-billing-transaction-id'];
const BLOB_KEY = /[0-9A-Za-z]{32}\.(?:png|jpe?g|webp)/g;

interface Seen {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type Account = { id: string; key: string; keyId: string };

const unknownTaskId = () => `ldtask_${randomBytes(16).toString('hex')}`;
const unknownFileId = () => `file-${randomBase62(24)}`;

describe.each(DIALECTS)('ownership across accounts on %s', (dialect) => {
  let server: TestServer;
  let a: Account;
  let b: Account;
  /** Everything B (or A, probing B's) was answered, for the final leak scan. */
  const views: Array<{ who: 'A' | 'B'; what: string; text: string }> = [];
  let probes = 0;

  /** One request as the given key sees it: status, headers without the volatile ones, raw body. */
  const see = async (key: string, method: Verb, path: string, init: { json?: unknown; headers?: Record<string, string> } = {}): Promise<Seen> => {
    const res = await server.call(path, { method, key, json: init.json, headers: init.headers });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      if (!VOLATILE_HEADERS.has(name)) headers[name] = value;
    });
    return { status: res.status, headers, body: method === 'HEAD' ? '' : Buffer.from(await res.arrayBuffer()).toString('utf8') };
  };

  /** The answer with the probed id replaced, so an echo of it in the message compares equal. */
  const masked = (seen: Seen, id: string): Seen => {
    const swap = (s: string) => s.split(id).join('<id>');
    return { status: seen.status, headers: Object.fromEntries(Object.entries(seen.headers).map(([k, v]) => [k, swap(v)])), body: swap(seen.body) };
  };

  /**
   * `intruder` sends `method path(id)` for the owner's `id` and for an `unknown` id of the same shape:
   * the two answers must be the same once the ids are masked, and carry none of the leaky headers.
   */
  const expectLooksMissing = async (intruder: Account, who: 'A' | 'B', method: Verb, path: (id: string) => string, id: string, unknown: string, init: { json?: (id: string) => unknown; headers?: Record<string, string> } = {}) => {
    const theirs = masked(await see(intruder.key, method, path(id), { json: init.json?.(id), headers: init.headers }), id);
    const missing = masked(await see(intruder.key, method, path(unknown), { json: init.json?.(unknown), headers: init.headers }), unknown);
    probes++;
    const label = `${who}: ${method} ${path('<id>')}${init.json ? ` ${JSON.stringify(init.json('<id>'))}` : ''}`;
    expect(theirs, label).toEqual(missing);
    expect(theirs.status, label).toBeGreaterThanOrEqual(400);
    for (const h of LEAKY_HEADERS) expect(theirs.headers[h], `${label}: ${h}`).toBeUndefined();
    views.push({ who, what: label, text: JSON.stringify(theirs) });
    return theirs;
  };

  const createAs = async (account: Account, json: Record<string, unknown>, endpoint = '/v1/images/generations') => {
    const res = await server.call(endpoint, { method: 'POST', key: account.key, json });
    return { res, body: await res.json() };
  };

  const upload = async (account: Account, name: string, bytes: Buffer, model = 'gpt-image-2') => {
    const f = new FormData();
    f.append('purpose', 'vision');
    f.append('model', model);
    f.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), name);
    const res = await server.call('/v1/files', { method: 'POST', key: account.key, body: f });
    expect(res.status).toBe(200);
    return (await res.json()) as { id: string };
  };

  /** The task a synchronous (inline) create made: its id is never returned, but it is a task all the same. */
  const inlineTaskId = async (res: Response) => {
    const requestId = res.headers.get('x-request-id');
    const row = await server.db.kysely.selectFrom('tasks').select('id').where('request_id', '=', requestId!).executeTakeFirstOrThrow();
    return row.id;
  };

  const reservationsOf = async (accountId: string) =>
    Number((await server.db.kysely.selectFrom('reservations').select((eb) => eb.fn.countAll().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow()).n);

  // A's resources (and B's own, so B's views are not trivially empty).
  const tasks: Record<'pending' | 'completedInline' | 'completedAsync', string> = { pending: '', completedInline: '', completedAsync: '' };
  let bTask = '';
  let aFile = '';
  let aFileBytes: Buffer;
  let bFile = '';

  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      config: { channels: [{ id: 'demo', provider: 'demo', models: ['gpt-image-2', 'midjourney', 'dall-e-2'], options: { task_ms: 60_000 } }] },
    });
    a = await server.newAccount('20');
    b = await server.newAccount('20');

    const pending = await createAs(a, { model: 'midjourney', prompt: 'a castle that takes a minute' });
    expect(pending.body.status).toBe('pending');
    tasks.pending = pending.body.id;

    const inline = await createAs(a, { model: 'gpt-image-2', prompt: 'a fox', size: '1024x1024' });
    expect(inline.res.status).toBe(200);
    expect(inline.body.data[0].url).toMatch(/\/media\//);
    tasks.completedInline = await inlineTaskId(inline.res);

    const async = await createAs(a, { model: 'gpt-image-2', prompt: 'an async fox', size: '1024x1024', async: true });
    tasks.completedAsync = async.body.id;
    expect((await pollTask(server, async.body.poll_url, { key: a.key })).body.status).toBe('completed');

    aFileBytes = await tinyPng(8, 8);
    aFile = (await upload(a, 'a-private.png', aFileBytes)).id;
    // A uses its file once: the edit's inputs and outputs become A's blobs too.
    const edit = await createAs(a, { model: 'gpt-image-2', prompt: 'a hat', images: [{ file_id: aFile }] }, '/v1/images/edits');
    expect(edit.res.status).toBe(200);

    bFile = (await upload(b, 'b-own.png', await tinyPng(8, 8))).id;
    const bInline = await createAs(b, { model: 'gpt-image-2', prompt: 'b fox', size: '1024x1024' });
    expect(bInline.res.status).toBe(200);
    bTask = await inlineTaskId(bInline.res);
  });
  afterAll(() => server?.close());

  describe('tasks', () => {
    const statusPaths = [(id: string) => `/v1/tasks/${id}`, (id: string) => `/v1/images/${id}`, (id: string) => `/v1/images/generations/${id}`];
    const allPaths = statusPaths;

    it('the owner sees each task on every status route, and DELETE answers it unsupported_task_cancel', async () => {
      for (const [state, id] of Object.entries(tasks)) {
        for (const path of statusPaths) {
          const res = await see(a.key, 'GET', path(id));
          expect(res.status, `${state} ${path(id)}`).toBe(200);
          const body = JSON.parse(res.body);
          expect(body.id).toBe(id);
          expect(res.headers['x-task-id']).toBe(id);
          expect(['pending', 'processing'].includes(body.status)).toBe(state === 'pending');
          if (state !== 'pending') expect(body.status).toBe('completed');
        }
        const del = await see(a.key, 'DELETE', `/v1/tasks/${id}`);
        expect([del.status, JSON.parse(del.body).error.code]).toEqual([400, 'unsupported_task_cancel']);
      }
    });

    it('another account sees each of them, pending or completed, exactly as an unknown task, on every route and verb', async () => {
      for (const [state, id] of Object.entries(tasks)) {
        for (const path of allPaths) {
          for (const verb of VERBS) {
            await expectLooksMissing(b, 'B', verb, path, id, unknownTaskId());
            // Ids are matched case-insensitively for the owner; not a way round for anyone else.
            await expectLooksMissing(b, 'B', verb, path, id.toUpperCase().replace('LDTASK_', 'ldtask_'), unknownTaskId().toUpperCase().replace('LDTASK_', 'ldtask_'));
          }
        }
        const seen = await see(b.key, 'GET', `/v1/tasks/${id}`);
        expect([seen.status, JSON.parse(seen.body).error.code], state).toEqual([404, 'async_task_not_found']);
      }
    });

    it('and the other way round: B’s task is unknown to A', async () => {
      expect((await see(b.key, 'GET', `/v1/tasks/${bTask}`)).status).toBe(200);
      for (const path of allPaths) for (const verb of VERBS) await expectLooksMissing(a, 'A', verb, path, bTask, unknownTaskId());
    });

    it('left every task as it was: the pending one still running, all still A’s', async () => {
      for (const [state, id] of Object.entries(tasks)) {
        const body = JSON.parse((await see(a.key, 'GET', `/v1/tasks/${id}`)).body);
        expect(body.status === 'completed', state).toBe(state !== 'pending');
      }
    });
  });

  describe('files', () => {
    const filePaths = [(id: string) => `/v1/files/${id}`, (id: string) => `/v1/files/${id}/content`];

    it('another account sees A’s file and its content exactly as an unknown file, on every verb', async () => {
      for (const path of filePaths) for (const verb of VERBS) await expectLooksMissing(b, 'B', verb, path, aFile, unknownFileId());
      const seen = await see(b.key, 'GET', `/v1/files/${aFile}`);
      expect([seen.status, JSON.parse(seen.body).error.code]).toEqual([404, 'file_not_found']);
      // B's DELETE (in the matrix above) removed nothing: A still has the file and its bytes.
      const meta = await see(a.key, 'GET', `/v1/files/${aFile}`);
      expect(meta.status).toBe(200);
      const content = await server.call(`/v1/files/${aFile}/content`, { key: a.key });
      expect(content.status).toBe(200);
      expect(Buffer.from(await content.arrayBuffer()).equals(aFileBytes)).toBe(true);
    });

    it('and the other way round: B’s file is unknown to A', async () => {
      for (const path of filePaths) for (const verb of VERBS) await expectLooksMissing(a, 'A', verb, path, bFile, unknownFileId());
      expect((await see(b.key, 'GET', `/v1/files/${bFile}`)).status).toBe(200);
    });

    it('lists only the caller’s files, and A’s id is no cursor for B', async () => {
      for (const query of ['', '?purpose=vision', '?limit=1000', '?limit=1']) {
        const seen = await see(b.key, 'GET', `/v1/files${query}`);
        expect(seen.status).toBe(200);
        const list = JSON.parse(seen.body);
        expect(list.data.map((f: { id: string }) => f.id)).toEqual([bFile]);
        views.push({ who: 'B', what: `GET /v1/files${query}`, text: seen.body });
      }
      const mine = JSON.parse((await see(a.key, 'GET', '/v1/files')).body);
      expect(mine.data.map((f: { id: string }) => f.id)).toEqual([aFile]);
      expect((await see(a.key, 'GET', `/v1/files?after=${aFile}`)).status).toBe(200);
      await expectLooksMissing(b, 'B', 'GET', (id) => `/v1/files?after=${id}`, aFile, unknownFileId());
    });

    it('a create naming A’s file_id fails for B as if the id were unknown, and holds no money', async () => {
      const reservedBefore = await reservationsOf(b.id);
      const balanceBefore = await server.balance(b.id);
      const edits = '/v1/images/edits';
      const creates: Array<{ endpoint: string; json: (id: string) => unknown; headers?: Record<string, string> }> = [
        { endpoint: edits, json: (id) => ({ model: 'gpt-image-2', prompt: 'steal', images: [{ file_id: id }] }) },
        { endpoint: edits, json: (id) => ({ model: 'gpt-image-2', prompt: 'steal', images: [{ file_id: id }] }), headers: { 'x-easel-dry-run': '1' } },
        { endpoint: edits, json: (id) => ({ model: 'gpt-image-2', prompt: 'steal', images: [{ file_id: bFile }, { file_id: id }] }) },
        { endpoint: edits, json: (id) => ({ model: 'gpt-image-2', prompt: 'steal', images: [{ file_id: bFile }], mask: { file_id: id } }) },
        { endpoint: edits, json: (id) => ({ model: 'gpt-image-2', prompt: 'steal', images: [{ file_id: bFile }], mask: { file_id: id } }), headers: { 'x-easel-dry-run': '1' } },
        // A's file was uploaded for gpt-image-2: its owner hears file_model_mismatch, B only file_not_found.
        { endpoint: edits, json: (id) => ({ model: 'dall-e-2', prompt: 'steal', images: [{ file_id: id }] }) },
        { endpoint: '/v1/images/generations', json: (id) => ({ model: 'gpt-image-2', prompt: 'steal', images: [{ file_id: id }] }) },
      ];
      for (const c of creates) {
        const seen = await expectLooksMissing(b, 'B', 'POST', () => c.endpoint, aFile, unknownFileId(), { json: c.json, headers: c.headers });
        expect(seen.status).toBe(400);
        if (c.endpoint === edits) expect(JSON.parse(seen.body).error.code).toBe('file_not_found');
      }
      const owner = await see(a.key, 'POST', edits, { json: { model: 'dall-e-2', prompt: 'mine', images: [{ file_id: aFile }] } });
      expect([owner.status, JSON.parse(owner.body).error.code]).toEqual([400, 'file_model_mismatch']);
      const ownerDry = await see(a.key, 'POST', edits, { json: creates[1].json(aFile), headers: { 'x-easel-dry-run': '1' } });
      expect(ownerDry.status).toBe(200);

      expect(await reservationsOf(b.id)).toBe(reservedBefore);
      expect(await server.balance(b.id)).toBe(balanceBefore);
    });
  });

  describe('usage', () => {
    it('counts only the caller’s account, whatever the query names', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const mineA = JSON.parse((await see(a.key, 'GET', '/v1/usage')).body);
      const requestsOf = (report: { data: Array<{ requests: number }> }) => report.data.reduce((n, r) => n + r.requests, 0);
      expect(requestsOf(mineA)).toBe(await reservationsOf(a.id));
      expect(requestsOf(mineA)).toBeGreaterThanOrEqual(4);

      const admin = async (path: string) => (await server.call(path, { key: server.adminToken })).json();
      const bReservations = await reservationsOf(b.id);
      expect(bReservations).toBe(1);
      for (const query of ['', '?group_by=model', '?group_by=key', `?start_date=${today}&end_date=${today}`, `?key_id=${a.keyId}`, `?key_id=${a.keyId}&group_by=key`]) {
        const seen = await see(b.key, 'GET', `/v1/usage${query}`);
        expect(seen.status, query).toBe(200);
        const report = JSON.parse(seen.body);
        expect(requestsOf(report), query).toBe(bReservations);
        const groupBy = query.includes('group_by=key') ? 'key' : 'model';
        expect(report.data, query).toEqual((await admin(`/admin/v1/accounts/${b.id}/usage?group_by=${groupBy}${query.includes('start_date') ? `&start_date=${today}&end_date=${today}` : ''}`)).data);
        if (groupBy === 'key') expect(report.data.map((r: { group: string }) => r.group)).toEqual([b.keyId]);
        views.push({ who: 'B', what: `GET /v1/usage${query}`, text: seen.body });
      }
    });
  });

  describe('admin routes', () => {
    it('answer every API key 401 invalid_admin_token, and do nothing', async () => {
      const accountsBefore = Number((await server.db.kysely.selectFrom('accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const balanceA = await server.balance(a.id);
      const routes: Array<[Verb, string, unknown?]> = [
        ['POST', '/admin/v1/accounts', { name: 'mine now', credit_usd: '1000' }],
        ['GET', `/admin/v1/accounts/${a.id}`],
        ['POST', `/admin/v1/accounts/${a.id}/credit`, { amount_usd: '1000' }],
        ['POST', `/admin/v1/accounts/${a.id}/keys`, { name: 'stolen' }],
        ['GET', `/admin/v1/tasks/${tasks.completedInline}`],
        ['DELETE', `/admin/v1/keys/${a.keyId}`],
        ['GET', '/admin/v1/usage'],
        ['GET', `/admin/v1/accounts/${a.id}/usage`],
        ['GET', '/admin/v1/ledger'],
        ['GET', `/admin/v1/accounts/${a.id}/ledger`],
        ['GET', `/admin/v1/accounts/${a.id}/ledger?format=csv`],
        ['GET', '/metrics'],
      ];
      for (const account of [a, b, { id: '', keyId: '', key: server.apiKey }]) {
        for (const [verb, path, json] of routes) {
          const seen = await see(account.key, verb, path, { json });
          probes++;
          expect([seen.status, JSON.parse(seen.body).error.code], `${verb} ${path}`).toEqual([401, 'invalid_admin_token']);
          if (account === b) views.push({ who: 'B', what: `${verb} ${path}`, text: JSON.stringify(seen) });
        }
      }
      const accountsAfter = Number((await server.db.kysely.selectFrom('accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      expect(accountsAfter).toBe(accountsBefore);
      expect(await server.balance(a.id)).toBe(balanceA);
      expect((await see(a.key, 'GET', '/v1/files')).status).toBe(200); // the key was not revoked
    });
  });

  it('showed B nothing of A’s: no task, file, key, account, billing or media id (checked last)', async () => {
    const db = server.db.kysely;
    const aTasks = await db.selectFrom('tasks').selectAll().where('account_id', '=', a.id).execute();
    const aFiles = await db.selectFrom('files').selectAll().where('account_id', '=', a.id).execute();
    const aLedger = await db.selectFrom('ledger_entries').selectAll().where('account_id', '=', a.id).execute();
    const aReservations = await db.selectFrom('reservations').selectAll().where('account_id', '=', a.id).execute();
    const blobKeys = new Set(JSON.stringify([aTasks, aFiles]).match(BLOB_KEY) ?? []);
    // A's outputs (3 completed creates) and inputs (its file, the edit's stored input) are all A's media.
    expect(blobKeys.size).toBeGreaterThanOrEqual(5);
    const secrets = new Set<string>([
      a.id,
      a.key,
      a.keyId,
      ...blobKeys,
      ...aTasks.flatMap((t) => [t.id, t.request_id, t.billing_transaction_id, t.reservation_id]),
      ...aFiles.map((f) => f.id),
      ...aLedger.map((e) => e.id),
      ...aReservations.map((r) => r.id),
    ].filter((s): s is string => typeof s === 'string' && s.length >= 8));
    const bViews = views.filter((v) => v.who === 'B');
    expect(bViews.length).toBeGreaterThan(100);
    const crossings: string[] = [];
    for (const view of bViews) for (const secret of secrets) if (view.text.includes(secret)) crossings.push(`${view.what} shows ${secret}`);
    expect(crossings).toEqual([]);
    expect(probes).toBeGreaterThan(0);
  });
});
