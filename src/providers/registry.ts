// Provider name (a channel's `provider`, the adapter's folder name) → adapter.

import { demoAdapter } from './demo/adapter.ts';
import type { ProviderAdapter } from './types.ts';

export const PROVIDERS: Readonly<Record<string, ProviderAdapter>> = {
  demo: demoAdapter,
};
