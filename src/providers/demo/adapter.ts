// The offline provider: answers every operation at once with pictures it draws itself, so Easel runs
// end to end (and tests run) with no upstream account and no network.

import { outputDimensions } from '../../catalog/dimensions.ts';
import type { NormalizedImageRequest } from '../../catalog/types.ts';
import type { CallContext, GenerateResult, PollResult, ProviderAdapter, UpstreamImage } from '../types.ts';
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

/** How long a demo task takes (channel option `task_ms` overrides), so the offline start shows progress. */
export const DEMO_TASK_MS = 3_000;

interface DemoTaskState {
  startedAt: number;
  durationMs: number;
  /** The request travels with the task reference: a demo task is drawn when it completes. */
  req: NormalizedImageRequest;
}

function taskDuration(ctx: CallContext): number {
  const configured = Number(ctx.channel.options.task_ms);
  return Number.isFinite(configured) && configured >= 0 ? configured : DEMO_TASK_MS;
}

export const demoAdapter: ProviderAdapter = {
  maxImagesPerCall: 10,
  pollIntervalMs: 500,
  // Models the catalogue marks as task-based are served as tasks: submit, then poll with progress.
  submit: async (req, ctx) => {
    const state: DemoTaskState = { startedAt: Date.now(), durationMs: taskDuration(ctx), req };
    return { upstreamId: `demo-${state.startedAt}-${Math.random().toString(36).slice(2, 10)}`, state: state as unknown as Record<string, unknown> };
  },
  // A demo task lives only in its reference: nothing exists anywhere until it is recorded, so a
  // submit cut off by a crash left nothing behind to duplicate.
  findSubmission: async () => undefined,
  poll: async (ref, ctx): Promise<PollResult> => {
    const { startedAt, durationMs, req } = ref.state as unknown as DemoTaskState;
    const elapsed = Date.now() - startedAt;
    if (elapsed < durationMs) return { status: elapsed < durationMs / 4 ? 'pending' : 'processing', progress: Math.floor((elapsed / durationMs) * 100) };
    return { status: 'completed', result: await draw(req, ctx, requestedSize(req) ?? outputDimensions(req)) };
  },
  generate: (req, ctx) => draw(req, ctx, requestedSize(req) ?? outputDimensions(req)),
  edit: (req, ctx) => draw(req, ctx, inputSize(req), 'EDIT'),
  vary: (req, ctx) => draw(req, ctx, inputSize(req), 'VARIATION'),
};
