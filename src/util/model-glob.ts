// Model globs of a key's controls (`flux-*`, `gpt-image-?`): `*` is any run of characters (none too),
// `?` exactly one, everything else itself. Anchored at both ends and case-sensitive, as model ids are.
// Matched by a two-pointer walk rather than a RegExp: at worst pattern × model steps, never exponential.

/** The longest pattern accepted; model ids are far shorter. */
export const MODEL_GLOB_MAX_LENGTH = 200;

/** Characters a pattern may hold: those of model ids, plus the two wildcards. */
const GLOB_PATTERN = /^[A-Za-z0-9._:/@*?-]+$/;

export function isModelGlob(pattern: string): boolean {
  return pattern.length <= MODEL_GLOB_MAX_LENGTH && GLOB_PATTERN.test(pattern);
}

/** True when `model` matches `pattern` whole. Backtracks to the last `*` only, so it cannot blow up. */
export function matchesModelGlob(pattern: string, model: string): boolean {
  let p = 0;
  let m = 0;
  let star = -1;
  let starMatch = 0;
  while (m < model.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === model[m])) {
      p += 1;
      m += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      starMatch = m;
      p += 1;
    } else if (star !== -1) {
      p = star + 1;
      starMatch += 1;
      m = starMatch;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/** The first pattern the model matches, or undefined. */
export function firstMatchingGlob(patterns: readonly string[], model: string): string | undefined {
  return patterns.find((pattern) => matchesModelGlob(pattern, model));
}
