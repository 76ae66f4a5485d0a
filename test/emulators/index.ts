// Every emulator by provider name, for the standalone runner.

import type { Emulator } from './kit.ts';
import { createOpenaiEmulator } from './openai.ts';
import { createAzureEmulator } from './azure.ts';
import { createGeminiEmulator } from './gemini.ts';
import { createIdeogramEmulator } from './ideogram.ts';
import { createStabilityEmulator } from './stability.ts';
import { createXaiEmulator } from './xai.ts';
import { createTogetherEmulator } from './together.ts';
import { createBflEmulator } from './bfl.ts';
import { createMidjourneyEmulator } from './midjourney.ts';

export const EMULATORS: Record<string, () => Emulator> = {
  openai: createOpenaiEmulator,
  azure: createAzureEmulator,
  gemini: createGeminiEmulator,
  ideogram: createIdeogramEmulator,
  stability: createStabilityEmulator,
  xai: createXaiEmulator,
  together: createTogetherEmulator,
  bfl: () => createBflEmulator(),
  midjourney: createMidjourneyEmulator,
};
