// What each Gemini image model accepts and produces (upstreams.md §3.2): aspect ratios, imageSize
// tiers, output pixel sizes, image token counts. The emulator's copy of Google's behaviour; it does not
// read Easel's catalogue, so a catalogue mistake shows up as a disagreement in the tests.

import { sizeForRatio } from './kit.ts';

export interface GeminiModelSpec {
  ratios: readonly string[];
  /** Accepted imageConfig.imageSize values, exactly as spelled on the wire. */
  imageSizes: readonly string[];
  /** 3.x models think: thought parts (with an interim image) come before the answer. */
  thinks: boolean;
  /** Output IMAGE tokens per imageSize tier. */
  tokens: Readonly<Record<string, number>>;
  inputImageTokens: number;
  maxInputImages: number;
  /** Observed 1K sizes by ratio; other ratios are ~1 MP, multiples of 16. */
  pairs: Readonly<Record<string, readonly [number, number]>>;
  /** gemini-2.0 image generation: TEXT+IMAGE only, no imageConfig, no system instruction. */
  legacy?: boolean;
}

const RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
const RATIOS_31 = [...RATIOS, '1:4', '4:1', '1:8', '8:1'] as const;

/** Edge scale per tier: 1K ≈ 1 MP, 2K ≈ 4 MP, 4K ≈ 16 MP, 512 ≈ 0.25 MP. */
const TIER_SCALE: Readonly<Record<string, number>> = { '512': 0.5, '1K': 1, '2K': 2, '4K': 4 };

/**
 * Input images count 258 tokens on 2.x (a 768px tile) and 560 on 3 Pro (Vertex model card). The 2.x
 * limit of 3 references is Google's recommendation [unverified as a hard limit]; 14 on 3.x is documented.
 */
const flash25: GeminiModelSpec = {
  ratios: RATIOS,
  imageSizes: ['1K'],
  thinks: false,
  tokens: { '1K': 1290 },
  inputImageTokens: 258,
  maxInputImages: 3,
  pairs: { '16:9': [1344, 768] },
};

const pro3: GeminiModelSpec = {
  ratios: RATIOS,
  imageSizes: ['1K', '2K', '4K'],
  thinks: true,
  tokens: { '1K': 1120, '2K': 1120, '4K': 2000 },
  inputImageTokens: 560,
  maxInputImages: 14,
  pairs: { '16:9': [1376, 768] },
};

const flash31: GeminiModelSpec = {
  ratios: RATIOS_31,
  imageSizes: ['512', '1K', '2K', '4K'],
  thinks: true,
  tokens: { '512': 747, '1K': 1120, '2K': 1680, '4K': 2520 },
  inputImageTokens: 560,
  maxInputImages: 14,
  pairs: {},
};

const flash20: GeminiModelSpec = {
  ratios: ['1:1'],
  imageSizes: [],
  thinks: false,
  tokens: { '1K': 1290 },
  inputImageTokens: 258,
  maxInputImages: 3,
  pairs: {},
  legacy: true,
};

/** Preview ids and the GA ids without `-preview` both answer. */
export const GEMINI_EMULATED_MODELS: Readonly<Record<string, GeminiModelSpec>> = {
  'gemini-2.5-flash-image': flash25,
  'gemini-2.5-flash-image-preview': flash25,
  'gemini-3-pro-image-preview': pro3,
  'gemini-3-pro-image': pro3,
  'gemini-3.1-flash-image-preview': flash31,
  'gemini-3.1-flash-image': flash31,
  'gemini-2.0-flash-preview-image-generation': flash20,
};

/** The pixel size the model draws: the observed 1K pair (or ~1 MP) scaled by the tier. */
export function outputSize(spec: GeminiModelSpec, ratio: string, imageSize: string): { width: number; height: number } {
  const pair = spec.pairs[ratio];
  const base = pair ? { width: pair[0], height: pair[1] } : sizeForRatio(ratio, 1);
  const scale = TIER_SCALE[imageSize] ?? 1;
  return { width: Math.round(base.width * scale), height: Math.round(base.height * scale) };
}

export function imageTokens(spec: GeminiModelSpec, imageSize: string): number {
  return spec.tokens[imageSize] ?? spec.tokens['1K'];
}
