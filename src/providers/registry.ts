// Every provider Easel can route to, each declared once in its folder (defineProvider). A channel's
// `provider` names one of these; the names, the default base URLs and the adapters all come from here.

import type { UpstreamProvider } from '../catalog/model-entry.ts';
import { azureProvider } from './azure/adapter.ts';
import { bflProvider } from './bfl/adapter.ts';
import { demoProvider } from './demo/adapter.ts';
import { geminiProvider } from './gemini/adapter.ts';
import { ideogramProvider } from './ideogram/adapter.ts';
import { midjourneyProvider } from './midjourney/adapter.ts';
import { openaiProvider } from './openai/adapter.ts';
import { stabilityProvider } from './stability/adapter.ts';
import { togetherProvider } from './together/adapter.ts';
import type { Channel, ProviderAdapter, ProviderDeclaration } from './types.ts';
import { xaiProvider } from './xai/adapter.ts';

const DECLARATIONS = [
  openaiProvider,
  azureProvider,
  xaiProvider,
  togetherProvider,
  ideogramProvider,
  stabilityProvider,
  bflProvider,
  midjourneyProvider,
  geminiProvider,
  demoProvider,
] as const;

export type ProviderName = (typeof DECLARATIONS)[number]['name'];

/** Every provider a catalogue entry can name has a declaration above: this fails to compile otherwise. */
type Undeclared = Exclude<UpstreamProvider, ProviderName>;
const everyCatalogueProviderIsDeclared: [Undeclared] extends [never] ? true : Undeclared = true;
void everyCatalogueProviderIsDeclared;

/** Provider names in declaration order: what a channel's `provider` may be. */
export const PROVIDER_NAMES: readonly ProviderName[] = DECLARATIONS.map((declaration) => declaration.name);

const BY_NAME: ReadonlyMap<string, ProviderDeclaration> = new Map(DECLARATIONS.map((declaration) => [declaration.name, declaration]));
// Two declarations under one name would make a channel's provider ambiguous: fail at load.
if (BY_NAME.size !== DECLARATIONS.length) throw new Error('provider registry: two providers are declared under one name');

/** The declaration (adapter, default base URL) for a provider name, or undefined for an unknown one. */
export function providerAdapter(name: string): ProviderDeclaration | undefined {
  return BY_NAME.get(name);
}

/**
 * The adapter that serves a channel. Channels are checked against PROVIDER_NAMES when they are built
 * (routing/channels.ts), so an unknown provider here is a programming error, not a request error.
 */
export function adapterOf(channel: Pick<Channel, 'id' | 'provider'>): ProviderAdapter {
  const declaration = BY_NAME.get(channel.provider);
  if (!declaration) throw new Error(`channel ${channel.id}: no provider is declared as '${channel.provider}'`);
  return declaration;
}
