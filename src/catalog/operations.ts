// Questions about a model's operations that both the contract engine and the discovery bodies ask,
// answered in one place so the published contract and the enforced one cannot drift apart.

import type { ModelEntry, OperationContract } from './model-entry.ts';
import type { ImageEndpoint, Operation } from './types.ts';

/** The public fields one operation accepts, as published in `supported_parameters`. */
export function supportedParameters(entry: ModelEntry, op: OperationContract): string[] {
  return [...op.parameters, ...(entry.asyncAllowed ? ['async'] : []), ...(op.streaming ? ['stream'] : [])];
}

export function publicOperations(entry: ModelEntry): Operation[] {
  return [...new Set(entry.operations.map((op) => op.operation))];
}

const CAPABILITY_BY_OPERATION = {
  'text-to-image': 'image_generation',
  'image-to-image': 'image_to_image',
  'image-edit': 'image_edit',
  variation: 'image_variation',
} as const;

/** What the model can do, in the discovery vocabulary (`capabilities`, and an alternative's `tags`). */
export function capabilities(entry: ModelEntry): string[] {
  return publicOperations(entry).map((op) => CAPABILITY_BY_OPERATION[op]);
}

/** A model offered in an error's `alternatives[]`: TokenLab's `{id, status, tags}`. */
export function alternativeOf(entry: ModelEntry): { id: string; status: string; tags: string[] } {
  return { id: entry.id, status: entry.lifecycle.stage, tags: capabilities(entry) };
}

export function endpointByOperation(entry: ModelEntry): Record<string, ImageEndpoint> {
  const out: Record<string, ImageEndpoint> = {};
  for (const op of entry.operations) out[op.operation] ??= op.endpoint;
  return out;
}

/** The endpoint of the model's first operation: where a plain request for it goes. */
export function primaryEndpoint(entry: ModelEntry): ImageEndpoint {
  return entry.operations[0].endpoint;
}

export function operationsOn(entry: ModelEntry, endpoint: ImageEndpoint): OperationContract[] {
  return entry.operations.filter((op) => op.endpoint === endpoint);
}

export function findOperation(entry: ModelEntry, endpoint: ImageEndpoint, operation: Operation): OperationContract | undefined {
  return entry.operations.find((op) => op.endpoint === endpoint && op.operation === operation);
}

/** Every model-specific selector an operation offers (published as optional_selectors). */
export function selectors(op: OperationContract): string[] {
  const names = ['size', 'aspect_ratio', 'resolution', 'quality', 'style'] as const;
  return names.filter((p) => op.parameters.includes(p));
}

/** The contract hints of tokenlab-api.md §2.9, attached to every 400 about a known model. */
export function contractHints(entry: ModelEntry, op?: OperationContract): Record<string, unknown> {
  const target = op ?? entry.operations[0];
  return {
    model: entry.id,
    supported_operations: publicOperations(entry),
    supported_parameters: supportedParameters(entry, target),
    optional_selectors: selectors(target),
    allowed_aspect_ratios: [...(target.values.aspect_ratio ?? [])],
    allowed_resolutions: [...(target.values.resolution ?? [])],
    ...(target.promptMaxLength !== undefined ? { prompt_max_characters: target.promptMaxLength } : {}),
    request_endpoint: target.endpoint,
    request_endpoint_by_operation: endpointByOperation(entry),
    status_mode: entry.delivery,
  };
}
