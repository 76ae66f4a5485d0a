// Provider name (a channel's `provider`, the adapter's folder name) → adapter.

import { demoAdapter } from './demo/adapter.ts';
import { openaiAdapter } from './openai/adapter.ts';
import { azureAdapter } from './azure/adapter.ts';
import { geminiAdapter } from './gemini/adapter.ts';
import { xaiAdapter } from './xai/adapter.ts';
import { togetherAdapter } from './together/adapter.ts';
import { ideogramAdapter } from './ideogram/adapter.ts';
import { stabilityAdapter } from './stability/adapter.ts';
import { bflAdapter } from './bfl/adapter.ts';
import { midjourneyAdapter } from './midjourney/adapter.ts';
import type { ProviderAdapter } from './types.ts';

export const PROVIDERS: Readonly<Record<string, ProviderAdapter>> = {
  openai: openaiAdapter,
  azure: azureAdapter,
  xai: xaiAdapter,
  together: togetherAdapter,
  ideogram: ideogramAdapter,
  stability: stabilityAdapter,
  bfl: bflAdapter,
  midjourney: midjourneyAdapter,
  gemini: geminiAdapter,
  demo: demoAdapter,
};
