// /v1/files through HTTP on SQLite and PostgreSQL: upload, list, get, content, delete; ownership
// across accounts; the type decided by the bytes; the size limits at their edges.

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../../src/api/files.ts';
import { MAX_MULTIPART_FIELD_BYTES } from '../../src/http/multipart.ts';
import { DIALECTS } from '../helpers/databases.ts';
import { pngOfSize, tinyPng } from '../helpers/png.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const MULTIPART_LIMIT = 256 * 1024;

function form(fields: Record<string, string>, file?: { bytes: Buffer; name: string; type?: string; field?: string }): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  if (file) f.append(file.field ?? 'file', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name);
  return f;
}

describe.each(DIALECTS)('/v1/files on %s', (dialect) => {
  let server: TestServer;
  let otherKey: string;
  let png: Buffer;

  const upload = (body: FormData, key?: string) => server.call('/v1/files', { method: 'POST', body, key });
  const uploadPng = async (name = 'cat.png', key?: string) => {
    const res = await upload(form({ purpose: 'vision' }, { bytes: png, name, type: 'image/png' }), key);
    expect(res.status).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    server = await startTestServer({ dialect, config: { limits: { multipart_body_bytes: MULTIPART_LIMIT } } });
    png = await tinyPng(7, 5);
    const admin = (path: string, json: unknown) => server.call(path, { method: 'POST', json, key: server.adminToken });
    const account = await (await admin('/admin/v1/accounts', { name: 'other' })).json();
    otherKey = (await (await admin(`/admin/v1/accounts/${account.id}/keys`, { name: 'other' })).json()).key;
  });
  afterAll(() => server.close());

  it('uploads an image and answers a FileObject', async () => {
    const before = Math.floor(Date.now() / 1000);
    const file = await uploadPng('cat.png');
    expect(file).toEqual({
      id: expect.stringMatching(/^file-[0-9A-Za-z]{24}$/),
      object: 'file',
      bytes: png.length,
      created_at: expect.any(Number),
      filename: 'cat.png',
      purpose: 'vision',
      status: 'processed',
      expires_at: null,
    });
    expect(file.created_at).toBeGreaterThanOrEqual(before);
    const row = await server.db.kysely.selectFrom('files').selectAll().where('id', '=', file.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ model: 'gpt-image-2', mime: 'image/png', width: 7, height: 5, deleted_at: null });
  });

  it('gets the file and its content', async () => {
    const file = await uploadPng('dog.png');
    const got = await server.call(`/v1/files/${file.id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(file);
    const content = await server.call(`/v1/files/${file.id}/content`);
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(content.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await content.arrayBuffer()).equals(png)).toBe(true);
  });

  it('lists the account’s files newest first, with paging', async () => {
    const a = await uploadPng('a.png');
    const b = await uploadPng('b.png');
    const all = await (await server.call('/v1/files')).json();
    expect(all).toMatchObject({ object: 'list', has_more: false });
    const ids = all.data.map((f: { id: string }) => f.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    expect(all.first_id).toBe(ids[0]);
    expect(all.last_id).toBe(ids.at(-1));

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await (await server.call(`/v1/files?limit=1${after ? `&after=${after}` : ''}`)).json();
      expect(page.data.length).toBeLessThanOrEqual(1);
      seen.push(...page.data.map((f: { id: string }) => f.id));
      if (!page.has_more) break;
      after = page.last_id;
    }
    expect(seen).toEqual(ids);

    expect((await (await server.call('/v1/files?purpose=user_data')).json()).data).toEqual([]);
    expect((await server.call('/v1/files?limit=1000')).status).toBe(200);
    for (const bad of ['limit=0', 'limit=1001', 'limit=x', 'purpose=nope', 'after=file-unknown']) {
      const res = await server.call(`/v1/files?${bad}`);
      expect(res.status).toBe(400);
    }
  });

  it('deletes a file: gone from get, content and list, its blob removed', async () => {
    const file = await uploadPng('gone.png');
    const { blob_key } = await server.db.kysely.selectFrom('files').select('blob_key').where('id', '=', file.id).executeTakeFirstOrThrow();
    const res = await server.call(`/v1/files/${file.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: file.id, object: 'file', deleted: true });
    for (const path of [`/v1/files/${file.id}`, `/v1/files/${file.id}/content`]) {
      const r = await server.call(path);
      expect(r.status).toBe(404);
      expect((await r.json()).error.code).toBe('file_not_found');
    }
    expect((await server.call(`/v1/files/${file.id}`, { method: 'DELETE' })).status).toBe(404);
    const list = await (await server.call('/v1/files')).json();
    expect(list.data.map((f: { id: string }) => f.id)).not.toContain(file.id);
    expect(await server.blobs.get(blob_key)).toBeUndefined();
  });

  it('keeps files to their account: another account sees 404, exactly like an unknown id', async () => {
    const file = await uploadPng('private.png');
    const unknown = await server.call('/v1/files/file-doesnotexist000000000000');
    const unknownBody = await unknown.json();
    for (const [path, method] of [
      [`/v1/files/${file.id}`, 'GET'],
      [`/v1/files/${file.id}/content`, 'GET'],
      [`/v1/files/${file.id}`, 'DELETE'],
    ] as const) {
      const res = await server.call(path, { method, key: otherKey });
      expect(res.status).toBe(404);
      const body = await res.json();
      expect(body.error.code).toBe(unknownBody.error.code);
      expect(body.error.type).toBe(unknownBody.error.type);
    }
    expect((await (await server.call('/v1/files', { key: otherKey })).json()).data).toEqual([]);
    // Still there for its owner.
    expect((await server.call(`/v1/files/${file.id}`)).status).toBe(200);
    // And the other account's own uploads are its own.
    const theirs = await uploadPng('theirs.png', otherKey);
    expect((await server.call(`/v1/files/${theirs.id}`)).status).toBe(404);
    expect((await server.call(`/v1/files/${theirs.id}`, { key: otherKey })).status).toBe(200);
  });

  it('decides the type from the bytes: a PNG named .txt is accepted, text named .png is refused', async () => {
    const res = await upload(form({ purpose: 'user_data' }, { bytes: png, name: 'notes.txt', type: 'text/plain' }));
    expect(res.status).toBe(200);
    const file = await res.json();
    expect(file.filename).toBe('notes.txt');
    const content = await server.call(`/v1/files/${file.id}/content`);
    expect(content.headers.get('content-type')).toBe('image/png');

    const text = await upload(form({ purpose: 'vision' }, { bytes: Buffer.from('definitely not a picture'), name: 'photo.png', type: 'image/png' }));
    expect(text.status).toBe(400);
    expect((await text.json()).error).toMatchObject({ code: 'unsupported_image_type', param: 'file' });

    const gif = await upload(form({ purpose: 'vision' }, { bytes: Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), name: 'a.gif', type: 'image/gif' }));
    expect(gif.status).toBe(400);
  });

  it('accepts JPEG and WebP too, with the right content type back', async () => {
    for (const [format, mime] of [['jpeg', 'image/jpeg'], ['webp', 'image/webp']] as const) {
      const bytes = await sharp({ create: { width: 9, height: 4, channels: 3, background: '#123' } })[format]().toBuffer();
      const res = await upload(form({ purpose: 'vision', model: 'gpt-image-2' }, { bytes, name: `x.${format}` }));
      expect(res.status).toBe(200);
      const file = await res.json();
      expect((await server.call(`/v1/files/${file.id}/content`)).headers.get('content-type')).toBe(mime);
    }
  });

  it('validates purpose, file and model', async () => {
    const cases: Array<[FormData, number, string, string | null]> = [
      [form({}, { bytes: png, name: 'a.png' }), 400, 'missing_required_parameter', 'purpose'],
      [form({ purpose: 'fun' }, { bytes: png, name: 'a.png' }), 400, 'invalid_value', 'purpose'],
      [form({ purpose: 'batch' }, { bytes: png, name: 'a.png' }), 400, 'unsupported_purpose', 'purpose'],
      [form({ purpose: 'vision' }), 400, 'missing_required_parameter', 'file'],
      [form({ purpose: 'vision' }, { bytes: png, name: 'a.png', field: 'image' }), 400, 'unsupported_parameter', 'image'],
      [form({ purpose: 'vision', model: 'gpt-image-3' }, { bytes: png, name: 'a.png' }), 400, 'model_not_found', 'model'],
    ];
    for (const [body, status, code, param] of cases) {
      const res = await upload(body);
      expect(res.status).toBe(status);
      const err = (await res.json()).error;
      expect([err.code, err.param]).toEqual([code, param]);
    }
    const two = form({ purpose: 'vision' }, { bytes: png, name: 'a.png' });
    two.append('file', new Blob([new Uint8Array(png)]), 'b.png');
    const res = await upload(two);
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('too_many_files');
  });

  it('is described in /openapi.json', async () => {
    const doc = await (await server.call('/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/files', '/v1/files/{file_id}', '/v1/files/{file_id}/content']));
    expect(doc.paths['/v1/files'].post.requestBody.content['multipart/form-data']).toBeDefined();
    for (const name of ['FileObject', 'FileListResponse', 'FileDeletedObject', 'FileUploadRequest']) expect(doc.components.schemas[name]).toBeDefined();
  });

  it('refuses JSON with 415 and a missing key with 401', async () => {
    const json = await server.call('/v1/files', { method: 'POST', json: { purpose: 'vision' } });
    expect(json.status).toBe(415);
    const noKey = await upload(form({ purpose: 'vision' }, { bytes: png, name: 'a.png' }), null as unknown as string);
    expect(noKey.status).toBe(401);
  });

  it('refuses a body over limits.multipart_body_bytes with 413 payload_too_large', async () => {
    const ok = await upload(form({ purpose: 'vision' }, { bytes: await pngOfSize(MULTIPART_LIMIT - 4096), name: 'fits.png' }));
    expect(ok.status).toBe(200);
    const res = await upload(form({ purpose: 'vision' }, { bytes: await pngOfSize(MULTIPART_LIMIT + 1), name: 'big.png' }));
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatchObject({ code: 'payload_too_large', type: 'invalid_request_error' });
  });

  it('counts a body sent without Content-Length (chunked) against the limit too', async () => {
    const boundary = 'easelboundary42';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nvision\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const payload = Buffer.concat([head, await pngOfSize(MULTIPART_LIMIT * 2), tail]);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < payload.length; at += 16 * 1024) controller.enqueue(new Uint8Array(payload.subarray(at, at + 16 * 1024)));
        controller.close();
      },
    });
    const res = await server.call('/v1/files', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatchObject({ code: 'payload_too_large', message: expect.stringMatching(/larger than 262144 bytes/) });
    // The server is fine afterwards.
    expect((await server.call('/v1/files')).status).toBe(200);
  });
});

describe('/v1/files at the real limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('limits a text field to 1 MiB and refuses a malformed body with 400 invalid_multipart', async () => {
    const atLimit = await server.call('/v1/files', { method: 'POST', body: form({ purpose: 'v'.repeat(MAX_MULTIPART_FIELD_BYTES) }, { bytes: await tinyPng(), name: 'a.png' }) });
    expect(atLimit.status).toBe(400);
    expect((await atLimit.json()).error).toMatchObject({ code: 'invalid_value', param: 'purpose' });
    const over = await server.call('/v1/files', { method: 'POST', body: form({ purpose: 'v'.repeat(MAX_MULTIPART_FIELD_BYTES + 1) }, { bytes: await tinyPng(), name: 'a.png' }) });
    expect(over.status).toBe(413);
    expect((await over.json()).error).toMatchObject({ code: 'payload_too_large', param: 'purpose' });

    const broken = async (contentType: string, body: string) => {
      const res = await server.call('/v1/files', { method: 'POST', body, headers: { 'content-type': contentType } });
      return { status: res.status, code: (await res.json()).error.code };
    };
    const part = '--xyz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nvision\r\n';
    expect(await broken('multipart/form-data', `${part}--xyz--\r\n`)).toEqual({ status: 400, code: 'invalid_multipart' }); // no boundary
    expect(
      await broken('multipart/form-data; boundary=xyz', `${part}--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG\r\n`),
    ).toEqual({ status: 400, code: 'invalid_multipart' }); // cut off inside the file
    // A body cut off inside a text field, or a part without a Content-Disposition, loses that part: still a 400.
    expect((await broken('multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nvis')).status).toBe(400);
    expect((await broken('multipart/form-data; boundary=xyz', '--xyz\r\nnot a header\r\n\r\nvis\r\n--xyz--\r\n')).status).toBe(400);
  });

  it('takes a file of exactly 50 MiB and refuses one byte more with 413 naming the field', async () => {
    expect(MAX_FILE_BYTES).toBe(50 * 1024 * 1024);
    let bytes = await pngOfSize(MAX_FILE_BYTES);
    const ok = await server.call('/v1/files', { method: 'POST', body: form({ purpose: 'vision' }, { bytes, name: 'edge.png' }) });
    expect(ok.status).toBe(200);
    expect((await ok.json()).bytes).toBe(MAX_FILE_BYTES);
    bytes = await pngOfSize(MAX_FILE_BYTES + 1);
    const over = await server.call('/v1/files', { method: 'POST', body: form({ purpose: 'vision' }, { bytes, name: 'over.png' }) });
    expect(over.status).toBe(413);
    expect((await over.json()).error).toMatchObject({ code: 'payload_too_large', param: 'file' });
  });
});
