// DESIGN's import rules hold for src/: every arrow points down a layer or stays in its module, and no
// two modules import each other (scripts/check-imports.ts; `npm run check:imports` prints the same).

import { expect, it } from 'vitest';
import { checkImports } from '../../scripts/check-imports.ts';

it('has no upward arrow and no cycle between modules', () => {
  const { problems, edges } = checkImports();
  expect(edges).toBeGreaterThan(300);
  expect(problems).toEqual([]);
});
