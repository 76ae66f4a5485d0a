// The one zod-issue converter: the admin bodies and the image contract's type check both use it.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldPath, zodIssues } from '../../src/api/validate.ts';

describe('zod issues as validation_errors', () => {
  it.each([
    [[], ''],
    [['n'], 'n'],
    [['image_urls', 1], 'image_urls[1]'],
    [['images', 0, 'file_id'], 'images[0].file_id'],
  ])('names the path %j as %j', (path, field) => expect(fieldPath(path)).toBe(field));

  it('says which field is missing, which is unknown and which is invalid', () => {
    const schema = z.strictObject({ name: z.string(), n: z.int().min(1) });
    const result = schema.safeParse({ n: 0, colour: 'red' });
    expect(result.success).toBe(false);
    const issues = zodIssues(result.error!);
    expect(issues).toContainEqual({ field: 'name', message: 'name is required', code: 'missing_required_parameter' });
    expect(issues).toContainEqual(expect.objectContaining({ field: 'n', code: 'invalid_value' }));
    expect(issues).toContainEqual(expect.objectContaining({ field: 'body', code: 'unsupported_parameter' }));
  });
});
