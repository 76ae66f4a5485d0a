// The published request contract of a model (tokenlab.request_format_summary / _details), derived
// from the same OperationContract data the engine enforces.

import type { ModelEntry, OperationContract } from './model-entry.ts';
import { endpointByOperation, primaryEndpoint, publicOperations, selectors, supportedParameters } from './operations.ts';
import { describeSizeRule } from './size-rules.ts';
import { IMAGE_ENDPOINTS } from './types.ts';

/** An example reference image URL for the recommended request of reference-only operations. */
const EXAMPLE_IMAGE_URL = 'https://example.com/reference.png';

const union = (lists: ReadonlyArray<readonly string[] | undefined>): string[] => [...new Set(lists.flatMap((l) => l ?? []))];

function shapeMode(op: OperationContract): string {
  return op.endpoint === IMAGE_ENDPOINTS.variations ? 'multipart' : 'json_or_multipart';
}

function documentedInputs(op: OperationContract): string[] {
  const inputs: string[] = op.promptMaxLength !== undefined ? ['prompt'] : [];
  if (op.maxInputImages === undefined) return inputs;
  if (op.endpoint === IMAGE_ENDPOINTS.generations) return [...inputs, 'image_url', 'image_urls', 'reference_image_urls', 'image (multipart file)'];
  if (op.endpoint === IMAGE_ENDPOINTS.variations) return ['image (multipart file)'];
  const edits = [...inputs, 'image (multipart file, repeatable)', 'image[] (multipart files)', 'image_url', 'image_urls', 'images[].image_url', 'images[].file_id'];
  return op.parameters.includes('mask') ? [...edits, 'mask (multipart file)', 'mask.image_url', 'mask.file_id'] : edits;
}

function operationNotes(op: OperationContract): string[] {
  return [
    ...(op.size ? [`size: ${describeSizeRule(op.size)}.`] : []),
    `n: 1-${op.maxN}.`,
    ...(op.maxInputImages !== undefined ? [`At most ${op.maxInputImages} input image(s).`] : []),
    ...(op.seedMax !== undefined ? [`seed: 0-${op.seedMax}.`] : []),
    ...(op.inputRules?.formats ? [`Input images: ${op.inputRules.formats.map((f) => f.slice(6).toUpperCase()).join(' or ')} only.`] : []),
    ...(op.inputRules?.square ? ['Input images must be square.'] : []),
    ...(op.notes ?? []),
  ];
}

/** NonChatOperationConstraint (closed shape: only its own keys). */
function operationConstraint(entry: ModelEntry, op: OperationContract): Record<string, unknown> {
  return {
    operation: op.operation,
    request_endpoint: op.endpoint,
    request_shape_mode: shapeMode(op),
    status_mode: entry.delivery,
    supported_parameters: supportedParameters(entry, op),
    required_selectors: [],
    optional_selectors: selectors(op),
    documented_inputs: documentedInputs(op),
    allowed_resolutions: [...(op.values.resolution ?? [])],
    allowed_durations: [],
    allowed_aspect_ratios: [...(op.values.aspect_ratio ?? [])],
    notes: operationNotes(op),
  };
}

/** Everything a client needs per operation that the closed constraint shape has no key for. */
function limitsByOperation(entry: ModelEntry): Record<string, unknown> {
  return Object.fromEntries(
    entry.operations.map((op) => [
      op.operation,
      {
        request_endpoint: op.endpoint,
        max_n: op.maxN,
        prompt_max_characters: op.promptMaxLength ?? null,
        max_input_images: op.maxInputImages ?? null,
        parameter_values: Object.fromEntries(Object.entries(op.values).map(([k, v]) => [k, [...(v ?? [])]])),
        size_rule: op.size ? { ...structuredClone(op.size), description: describeSizeRule(op.size) } : null,
        defaults: { ...(op.defaults ?? {}) },
        dropped_parameters: [...entry.dropped],
      },
    ]),
  );
}

/** The smallest request that works for the model's first operation, with its defaults spelled out. */
function recommendedRequest(entry: ModelEntry): Record<string, unknown> {
  const op = entry.operations[0];
  const request: Record<string, unknown> = { model: entry.id };
  if (op.promptMaxLength !== undefined) request.prompt = 'A white cat sitting on a rainy windowsill, cinematic light';
  if (op.operation === 'image-to-image') {
    request.operation = 'image-to-image';
    request.image_urls = [EXAMPLE_IMAGE_URL];
  }
  return { ...request, ...(op.defaults ?? {}) };
}

/** NonChatRequestFormatSummary, as the detail route shows it. */
export function requestFormatSummary(entry: ModelEntry): Record<string, unknown> {
  const ops = entry.operations;
  const aspectRatios = union(ops.map((o) => o.values.aspect_ratio));
  const resolutions = union(ops.map((o) => o.values.resolution));
  const outputFormats = union(ops.map((o) => o.values.output_format));
  const promptMax = Math.max(0, ...ops.map((o) => o.promptMaxLength ?? 0));
  return {
    public_operations: publicOperations(entry),
    supported_parameters: union(ops.map((o) => supportedParameters(entry, o))),
    feature_flags: {
      async: entry.asyncAllowed,
      size_alias: ops.some((o) => o.size?.kind === 'aspect-alias'),
      reference_images: ops.some((o) => o.operation === 'image-to-image'),
      image_edit: ops.some((o) => o.operation === 'image-edit'),
      mask: ops.some((o) => o.parameters.includes('mask')),
    },
    output_formats: outputFormats,
    service_limits: { online_rpm: null, concurrency: null, offline_inference: false, offline_tpd: null, prompt_max_characters: promptMax || null },
    required_selectors: [],
    optional_selectors: union(ops.map(selectors)),
    resolutions,
    resolutions_label: resolutions.length ? 'Output resolution tier' : null,
    durations: [],
    durations_label: null,
    aspect_ratios: aspectRatios,
    aspect_ratios_label: aspectRatios.length ? 'Aspect ratio' : null,
    request_endpoint: primaryEndpoint(entry),
    status_mode: entry.delivery,
    request_shape_mode: shapeMode(ops[0]),
    recommended_request_summary: { operation: ops[0].operation, request_endpoint: ops[0].endpoint, status_mode: entry.delivery },
    request_endpoint_by_operation: endpointByOperation(entry),
    operation_constraints: ops.map((op) => operationConstraint(entry, op)),
  };
}

/** NonChatRequestFormatDetails: the summary plus the details-only fields. */
export function requestFormatDetails(entry: ModelEntry): Record<string, unknown> {
  const pollable = entry.delivery === 'task' || entry.asyncAllowed;
  return {
    ...requestFormatSummary(entry),
    documented_inputs: union(entry.operations.map(documentedInputs)),
    documented_outputs: ['data[].url', 'data[].b64_json', 'data[].revised_prompt', ...(pollable ? ['status', 'task_id', 'poll_url'] : [])],
    fallback_status_endpoints: pollable ? ['/v1/tasks/{id}', '/v1/images/{id}'] : [],
    notes: [
      entry.description,
      ...(entry.dropped.length ? [`Removed before forwarding: ${entry.dropped.join(', ')}.`] : []),
      entry.delivery === 'task' ? 'Usually answers with a task: follow poll_url.' : 'Usually answers inline; still handle status: "pending" if it appears.',
    ],
    recommended_request: recommendedRequest(entry),
    limits_by_operation: limitsByOperation(entry),
  };
}

/** ModelListRequestFormatSummary (list route; closed shape). */
export function listRequestFormatSummary(entry: ModelEntry): Record<string, unknown> {
  return {
    public_operations: publicOperations(entry),
    request_endpoint: primaryEndpoint(entry),
    request_endpoint_by_operation: endpointByOperation(entry),
  };
}
