// Shared helpers for the catalogue tests.

import { expect } from 'vitest';
import { ApiError } from '../../src/api/errors.ts';
import { type ValidateOptions, validateImageRequest } from '../../src/catalog/contract.ts';
import { IMAGE_ENDPOINTS, type ImageEndpoint, type NormalizedImageRequest } from '../../src/catalog/types.ts';

export const GEN = IMAGE_ENDPOINTS.generations;
export const EDIT = IMAGE_ENDPOINTS.edits;
export const VARY = IMAGE_ENDPOINTS.variations;

export const URL_A = 'https://example.com/a.png';
export const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://example.com/${i}.png`);

/** Runs the engine and returns the ApiError it throws (fails the test when it does not throw one). */
export function rejectionOf(endpoint: ImageEndpoint, body: Record<string, unknown>, opts?: ValidateOptions): ApiError {
  try {
    validateImageRequest(endpoint, body, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error(`expected a rejection for ${JSON.stringify(body)}`);
}

/** Runs the engine and fails with the error message when it rejects. */
export function accept(endpoint: ImageEndpoint, body: Record<string, unknown>, opts?: ValidateOptions): NormalizedImageRequest {
  try {
    return validateImageRequest(endpoint, body, opts);
  } catch (err) {
    const e = err as ApiError;
    throw new Error(`rejected ${JSON.stringify(body)}: ${e.code} ${e.param} ${e.message}`);
  }
}
