// The model catalogue: every image model Easel serves, as data. Each family lives in its own file
// under models/; this list fixes their order (the order of GET /v1/models without recommended_for).

import type { ModelEntry } from './model-entry.ts';
import { FLUX_MODELS } from './models/flux.ts';
import { GEMINI_MODELS } from './models/gemini.ts';
import { OPENAI_MODELS } from './models/openai.ts';
import { OTHER_MODELS } from './models/others.ts';
import { XAI_MODELS } from './models/xai.ts';

export type { ModelEntry } from './model-entry.ts';

export const MODELS: readonly ModelEntry[] = [...OPENAI_MODELS, ...GEMINI_MODELS, ...XAI_MODELS, ...FLUX_MODELS, ...OTHER_MODELS];
