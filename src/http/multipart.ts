// multipart/form-data for every route that takes uploads (files, edits, variations): registered once
// on the app, read by one helper into {fields, files[]} with the limits every upload route needs —
// the whole body (limits.multipart_body_bytes), each file, the number of files, each text field.
// Over a size limit → 413 payload_too_large naming the part; a broken body → 400 invalid_multipart.

import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, apiErrors } from '../api/errors.ts';
import type { UploadedFile } from '../api/requests.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** limits.multipart_body_bytes, set by registerMultipart. */
    multipartBodyLimit: number;
  }
}

/** A text field: prompts, sizes, comma-separated URL lists. Not a place for image bytes. */
export const MAX_MULTIPART_FIELD_BYTES = 1024 * 1024;
const MAX_MULTIPART_FIELDS = 100;
/** Edits take up to 16 sources and a mask; a little room above that, the routes check their own counts. */
const MAX_MULTIPART_FILES = 32;

export async function registerMultipart(app: FastifyInstance, bodyLimitBytes: number): Promise<void> {
  await app.register(multipart, {
    limits: {
      fileSize: bodyLimitBytes,
      fieldNameSize: 200,
      fieldSize: MAX_MULTIPART_FIELD_BYTES,
      fields: MAX_MULTIPART_FIELDS,
      files: MAX_MULTIPART_FILES,
      parts: MAX_MULTIPART_FIELDS + MAX_MULTIPART_FILES,
      headerPairs: 100,
    },
    throwFileSizeLimit: true,
  });
  app.decorateRequest('multipartBodyLimit', bodyLimitBytes);
}

export type { UploadedFile };

export interface MultipartBody {
  /** Text fields; a name sent more than once keeps every value, in order. */
  fields: Record<string, string | string[]>;
  files: UploadedFile[];
}

export interface ReadMultipartOptions {
  /** Largest single file; over it → 413 naming the field. */
  maxFileBytes: number;
  /** Most files; more → 400 too_many_files. Default MAX_MULTIPART_FILES. */
  maxFiles?: number;
}

/** Reads the whole multipart body of the request into memory, within the limits. */
export async function readMultipart(request: FastifyRequest, opts: ReadMultipartOptions): Promise<MultipartBody> {
  if (!request.isMultipart()) {
    throw apiErrors.unsupportedMediaType('multipart/form-data');
  }
  const bodyLimit = request.multipartBodyLimit;
  const tooLarge = () => apiErrors.payloadTooLarge(`The request body is larger than ${formatBytes(bodyLimit)}.`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > bodyLimit) throw tooLarge();

  const maxFiles = opts.maxFiles ?? MAX_MULTIPART_FILES;
  const parts = request.parts({ limits: { fileSize: opts.maxFileBytes, files: maxFiles } });
  // The first next() starts the parser (it pipes the raw request into busboy); only then count.
  const firstPart = parts.next();

  // busboy has no limit on the whole body, so count it here. Over the limit, stop feeding the parser,
  // throw away the rest of the upload (so the client can read the 413) and fail whatever is waiting.
  let received = 0;
  let failOverLimit: (err: ApiError) => void = () => {};
  const overLimit = new Promise<never>((_, reject) => (failOverLimit = reject));
  overLimit.catch(() => {});
  const raw = request.raw;
  const count = (chunk: Buffer) => {
    received += chunk.length;
    if (received > bodyLimit) {
      raw.off('data', count);
      raw.unpipe();
      raw.resume();
      failOverLimit(tooLarge());
    }
  };
  raw.on('data', count);
  const within = <T>(p: Promise<T>): Promise<T> => Promise.race([p, overLimit]);

  const body: MultipartBody = { fields: Object.create(null) as Record<string, string | string[]>, files: [] };
  try {
    for (let next = await within(firstPart); !next.done; next = await within(parts.next())) {
      const part = next.value;
      if (part.type === 'file') {
        const bytes = await within(part.toBuffer());
        body.files.push({ field: part.fieldname, filename: part.filename ?? '', declaredType: part.mimetype, bytes });
      } else {
        if (part.valueTruncated) throw apiErrors.payloadTooLarge(`${part.fieldname}: the field is longer than ${formatBytes(MAX_MULTIPART_FIELD_BYTES)}.`, part.fieldname);
        const value = String(part.value);
        const previous = body.fields[part.fieldname];
        body.fields[part.fieldname] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
      }
    }
  } catch (err) {
    // Nothing will read the remaining parts: let the rest of the upload drain away instead of stalling.
    raw.unpipe();
    raw.resume();
    throw translate(err, opts.maxFileBytes, maxFiles);
  } finally {
    raw.off('data', count);
  }
  return body;
}

/** The first value of a text field, or undefined. */
export function fieldValue(body: MultipartBody, name: string): string | undefined {
  const v = body.fields[name];
  return Array.isArray(v) ? v[0] : v;
}

function translate(err: unknown, maxFileBytes: number, maxFiles: number): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { code?: string; part?: { fieldname?: string } };
  switch (e.code) {
    case 'FST_REQ_FILE_TOO_LARGE': {
      const field = e.part?.fieldname ?? null;
      return apiErrors.payloadTooLarge(`${field ? `${field}: ` : ''}the file is larger than ${formatBytes(maxFileBytes)}.`, field);
    }
    case 'FST_FILES_LIMIT':
      return apiErrors.tooManyFiles(maxFiles);
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return apiErrors.payloadTooLarge(`The form has more than ${MAX_MULTIPART_FIELDS} fields.`);
    case 'FST_PROTO_VIOLATION':
      return apiErrors.invalidMultipart('A form field name is not allowed.');
  }
  return apiErrors.invalidMultipart(`The multipart body could not be read (${(err as Error).message ?? 'malformed'}).`);
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
