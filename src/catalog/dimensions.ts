// The pixel size an upstream would produce for a normalized request. The demo provider draws at this
// size and the emulators answer with it, so tests see the same geometry a real upstream gives.

import { resolveModel } from './catalog.ts';
import type { OutputGeometry } from './model-entry.ts';
import { ratioValue } from './size-rules.ts';
import type { NormalizedImageRequest } from './types.ts';

export interface Dimensions {
  width: number;
  height: number;
}

/** Used when a request names a model the catalogue no longer has: a plain 1 MP square. */
const FALLBACK: OutputGeometry = { kind: 'ratio', basePixels: 1024 * 1024, multipleOf: 16 };

export function outputDimensions(req: NormalizedImageRequest): Dimensions {
  if (req.size && req.size !== 'auto') return { width: req.size.width, height: req.size.height };
  const geometry = resolveModel(req.model)?.geometry ?? FALLBACK;
  if (geometry.kind === 'pixels') return { ...geometry.auto };
  // `auto` (Grok) and an absent ratio (image-to-image keeping the input's shape) are drawn square.
  const ratio = req.aspectRatio && ratioValue(req.aspectRatio) !== undefined ? req.aspectRatio : '1:1';
  const tier = req.resolution ?? geometry.defaultTier;
  const scale = (tier && geometry.tierScale?.[tier]) || 1;

  const exact = geometry.pairs?.[`${ratio}@${tier}`];
  if (exact) return { width: exact[0], height: exact[1] };
  const base = geometry.pairs?.[ratio] ?? (geometry.defaultTier ? geometry.pairs?.[`${ratio}@${geometry.defaultTier}`] : undefined);
  if (base) return { width: base[0] * scale, height: base[1] * scale };

  const r = ratioValue(ratio)!;
  const round = (x: number) => Math.max(geometry.multipleOf, Math.round(x / geometry.multipleOf) * geometry.multipleOf);
  return {
    width: round(Math.sqrt(geometry.basePixels * r)) * scale,
    height: round(Math.sqrt(geometry.basePixels / r)) * scale,
  };
}
