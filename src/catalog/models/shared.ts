// Building blocks the per-family model files share: limits from the public contract, common parameter
// lists and lifecycle helpers. Numbers that are limits are named here so tests can hit their edges.

import type { ContractParam, Lifecycle } from '../model-entry.ts';

export { PUBLIC_MAX_IMAGES, PUBLIC_N_MAX, PUBLIC_PROMPT_MAX } from '../../api/limits.ts';

/** Bump when any price figure changes; every charge records the version it used. */
export const PRICE_VERSION = '2026-08-23';

/** Fields every operation that takes a prompt accepts. */
export const BASE_PARAMS = ['prompt', 'n', 'response_format', 'user'] as const satisfies readonly ContractParam[];
/** Reference images on /v1/images/generations (operation image-to-image). */
export const REFERENCE_PARAMS = ['image_url', 'image_urls', 'reference_image_urls'] as const satisfies readonly ContractParam[];
/** Source images on /v1/images/edits (JSON); multipart files are counted by the HTTP layer. */
export const EDIT_SOURCE_PARAMS = ['image_url', 'image_urls', 'images'] as const satisfies readonly ContractParam[];

export function active(releasedAt: string, latest = false): Lifecycle {
  return { stage: 'active', reason: null, replacementModel: null, releasedAt, deprecatedAt: null, sunsetAt: null, latest };
}

export function preview(releasedAt: string, reason: string, latest = false): Lifecycle {
  return { stage: 'preview', reason, replacementModel: null, releasedAt, deprecatedAt: null, sunsetAt: null, latest };
}

export function deprecated(
  releasedAt: string,
  reason: string,
  replacementModel: string,
  dates: { deprecatedAt?: string; sunsetAt?: string } = {},
): Lifecycle {
  return {
    stage: 'deprecated',
    reason,
    replacementModel,
    releasedAt,
    deprecatedAt: dates.deprecatedAt ?? null,
    sunsetAt: dates.sunsetAt ?? null,
    latest: false,
  };
}
