// Turns zod issues into Easel's validation_errors entries, and a zod failure into the 400 envelope.
// The one converter for every schema: the admin bodies here and the image contract's type check
// (catalog/contract-input.ts) both speak this vocabulary.

import type { z } from 'zod';
import { apiErrors, type ValidationIssue } from './errors.ts';

/** ['image_urls', 1] → 'image_urls[1]', ['mask', 'file_id'] → 'mask.file_id'; '' for the body itself. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

/** One zod issue as a validation_errors entry: unknown keys are unsupported, absent fields required, the rest invalid. */
export function zodIssue(issue: z.core.$ZodIssue): ValidationIssue {
  const field = fieldPath(issue.path) || 'body';
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  return {
    field,
    message: missing ? `${field} is required` : issue.message,
    code: issue.code === 'unrecognized_keys' ? 'unsupported_parameter' : missing ? 'missing_required_parameter' : 'invalid_value',
  };
}

export function zodIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map(zodIssue);
}

export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw apiErrors.validationFailed(zodIssues(result.error));
  return result.data;
}
