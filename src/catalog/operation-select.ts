// Which of a model's operations a request asks for, and the 400 that points to the right endpoint
// and operation when the model does not serve it where it was sent.

import { type ApiError, apiErrors, type InvalidRequestCode } from '../api/errors.ts';
import { listModels } from './catalog.ts';
import type { ModelEntry, OperationContract } from './model-entry.ts';
import { alternativeOf, contractHints, findOperation, operationsOn } from './operations.ts';
import { IMAGE_ENDPOINTS, OPERATIONS, type ImageEndpoint, type Operation } from './types.ts';

const REFERENCE_FIELDS = ['image_url', 'image_urls', 'reference_image_urls'] as const;

/** The operation an endpoint stands for; generations also reads `operation`, or infers it from references. */
export function selectOperation(
  entry: ModelEntry,
  endpoint: ImageEndpoint,
  body: Record<string, unknown>,
  model: string,
  opts: { imageFiles?: number },
): OperationContract {
  if (endpoint !== IMAGE_ENDPOINTS.generations) {
    const wanted: Operation = endpoint === IMAGE_ENDPOINTS.edits ? 'image-edit' : 'variation';
    return findOperation(entry, endpoint, wanted) ?? endpointError(entry, endpoint, model);
  }
  const explicit = body.operation;
  if (explicit !== undefined && !(OPERATIONS as readonly unknown[]).includes(explicit)) {
    throw fail(`operation must be one of text-to-image, image-to-image, image-edit (got ${describeGiven(explicit)}).`, 'operation', 'invalid_value', entry);
  }
  const refField = REFERENCE_FIELDS.find((f) => body[f] !== undefined) ?? ((opts.imageFiles ?? 0) > 0 ? 'image' : undefined);
  const wanted = (explicit as Operation | undefined) ?? (refField ? 'image-to-image' : 'text-to-image');
  const op = findOperation(entry, endpoint, wanted);
  if (op) return op;

  const here = operationsOn(entry, endpoint);
  const elsewhere = entry.operations.find((o) => o.operation === wanted || (wanted === 'image-to-image' && o.operation === 'image-edit'));
  if (explicit === undefined && refField) {
    // References sent to a model that takes none here: name the field and where such input goes.
    const hint = elsewhere ? ` For ${elsewhere.operation} use ${elsewhere.endpoint}.` : '';
    throw fail(`${model} does not take reference images on ${endpoint}.${hint}`, refField, 'unsupported_parameter', entry, elsewhere);
  }
  if (explicit === undefined && here.length > 0) {
    const only = here.map((o) => o.operation).join(', ');
    throw fail(
      `${model} serves only ${only} on ${endpoint}: set operation to "${here[0].operation}" and send image_url or image_urls.`,
      'operation',
      'unsupported_operation',
      entry,
      here[0],
    );
  }
  if (elsewhere) {
    throw fail(`${model} does not serve ${wanted} on ${endpoint}; send it to ${elsewhere.endpoint}.`, 'operation', 'unsupported_operation', entry, elsewhere);
  }
  throw fail(`${model} does not support ${wanted}. Supported: ${describeOperations(entry)}.`, 'operation', 'unsupported_operation', entry);
}

/** A model sent to /v1/images/edits or /v1/images/variations that has no such operation there. */
function endpointError(entry: ModelEntry, endpoint: ImageEndpoint, model: string): never {
  const referenceOp = entry.operations.find((o) => o.operation === 'image-to-image');
  if (endpoint === IMAGE_ENDPOINTS.edits && referenceOp) {
    throw fail(
      `${model} does not accept ${endpoint}. Send reference-image requests to ${referenceOp.endpoint} with operation: "image-to-image" and image_url or image_urls.`,
      'model',
      'unsupported_operation',
      entry,
      referenceOp,
    );
  }
  const wanted: Operation = endpoint === IMAGE_ENDPOINTS.edits ? 'image-edit' : 'variation';
  const capable = listModels().filter((m) => findOperation(m, endpoint, wanted));
  throw fail(
    `${model} does not support ${endpoint}. Models that do: ${capable.map((m) => m.id).join(', ')}. ${model} supports: ${describeOperations(entry)}.`,
    'model',
    'unsupported_operation',
    entry,
    undefined,
    capable,
  );
}

/** What was sent, for a message: a string as itself (cut short), anything else by its JSON type — never stringified, a 10,000-deep array would overflow the stack. */
function describeGiven(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 64 ? `${value.slice(0, 64)}…` : value}'`;
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function describeOperations(entry: ModelEntry): string {
  return entry.operations.map((o) => `${o.operation} on ${o.endpoint}`).join(', ');
}

function fail(message: string, param: string, code: InvalidRequestCode, entry: ModelEntry, op?: OperationContract, alternatives?: ModelEntry[]): ApiError {
  const hints = { ...contractHints(entry, op), ...(alternatives ? { alternatives: alternatives.map(alternativeOf) } : {}) };
  return apiErrors.invalidRequest(message, param, code, hints);
}
