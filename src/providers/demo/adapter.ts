// The offline provider: answers every operation at once with pictures it draws itself, so Easel runs
// end to end (and tests run) with no upstream account and no network.

import { outputDimensions } from '../../catalog/dimensions.ts';
import type { NormalizedImageRequest } from '../../catalog/types.ts';
import type { CallContext, GenerateResult, ProviderAdapter, UpstreamImage } from '../types.ts';
import { DEMO_MAX_SIDE, renderDemoImage } from './render.ts';

const MIME = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;

interface Size {
  width: number;
  height: number;
}

async function draw(req: NormalizedImageRequest, ctx: CallContext, size: Size, label?: string): Promise<GenerateResult> {
  const format = req.outputFormat ?? 'png';
  const revisedPrompt = `Demo rendering of: ${req.prompt || 'the input image'}`;
  const images: UpstreamImage[] = [];
  // One at a time: memory stays at one picture (a 5504×3072 canvas is ~70 MB), and an abort stops the rest.
  for (let index = 0; index < req.n; index++) {
    ctx.signal.throwIfAborted();
    const bytes = await renderDemoImage({ ...size, prompt: req.prompt, model: req.model, index, format, label });
    images.push({ bytes, mime: MIME[format], revisedPrompt });
  }
  ctx.signal.throwIfAborted();
  return { images };
}

function requestedSize(req: NormalizedImageRequest): Size | undefined {
  return typeof req.size === 'object' ? req.size : undefined;
}

/** Edits and variations answer at the input's size, as the upstreams do, unless a size was asked for. */
function inputSize(req: NormalizedImageRequest): Size {
  const first = req.images?.[0];
  return requestedSize(req) ?? (first ? fitWithin(first, DEMO_MAX_SIDE) : outputDimensions(req));
}

/** Uploads can be larger than the demo draws: scale down, keeping the aspect ratio. */
function fitWithin({ width, height }: Size, max: number): Size {
  const k = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

export const demoAdapter: ProviderAdapter = {
  maxImagesPerCall: 10,
  generate: (req, ctx) => draw(req, ctx, requestedSize(req) ?? outputDimensions(req)),
  edit: (req, ctx) => draw(req, ctx, inputSize(req), 'EDIT'),
  vary: (req, ctx) => draw(req, ctx, inputSize(req), 'VARIATION'),
};
