// The generic layer under the contract engine: which fields exist on each endpoint, how multipart
// strings become typed values, and the zod type check (its issues converted by api/validate.ts, the
// one converter every schema shares).

import type { z } from 'zod';
import { imageEditRequestSchema, imageGenerationRequestSchema, imageVariationRequestSchema } from '../api/images.ts';
import type { ValidationIssue } from '../api/errors.ts';
import { zodIssue } from '../api/validate.ts';
import { IMAGE_ENDPOINTS, type ImageEndpoint } from './types.ts';

const SCHEMAS: Record<ImageEndpoint, z.ZodObject> = {
  [IMAGE_ENDPOINTS.generations]: imageGenerationRequestSchema,
  [IMAGE_ENDPOINTS.edits]: imageEditRequestSchema,
  [IMAGE_ENDPOINTS.variations]: imageVariationRequestSchema,
};

/**
 * Fields that exist somewhere in the image API but are wrong on this endpoint, with what to do
 * instead. They get a pointed message rather than "unknown parameter".
 */
export const MISPLACED_FIELDS: Record<ImageEndpoint, Record<string, string>> = {
  [IMAGE_ENDPOINTS.generations]: {
    images: 'images[] is not accepted on /v1/images/generations; send reference images as image_url / image_urls, or use /v1/images/edits for images[].',
    file_id: 'file_id is not accepted on /v1/images/generations; /v1/files references belong to /v1/images/edits (images[].file_id).',
    image: 'send reference images as image_url / image_urls in JSON, or as a multipart file part named image.',
    mask: 'mask objects belong to /v1/images/edits; on /v1/images/generations use mask_url where the model supports it.',
  },
  [IMAGE_ENDPOINTS.edits]: {
    file_id: 'file_id goes inside images[] (images: [{"file_id": "..."}]) or mask ({"file_id": "..."}).',
    image: 'send source images as image_url / image_urls / images[] in JSON, or as multipart file parts named image or image[].',
    'image[]': 'send source images as image_url / image_urls / images[] in JSON, or as multipart file parts named image or image[].',
    operation: 'operation is not used on /v1/images/edits: the endpoint is the image-edit operation.',
    reference_image_urls: 'reference_image_urls belongs to /v1/images/generations (operation image-to-image); edits take image_url / image_urls / images[].',
  },
  [IMAGE_ENDPOINTS.variations]: {
    prompt: 'variations take no prompt: they vary the uploaded image.',
  },
};

/** File parts of multipart bodies per endpoint: the HTTP layer hands them over separately (opts.imageFiles / maskFile). */
const MULTIPART_FILE_FIELDS: Record<ImageEndpoint, ReadonlySet<string>> = {
  [IMAGE_ENDPOINTS.generations]: new Set(['image']),
  [IMAGE_ENDPOINTS.edits]: new Set(['image', 'image[]', 'mask']),
  [IMAGE_ENDPOINTS.variations]: new Set(['image']),
};

const KNOWN = Object.fromEntries(Object.entries(SCHEMAS).map(([ep, schema]) => [ep, new Set(Object.keys(schema.shape))])) as Record<string, ReadonlySet<string>>;
/** Type checks run field by field: presence rules (model, prompt) are the engine's, with better messages. */
const PARTIAL = Object.fromEntries(Object.entries(SCHEMAS).map(([ep, schema]) => [ep, schema.partial()])) as Record<string, z.ZodObject>;

export function knownFields(endpoint: ImageEndpoint): ReadonlySet<string> {
  return KNOWN[endpoint];
}

const INT_FIELDS = new Set(['n', 'seed', 'output_compression', 'compression', 'partial_images']);
const BOOL_FIELDS = new Set(['async', 'stream', 'expand_prompt']);
const LIST_FIELDS = new Set(['image_urls', 'reference_image_urls']);

/**
 * Multipart form fields arrive as strings: numbers and booleans are converted when they read as such
 * (anything else is left for the type check to reject), URL lists are comma-separated, and file part
 * placeholders are dropped. Null JSON values count as absent.
 */
export function prepareBody(endpoint: ImageEndpoint, body: Record<string, unknown>, multipart: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(body)) {
    if (raw === null || raw === undefined) continue;
    if (!multipart) {
      out[key] = raw;
      continue;
    }
    if (MULTIPART_FILE_FIELDS[endpoint].has(key) && typeof raw !== 'string') continue;
    const value = Array.isArray(raw) && raw.length === 1 && !LIST_FIELDS.has(key) ? raw[0] : raw;
    if (typeof value !== 'string') {
      out[key] = value;
    } else if (INT_FIELDS.has(key) && /^-?\d+$/.test(value.trim())) {
      out[key] = Number(value.trim());
    } else if (BOOL_FIELDS.has(key) && /^(true|false)$/i.test(value.trim())) {
      out[key] = value.trim().toLowerCase() === 'true';
    } else if (LIST_FIELDS.has(key)) {
      // A data: URL has a comma of its own: split only at commas that start the next URL.
      out[key] = value.split(/,(?=\s*(?:https?|data):)/i).map((s) => s.trim()).filter(Boolean);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Type and generic-range check of the given fields; issues keyed by the offending field path. Unknown
 * fields are left out: the engine answers those itself, with MISPLACED_FIELDS' pointed messages.
 */
export function typeIssues(endpoint: ImageEndpoint, body: Record<string, unknown>): ValidationIssue[] {
  const result = PARTIAL[endpoint].safeParse(body);
  if (result.success) return [];
  return result.error.issues.filter((issue) => issue.code !== 'unrecognized_keys').map(zodIssue);
}

/** The top-level field an issue path starts with. */
export function rootField(field: string): string {
  return field.split(/[.[]/)[0];
}
