// /v1/files: input images uploaded once and referenced by file_id in edits. Shapes: FileObject,
// FileListResponse and FileDeletedObject of the TokenLab/OpenAI files API, as http/routes/files.ts
// writes them.

import { z } from 'zod';
import { DEFAULT_FILE_MODEL, FILE_LIST_DEFAULT_LIMIT, FILE_LIST_MAX_LIMIT, FILE_PURPOSES, LISTED_FILE_PURPOSES, MAX_FILE_BYTES } from '../files.ts';
import { answer, IDEMPOTENT_REPLAYED_HEADER, idempotencyKeyHeader, inPath, type OperationSpec, pathParam, queryParam, reply, request, unixSeconds } from './spec.ts';

const uploadForm = request(
  'FileUploadRequest',
  z.object({
    file: z.string().meta({ format: 'binary' }).describe(`PNG, JPEG or WebP, at most ${MAX_FILE_BYTES / 1024 / 1024} MiB. The type is read from the bytes.`),
    purpose: z.enum(FILE_PURPOSES).describe('user_data or vision for images used by /v1/images/edits; batch is refused (no Batch API).'),
    model: z.string().default(DEFAULT_FILE_MODEL).describe('The catalogue model the file is uploaded for.'),
  }),
);

const fileObject = answer(
  'FileObject',
  reply({
    id: z.string().meta({ example: 'file-3k9XwQ2mB7pLr0TzY5nC8dVe' }),
    object: z.literal('file'),
    bytes: z.int(),
    created_at: unixSeconds,
    filename: z.string(),
    purpose: z.enum([...LISTED_FILE_PURPOSES] as [string, ...string[]]),
    status: z.string().meta({ example: 'processed' }),
    expires_at: unixSeconds.nullable(),
  }),
);

const fileList = answer(
  'FileListResponse',
  reply({ object: z.literal('list'), data: z.array(fileObject), first_id: z.string().nullable(), last_id: z.string().nullable(), has_more: z.boolean() }),
);

const fileDeleted = answer('FileDeletedObject', reply({ id: z.string(), object: z.literal('file'), deleted: z.literal(true) }));

const fileId = pathParam('file_id', 'A file id (file-...) of your account');

export const fileOperations: OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/files',
    operationId: 'uploadFile',
    summary: 'Upload an input image',
    tag: 'files',
    security: 'apiKey',
    params: [idempotencyKeyHeader],
    body: { multipart: uploadForm },
    responses: { 200: { description: 'The stored file', json: fileObject, headers: IDEMPOTENT_REPLAYED_HEADER } },
    errors: ['missing_required_parameter', 'invalid_value', 'unsupported_parameter', 'unsupported_purpose', 'unsupported_image_type', 'model_not_found', 'invalid_multipart', 'too_many_files', 'storage_unavailable', 'idempotency_key_reused'],
  },
  {
    method: 'get',
    path: '/v1/files',
    operationId: 'listFiles',
    summary: "The account's files, newest first",
    tag: 'files',
    security: 'apiKey',
    params: [
      queryParam('limit', { type: 'integer', minimum: 1, maximum: FILE_LIST_MAX_LIMIT, default: FILE_LIST_DEFAULT_LIMIT }, 'Files per page'),
      queryParam('after', { type: 'string' }, 'A file id: list the files older than it'),
      queryParam('purpose', { type: 'string', enum: [...LISTED_FILE_PURPOSES] }, 'Only files of this purpose'),
    ],
    responses: { 200: { description: 'One page', json: fileList } },
    errors: ['invalid_value'],
  },
  {
    method: 'get',
    path: '/v1/files/{file_id}',
    operationId: 'retrieveFile',
    summary: 'One file',
    tag: 'files',
    security: 'apiKey',
    params: [fileId],
    responses: { 200: { description: 'The file', json: fileObject } },
    errors: [inPath('file_not_found')],
  },
  {
    method: 'delete',
    path: '/v1/files/{file_id}',
    operationId: 'deleteFile',
    summary: 'Delete a file (its image goes now)',
    tag: 'files',
    security: 'apiKey',
    params: [fileId],
    responses: { 200: { description: 'Deleted', json: fileDeleted } },
    errors: [inPath('file_not_found')],
  },
  {
    method: 'get',
    path: '/v1/files/{file_id}/content',
    operationId: 'retrieveFileContent',
    summary: "A file's bytes",
    tag: 'files',
    security: 'apiKey',
    params: [fileId],
    responses: {
      200: {
        description: 'The bytes, with their image content type, as an attachment',
        content: { 'image/png': { type: 'string', format: 'binary' }, 'image/jpeg': { type: 'string', format: 'binary' }, 'image/webp': { type: 'string', format: 'binary' } },
      },
    },
    errors: [inPath('file_not_found'), 'storage_unavailable'],
  },
];
