// Turns a zod failure into Easel's 400 envelope with one validation_errors entry per problem.

import type { z } from 'zod';
import { type ValidationIssue, validationFailed } from './errors.ts';

export function zodIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => {
    const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || 'body';
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    return {
      field,
      message: missing ? `${field} is required` : issue.message,
      code: issue.code === 'unrecognized_keys' ? 'unsupported_parameter' : missing ? 'missing_required_parameter' : 'invalid_value',
    };
  });
}

export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationFailed(zodIssues(result.error));
  return result.data;
}
