// The offline provider: answers every operation at once with pictures it draws itself, so Easel runs
// end to end (and tests run) with no upstream account and no network.

import { outputDimensions } from '../../catalog/dimensions.ts';
import type { NormalizedImageRequest } from '../../catalog/types.ts';
import { type CallContext, defineProvider, type GenerateResult, type PollResult, UpstreamError, type UpstreamImage, type UpstreamTaskRef } from '../types.ts';
import { DEMO_MAX_SIDE, renderDemoImage } from './render.ts';

const MIME = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;

type Size = {
  width: number;
  height: number;
};

/** Everything the demo needs to draw a request's pictures: plain data, so a task can keep it as JSON. */
type Drawing = Size & {
  prompt: string;
  model: string;
  n: number;
  format: keyof typeof MIME;
  /** Written on the picture: EDIT, VARIATION, or nothing for a generation. */
  label?: string;
};

function drawing(req: NormalizedImageRequest, size: Size, label?: string): Drawing {
  return { ...size, prompt: req.prompt, model: req.model, n: req.n, format: req.outputFormat ?? 'png', ...(label ? { label } : {}) };
}

async function draw({ prompt, model, n, format, label, ...size }: Drawing, ctx: CallContext): Promise<GenerateResult> {
  const revisedPrompt = `Demo rendering of: ${prompt || 'the input image'}`;
  const images: UpstreamImage[] = [];
  // One at a time: memory stays at one picture (a 5504×3072 canvas is ~70 MB), and an abort stops the rest.
  for (let index = 0; index < n; index++) {
    ctx.signal.throwIfAborted();
    const bytes = await renderDemoImage({ ...size, prompt, model, index, format, label });
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
const DEMO_TASK_MS = 3_000;

/** A demo task lives in its reference: when it started, how long it takes, and what to draw when it completes. */
type DemoTaskState = {
  startedAt: number;
  durationMs: number;
  drawing: Drawing;
};

function taskDuration(ctx: CallContext): number {
  const configured = Number(ctx.channel.options.task_ms);
  return Number.isFinite(configured) && configured >= 0 ? configured : DEMO_TASK_MS;
}

export const demoProvider = defineProvider({
  name: 'demo',
  // No base URL: the demo draws its pictures itself.
  maxImagesPerCall: 10,
  pollIntervalMs: 500,
  // Models the catalogue marks as task-based are served as tasks: submit, then poll with progress.
  // A task draws as a generation does (no label), at the size known when it was submitted.
  submit: async (req, ctx): Promise<UpstreamTaskRef<DemoTaskState>> => {
    const state: DemoTaskState = { startedAt: Date.now(), durationMs: taskDuration(ctx), drawing: drawing(req, requestedSize(req) ?? outputDimensions(req)) };
    return { upstreamId: `demo-${state.startedAt}-${Math.random().toString(36).slice(2, 10)}`, state };
  },
  // A demo task lives only in its reference: nothing exists anywhere until it is recorded, so a
  // submit cut off by a crash left nothing behind to duplicate.
  findSubmission: async () => undefined,
  poll: async (ref, ctx): Promise<PollResult> => {
    // A reference recorded by an Easel that kept the whole request here has nothing to draw from.
    if (!ref.state?.drawing) return { status: 'failed', error: new UpstreamError('upstream_fault', 'the demo task has nothing to draw') };
    const { startedAt, durationMs, drawing } = ref.state;
    const elapsed = Date.now() - startedAt;
    if (elapsed < durationMs) return { status: elapsed < durationMs / 4 ? 'pending' : 'processing', progress: Math.floor((elapsed / durationMs) * 100) };
    return { status: 'completed', result: await draw(drawing, ctx) };
  },
  generate: async (req, ctx) => draw(drawing(req, requestedSize(req) ?? outputDimensions(req)), ctx),
  edit: async (req, ctx) => draw(drawing(req, inputSize(req), 'EDIT'), ctx),
  vary: async (req, ctx) => draw(drawing(req, inputSize(req), 'VARIATION'), ctx),
});
