// The playground's form, derived from a model's published contract (GET /v1/models/{id}): only the
// fields the operation accepts, enumerations as choices, the size as its rule allows; and the request
// body the form's values make, as the API takes it (JSON, input images as data: URLs).

import type { ModelDetails, OperationLimits } from '../types.ts';

export type FieldSpec =
  | { name: string; label: string; kind: 'textarea'; maxLength?: number }
  | { name: string; label: string; kind: 'text'; placeholder?: string; hint?: string }
  | { name: string; label: string; kind: 'number'; min?: number; max?: number }
  | { name: string; label: string; kind: 'select'; options: string[]; defaultValue?: string };

export interface FormShape {
  operation: string;
  endpoint: string;
  fields: FieldSpec[];
  /** Input images the operation takes (0: none). */
  maxImages: number;
  takesMask: boolean;
  statusMode: string;
  limits: OperationLimits;
}

const LABELS: Record<string, string> = {
  prompt: 'Prompt',
  size: 'Size',
  quality: 'Quality',
  style: 'Style',
  background: 'Background',
  output_format: 'Output format',
  moderation: 'Moderation',
  aspect_ratio: 'Aspect ratio',
  resolution: 'Resolution',
  n: 'Number of images',
  negative_prompt: 'Negative prompt',
  seed: 'Seed',
  output_compression: 'Output compression (%)',
};

const label = (name: string) => LABELS[name] ?? name.replace(/_/g, ' ');

export function operationsOf(details: ModelDetails): string[] {
  return details.tokenlab.request_format_details.public_operations;
}

export function formShape(details: ModelDetails, operation: string): FormShape {
  const rfd = details.tokenlab.request_format_details;
  const limits = rfd.limits_by_operation[operation];
  const constraint = rfd.operation_constraints.find((c) => c.operation === operation);
  const supported = new Set(constraint?.supported_parameters ?? []);
  const fields: FieldSpec[] = [];
  if (supported.has('prompt')) fields.push({ name: 'prompt', label: label('prompt'), kind: 'textarea', maxLength: limits.prompt_max_characters ?? undefined });
  const rule = limits.size_rule;
  if (supported.has('size') && rule) {
    if (rule.kind === 'list') fields.push({ name: 'size', label: label('size'), kind: 'select', options: rule.values, defaultValue: limits.defaults.size });
    else fields.push({ name: 'size', label: label('size'), kind: 'text', placeholder: limits.defaults.size ?? (rule.kind === 'flexible' ? 'auto' : '1024x1024'), hint: rule.description });
  }
  for (const [name, options] of Object.entries(limits.parameter_values)) {
    if (supported.has(name)) fields.push({ name, label: label(name), kind: 'select', options, defaultValue: limits.defaults[name] });
  }
  if (supported.has('n') && limits.max_n > 1) fields.push({ name: 'n', label: label('n'), kind: 'number', min: 1, max: limits.max_n });
  if (supported.has('negative_prompt')) fields.push({ name: 'negative_prompt', label: label('negative_prompt'), kind: 'text' });
  if (supported.has('seed')) fields.push({ name: 'seed', label: label('seed'), kind: 'number', min: 0 });
  if (supported.has('output_compression')) fields.push({ name: 'output_compression', label: label('output_compression'), kind: 'number', min: 0, max: 100 });
  const takesImages = operation !== 'text-to-image';
  return {
    operation,
    endpoint: limits.request_endpoint,
    fields,
    maxImages: takesImages ? (limits.max_input_images ?? 1) : 0,
    takesMask: operation === 'image-edit' && rfd.feature_flags.mask && supported.has('mask'),
    statusMode: constraint?.status_mode ?? rfd.status_mode,
    limits,
  };
}

export interface InputImage {
  name: string;
  dataUrl: string;
}

const NUMERIC = new Set(['n', 'seed', 'output_compression']);

/** The JSON body of the request the form describes. Empty fields are left out: the model's defaults apply. */
export function requestBody(model: string, shape: FormShape, values: Record<string, string>, images: InputImage[], mask: string | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = { model };
  for (const field of shape.fields) {
    const raw = values[field.name];
    if (raw === undefined || raw === '') {
      if (field.name === 'prompt') body.prompt = '';
      continue;
    }
    body[field.name] = NUMERIC.has(field.name) && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  }
  if (shape.operation === 'image-to-image') {
    body.operation = 'image-to-image';
    if (images.length) body.image_urls = images.map((i) => i.dataUrl);
  } else if (shape.operation === 'image-edit') {
    if (images.length) body.images = images.map((i) => ({ image_url: i.dataUrl }));
    if (mask && shape.takesMask) body.mask = { image_url: mask };
  }
  return body;
}

/** Variations are multipart only (one square PNG). */
export function variationForm(body: Record<string, unknown>, images: InputImage[]): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(body)) if (k !== 'prompt') form.set(k, String(v));
  const image = images[0];
  if (image) form.set('image', dataUrlToBlob(image.dataUrl), image.name);
  return form;
}

export function dataUrlToBlob(dataUrl: string): Blob {
  const [head, data] = dataUrl.split(',', 2);
  const mime = /data:([^;]+)/.exec(head)?.[1] ?? 'application/octet-stream';
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: mime });
}

export function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
