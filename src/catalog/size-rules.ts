// `size` in all its forms: the gpt-image-2 flexible rule, fixed lists, FLUX ranges, and the
// compatibility alias that maps a pixel size onto an aspect ratio and a resolution tier.

import type { SizeRule } from './model-entry.ts';

export interface Pixels {
  width: number;
  height: number;
}

export type SizeCheck = { ok: true; size: Pixels | 'auto' } | { ok: false; message: string };

const WXH = /^(\d{1,5})x(\d{1,5})$/;

export function parseSize(value: string): Pixels | undefined {
  const m = WXH.exec(value.trim().toLowerCase());
  if (!m) return undefined;
  const width = Number(m[1]);
  const height = Number(m[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

function formatSize({ width, height }: Pixels): string {
  return `${width}x${height}`;
}

/** A normalized size as the public `size` field spells it: `auto` or `WxH`. */
export function sizeParam(size: Pixels | 'auto'): string {
  return size === 'auto' ? 'auto' : formatSize(size);
}

/** One sentence stating a rule, for error messages and the published contract notes. */
export function describeSizeRule(rule: SizeRule): string {
  switch (rule.kind) {
    case 'flexible':
      return (
        `${rule.allowAuto ? 'auto or ' : ''}WIDTHxHEIGHT with both edges multiples of ${rule.multipleOf}, longest edge <= ${rule.maxEdge}px, ` +
        `long/short ratio <= ${rule.maxRatio}:1, total pixels ${rule.minPixels.toLocaleString('en-US')}-${rule.maxPixels.toLocaleString('en-US')}`
      );
    case 'list':
      return `one of ${rule.values.join(', ')}`;
    case 'range':
      return `WIDTHxHEIGHT with each edge ${rule.minEdge}-${rule.maxEdge}px and a multiple of ${rule.multipleOf}`;
    case 'aspect-alias':
      return 'WIDTHxHEIGHT as a compatibility alias, mapped to the nearest allowed aspect_ratio (and resolution tier where the operation has them); prefer aspect_ratio';
  }
}

/** Checks a size against a pixel rule. The aspect alias is handled by `mapSizeToSelectors`. */
export function checkSize(rule: SizeRule, value: string): SizeCheck {
  const fail = (why: string): SizeCheck => ({ ok: false, message: `${why}. Allowed: ${describeSizeRule(rule)}.` });
  if (rule.kind === 'list') {
    return rule.values.includes(value) ? { ok: true, size: parseSize(value)! } : fail(`size '${value}' is not supported`);
  }
  if (rule.kind === 'flexible' && rule.allowAuto && value === 'auto') return { ok: true, size: 'auto' };
  const px = parseSize(value);
  if (!px) return fail(`size '${value}' is not WIDTHxHEIGHT`);
  const { width, height } = px;
  if (rule.kind === 'range') {
    if (width % rule.multipleOf || height % rule.multipleOf) return fail(`size ${value}: both edges must be multiples of ${rule.multipleOf}`);
    if (Math.min(width, height) < rule.minEdge || Math.max(width, height) > rule.maxEdge) {
      return fail(`size ${value}: each edge must be ${rule.minEdge}-${rule.maxEdge}px`);
    }
    return { ok: true, size: px };
  }
  if (rule.kind === 'flexible') {
    const long = Math.max(width, height);
    const short = Math.min(width, height);
    const pixels = width * height;
    if (width % rule.multipleOf || height % rule.multipleOf) return fail(`size ${value}: both edges must be multiples of ${rule.multipleOf}`);
    if (long > rule.maxEdge) return fail(`size ${value}: the longest edge ${long}px exceeds ${rule.maxEdge}px`);
    if (long > short * rule.maxRatio) return fail(`size ${value}: long/short ratio ${(long / short).toFixed(2)} exceeds ${rule.maxRatio}:1`);
    if (pixels < rule.minPixels) return fail(`size ${value}: ${pixels.toLocaleString('en-US')} pixels is below ${rule.minPixels.toLocaleString('en-US')}`);
    if (pixels > rule.maxPixels) return fail(`size ${value}: ${pixels.toLocaleString('en-US')} pixels exceeds ${rule.maxPixels.toLocaleString('en-US')}`);
    return { ok: true, size: px };
  }
  return fail('size is only an alias here');
}

/** `16:9` → 1.777…; undefined for `auto` or anything malformed. */
export function ratioValue(ratio: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ratio);
  if (!m) return undefined;
  const v = Number(m[1]) / Number(m[2]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** The allowed ratio closest to width/height, compared on a log scale so 2:1 and 1:2 are equally far from 1:1. */
export function nearestAspectRatio(px: Pixels, allowed: readonly string[]): string | undefined {
  const target = Math.log(px.width / px.height);
  let best: { ratio: string; d: number } | undefined;
  for (const ratio of allowed) {
    const v = ratioValue(ratio);
    if (v === undefined) continue;
    const d = Math.abs(Math.log(v) - target);
    if (!best || d < best.d) best = { ratio, d };
  }
  return best?.ratio;
}

/** Edge of a `1k`/`2k`/`4k` tier in pixels (1k = 1024). */
function tierEdge(tier: string): number | undefined {
  const m = /^(\d+)k$/i.exec(tier);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** A tier may fall this much short of the requested pixel count and still count as covering it. */
const TIER_SLACK = 0.9;

/**
 * The smallest tier whose area covers the requested pixel count (1024x1024 → 1k, 1792x1024 → 2k,
 * 3840x2160 → 4k), so the client never gets less detail than the size asked for; the largest tier
 * when none does.
 */
export function coveringResolution(px: Pixels, tiers: readonly string[]): string | undefined {
  const sized = tiers
    .map((tier) => ({ tier, edge: tierEdge(tier) }))
    .filter((t): t is { tier: string; edge: number } => t.edge !== undefined)
    .sort((a, b) => a.edge - b.edge);
  const wanted = px.width * px.height * TIER_SLACK;
  return (sized.find((t) => t.edge * t.edge >= wanted) ?? sized.at(-1))?.tier;
}

/** Maps a WIDTHxHEIGHT size onto the operation's selectors. `resolutions` is empty where it has none. */
export function mapSizeToSelectors(
  value: string,
  ratios: readonly string[],
  resolutions: readonly string[],
): { ok: true; aspectRatio?: string; resolution?: string } | { ok: false; message: string } {
  const px = parseSize(value);
  if (!px) return { ok: false, message: `size '${value}' is not WIDTHxHEIGHT; prefer aspect_ratio (${ratios.join(', ')})` };
  return { ok: true, aspectRatio: nearestAspectRatio(px, ratios), resolution: resolutions.length ? coveringResolution(px, resolutions) : undefined };
}
