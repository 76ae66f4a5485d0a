// Every emulator by provider name, for the standalone runner.

import type { Emulator } from './kit.ts';

export const EMULATORS: Record<string, () => Emulator> = {};
