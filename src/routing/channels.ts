// Channels from the configuration, checked against the catalogue and the provider registry. With no
// channel configured, one built-in demo channel serves every catalogue model, offline.

import type { ChannelConfig } from '../config/schema.ts';
import { listModels, resolveModel } from '../catalog/catalog.ts';
import { PROVIDER_NAMES, providerAdapter } from '../providers/registry.ts';
import type { Channel } from '../providers/types.ts';

export class ChannelConfigError extends Error {
  override name = 'ChannelConfigError';
}

export const DEMO_CHANNEL_ID = 'demo';

export function buildChannels(configured: readonly ChannelConfig[]): Channel[] {
  if (configured.length === 0) {
    return [
      {
        id: DEMO_CHANNEL_ID,
        provider: 'demo',
        baseUrl: '',
        apiKey: '',
        models: listModels().map((m) => m.id),
        priority: 0,
        weight: 1,
        timeoutMs: 120_000,
        modelMap: {},
        options: {},
        onUncertainSubmit: 'resubmit',
      },
    ];
  }
  return configured.map((c, i) => {
    const where = `channels[${i}] (${c.id})`;
    const declaration = providerAdapter(c.provider);
    if (!declaration) {
      throw new ChannelConfigError(`${where}.provider: unknown provider '${c.provider}'; known: ${PROVIDER_NAMES.join(', ')}`);
    }
    // The upstream's documented base URL, from the provider's declaration, when the channel gives none.
    const baseUrl = c.base_url ?? declaration.defaultBaseUrl;
    const models = c.models.map((id, j) => {
      const entry = resolveModel(id);
      if (!entry) throw new ChannelConfigError(`${where}.models[${j}]: '${id}' is not a catalogue model`);
      return entry.id;
    });
    for (const id of Object.keys(c.model_map)) {
      if (!resolveModel(id)) throw new ChannelConfigError(`${where}.model_map: '${id}' is not a catalogue model`);
    }
    if (c.provider !== 'demo' && !baseUrl) {
      throw new ChannelConfigError(`${where}.base_url: required for provider '${c.provider}'`);
    }
    const modelMap = Object.fromEntries(Object.entries(c.model_map).map(([id, name]) => [resolveModel(id)!.id, name]));
    return {
      id: c.id,
      provider: c.provider,
      baseUrl: (baseUrl ?? '').replace(/\/+$/, ''),
      apiKey: c.api_key,
      models: [...new Set(models)],
      priority: c.priority,
      weight: c.weight,
      timeoutMs: c.timeout_ms,
      modelMap,
      options: c.options,
      onUncertainSubmit: c.on_uncertain_submit,
    };
  });
}
