// The public shape of /v1/files: its limits, its purposes, and its OpenAPI description (FileObject,
// FileListResponse, FileDeletedObject as in the TokenLab/OpenAI files API).

/** One uploaded file. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
export const FILE_PURPOSES = ['user_data', 'vision', 'batch'] as const;
/** Purposes whose files are images (and so must be PNG, JPEG or WebP). user_data and vision. */
export const IMAGE_FILE_PURPOSES: ReadonlySet<string> = new Set(['user_data', 'vision']);
/** Listing may also filter on the purpose of batch results. */
export const LISTED_FILE_PURPOSES: ReadonlySet<string> = new Set([...FILE_PURPOSES, 'batch_output']);
export const DEFAULT_FILE_MODEL = 'gpt-image-2';
export const FILE_LIST_DEFAULT_LIMIT = 20;
export const FILE_LIST_MAX_LIMIT = 1000;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const fileOpenApiSchemas: Record<string, unknown> = {
  FileUploadRequest: {
    type: 'object',
    required: ['file', 'purpose'],
    properties: {
      file: { type: 'string', format: 'binary', description: 'PNG, JPEG or WebP, at most 50 MiB. The type is read from the bytes.' },
      purpose: { type: 'string', enum: [...FILE_PURPOSES], description: 'user_data or vision for images used by /v1/images/edits; batch is refused (no Batch API).' },
      model: { type: 'string', default: DEFAULT_FILE_MODEL, description: 'The catalogue model the file is uploaded for.' },
    },
  },
  FileObject: {
    type: 'object',
    required: ['id', 'object', 'bytes', 'created_at', 'filename', 'purpose'],
    properties: {
      id: { type: 'string', example: 'file-3k9XwQ2mB7pLr0TzY5nC8dVe' },
      object: { type: 'string', enum: ['file'] },
      bytes: { type: 'integer' },
      created_at: { type: 'integer', description: 'Unix seconds' },
      filename: { type: 'string' },
      purpose: { type: 'string', enum: [...LISTED_FILE_PURPOSES] },
      status: { type: 'string', example: 'processed' },
      expires_at: { type: ['integer', 'null'] },
    },
  },
  FileListResponse: {
    type: 'object',
    required: ['object', 'data', 'first_id', 'last_id', 'has_more'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      data: { type: 'array', items: ref('FileObject') },
      first_id: { type: ['string', 'null'] },
      last_id: { type: ['string', 'null'] },
      has_more: { type: 'boolean' },
    },
  },
  FileDeletedObject: {
    type: 'object',
    required: ['id', 'object', 'deleted'],
    properties: { id: { type: 'string' }, object: { type: 'string', enum: ['file'] }, deleted: { type: 'boolean' } },
  },
};

/** The /v1/files paths, given the document's API-key security requirement and error response. */
export function fileOpenApiPaths(security: unknown, errorResponse: unknown): Record<string, unknown> {
  const json = (description: string, schema: string) => ({ description, content: { 'application/json': { schema: ref(schema) } } });
  const fileId = { name: 'file_id', in: 'path', required: true, schema: { type: 'string' } };
  return {
    '/v1/files': {
      post: {
        operationId: 'uploadFile',
        security,
        requestBody: { required: true, content: { 'multipart/form-data': { schema: ref('FileUploadRequest') } } },
        responses: { 200: json('The stored file', 'FileObject'), 400: errorResponse, 401: errorResponse, 413: errorResponse, 415: errorResponse },
      },
      get: {
        operationId: 'listFiles',
        security,
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: FILE_LIST_MAX_LIMIT, default: FILE_LIST_DEFAULT_LIMIT } },
          { name: 'after', in: 'query', schema: { type: 'string' }, description: 'A file id: list the files older than it (newest first).' },
          { name: 'purpose', in: 'query', schema: { type: 'string', enum: [...LISTED_FILE_PURPOSES] } },
        ],
        responses: { 200: json('The account’s files, newest first', 'FileListResponse'), 400: errorResponse, 401: errorResponse },
      },
    },
    '/v1/files/{file_id}': {
      get: { operationId: 'retrieveFile', security, parameters: [fileId], responses: { 200: json('The file', 'FileObject'), 401: errorResponse, 404: errorResponse } },
      delete: { operationId: 'deleteFile', security, parameters: [fileId], responses: { 200: json('Deleted', 'FileDeletedObject'), 401: errorResponse, 404: errorResponse } },
    },
    '/v1/files/{file_id}/content': {
      get: {
        operationId: 'retrieveFileContent',
        security,
        parameters: [fileId],
        responses: {
          200: { description: 'The bytes, with their image content type', content: { 'image/png': {}, 'image/jpeg': {}, 'image/webp': {} } },
          401: errorResponse,
          404: errorResponse,
        },
      },
    },
  };
}
