// /v1/files: input images uploaded once and referenced by file_id in edits. A file belongs to the
// account that uploaded it; to every other account it does not exist (404, like an unknown id).

import type { FastifyInstance } from 'fastify';
import { apiErrors, type ValidationIssue } from '../../api/errors.ts';
import {
  DEFAULT_FILE_MODEL,
  FILE_LIST_DEFAULT_LIMIT,
  FILE_LIST_MAX_LIMIT,
  FILE_PURPOSES,
  IMAGE_FILE_PURPOSES,
  LISTED_FILE_PURPOSES,
  MAX_FILE_BYTES,
} from '../../api/files.ts';
import type { UploadedFile } from '../../api/requests.ts';
import { requireModel } from '../../catalog/catalog.ts';
import { uploadOnce } from '../../idempotency/create.ts';
import { multipartFingerprint } from '../../idempotency/fingerprint.ts';
import { readIdempotencyKey } from '../../idempotency/header.ts';
import { createKeyedFile } from '../../idempotency/store.ts';
import type { NewIdempotencyKey } from '../../tasks/store.ts';
import type { AppDeps } from '../app.ts';
import { createFile, type FileRecord, findFile, listFiles, markFileDeleted } from '../../storage/db/files.ts';
import { probeImage } from '../../util/image-probe.ts';
import { fieldValue, type MultipartBody, readMultipart } from '../multipart.ts';

const MAX_FILENAME_LENGTH = 255;

export function fileRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'auth' | 'db' | 'blobs'>): void {
  const db = deps.db.kysely;

  const ownFile = async (accountId: string, id: string): Promise<FileRecord> => {
    const record = await findFile(db, accountId, id);
    if (!record) throw apiErrors.fileNotFound(`No file with id '${id.slice(0, 100)}'.`);
    return record;
  };

  app.post('/v1/files', async (request, reply) => {
    const caller = await deps.auth.caller(request);
    const key = readIdempotencyKey(request.headers['idempotency-key'], request.raw.rawHeaders);
    const form = await readMultipart(request, { maxFileBytes: MAX_FILE_BYTES, maxFiles: 1 });
    const { purpose, upload, model } = readUploadForm(form);
    // The type comes from the bytes; the file name and the declared Content-Type are not trusted.
    const probed = await probeImage(upload.bytes);
    if (!probed) throw apiErrors.invalidRequest('file: only PNG, JPEG and WebP images can be uploaded.', 'file', 'unsupported_image_type');

    const store = async (idempotencyKey?: NewIdempotencyKey) => {
      const blobKey = await deps.blobs.put(upload.bytes, probed.mime);
      try {
        const file = {
          account_id: caller.accountId,
          filename: cleanFilename(upload.filename, probed.mime),
          purpose,
          model,
          bytes: upload.bytes.length,
          mime: probed.mime,
          width: probed.width,
          height: probed.height,
          blob_key: blobKey,
        };
        return await (idempotencyKey ? createKeyedFile(db, idempotencyKey, file) : createFile(db, file));
      } catch (err) {
        await deps.blobs.delete(blobKey).catch(() => {});
        throw err;
      }
    };
    if (key === undefined) return fileObject(await store());
    const endpoint = '/v1/files';
    const keyed = await uploadOnce(db, { accountId: caller.accountId, key, endpoint, fingerprint: multipartFingerprint({ accountId: caller.accountId, endpoint }, form) }, store);
    if (keyed.replayed) reply.header('idempotent-replayed', 'true');
    return fileObject(keyed.result);
  });

  app.get<{ Querystring: { limit?: string; after?: string; purpose?: string } }>('/v1/files', async (request) => {
    const caller = await deps.auth.caller(request);
    const { limit: rawLimit, after, purpose } = request.query;
    let limit = FILE_LIST_DEFAULT_LIMIT;
    if (rawLimit !== undefined) {
      limit = Number(rawLimit);
      if (!/^\d+$/.test(rawLimit) || limit < 1 || limit > FILE_LIST_MAX_LIMIT) {
        throw apiErrors.invalidRequest(`limit must be an integer from 1 to ${FILE_LIST_MAX_LIMIT}.`, 'limit');
      }
    }
    if (purpose !== undefined && !LISTED_FILE_PURPOSES.has(purpose)) {
      throw apiErrors.invalidRequest(`purpose must be one of ${[...LISTED_FILE_PURPOSES].join(', ')}.`, 'purpose');
    }
    const page = await listFiles(db, caller.accountId, { limit, afterId: after, purpose });
    if (!page) throw apiErrors.invalidRequest(`after: no file with id '${String(after).slice(0, 100)}'.`, 'after');
    const data = page.files.map(fileObject);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
  });

  app.get<{ Params: { id: string } }>('/v1/files/:id', async (request) => {
    const caller = await deps.auth.caller(request);
    return fileObject(await ownFile(caller.accountId, request.params.id));
  });

  app.get<{ Params: { id: string } }>('/v1/files/:id/content', async (request, reply) => {
    const caller = await deps.auth.caller(request);
    const record = await ownFile(caller.accountId, request.params.id);
    const blob = await deps.blobs.get(record.blob_key);
    if (!blob) {
      request.log.error({ file: record.id }, 'the blob of a live file is missing');
      throw apiErrors.fileNotFound(`No content for file '${record.id}'.`);
    }
    reply
      .header('content-type', record.mime)
      .header('content-length', blob.size)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(record.filename)}`)
      .header('cache-control', 'private, no-store')
      .header('x-content-type-options', 'nosniff');
    return reply.send(blob.stream);
  });

  app.delete<{ Params: { id: string } }>('/v1/files/:id', async (request) => {
    const caller = await deps.auth.caller(request);
    const record = await markFileDeleted(db, caller.accountId, request.params.id);
    if (!record) throw apiErrors.fileNotFound(`No file with id '${request.params.id.slice(0, 100)}'.`);
    // The row stays (deleted_at) for the record; the image itself goes now.
    await deps.blobs.delete(record.blob_key).catch((err: unknown) => request.log.warn({ err, file: record.id }, 'could not delete the blob of a deleted file'));
    return { id: record.id, object: 'file', deleted: true };
  });
}

/** The upload's fields checked: every problem of purpose and file part reported at once, then the purpose's use and the model. */
function readUploadForm(form: MultipartBody): { purpose: string; upload: UploadedFile; model: string } {
  const issues: ValidationIssue[] = [];
  const purpose = fieldValue(form, 'purpose');
  if (purpose === undefined || purpose === '') {
    issues.push({ field: 'purpose', message: `purpose is required (${FILE_PURPOSES.join(', ')})`, code: 'missing_required_parameter' });
  } else if (!(FILE_PURPOSES as readonly string[]).includes(purpose)) {
    issues.push({ field: 'purpose', message: `purpose must be one of ${FILE_PURPOSES.join(', ')}`, code: 'invalid_value' });
  }
  const upload = form.files[0];
  if (!upload) {
    issues.push({ field: 'file', message: 'file is required (a multipart file part named "file")', code: 'missing_required_parameter' });
  } else if (upload.field !== 'file') {
    issues.push({ field: upload.field, message: `send the file in a part named "file", not "${upload.field}"`, code: 'unsupported_parameter' });
  }
  if (issues.length > 0 || !purpose || !upload) throw apiErrors.validationFailed(issues);
  if (!IMAGE_FILE_PURPOSES.has(purpose)) {
    throw apiErrors.invalidRequest(
      `purpose '${purpose}' is for the Batch API, which Easel does not offer; upload images for /v1/images/edits with purpose user_data or vision.`,
      'purpose',
      'unsupported_purpose',
    );
  }
  return { purpose, upload, model: requireModel(fieldValue(form, 'model') || DEFAULT_FILE_MODEL, 400).id };
}

/** FileObject of the OpenAI/TokenLab files API. */
function fileObject(record: FileRecord) {
  return {
    id: record.id,
    object: 'file' as const,
    bytes: record.bytes,
    created_at: Math.floor(record.created_at / 1000),
    filename: record.filename,
    purpose: record.purpose,
    status: 'processed' as const,
    expires_at: null,
  };
}

/** Keeps the client's name for display: no control characters, bounded length, never empty. */
function cleanFilename(name: string, mime: string): string {
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_FILENAME_LENGTH);
  return cleaned || `upload.${mime.split('/')[1]}`;
}
