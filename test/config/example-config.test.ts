// The shipped easel.example.yaml loads through loadConfig and buildChannels with every variable it
// references set to a dummy, shows a channel of every real provider serving models that provider
// serves, and its commented replica block is valid once uncommented: the example cannot go stale.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveModel } from '../../src/catalog/catalog.ts';
import { ENV_SETTINGS } from '../../src/config/env.ts';
import { loadConfig } from '../../src/config/load.ts';
import { PROVIDER_NAMES } from '../../src/providers/registry.ts';
import { buildChannels } from '../../src/routing/channels.ts';
import { tempDir } from '../helpers/databases.ts';

const EXAMPLE = path.resolve('easel.example.yaml');
const text = readFileSync(EXAMPLE, 'utf8');

/** Every ${VAR} the YAML values reference (not the ones in comments, not $${escaped}). */
function referencedVariables(yaml: string): string[] {
  const values = yaml
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  return [...new Set([...values.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)].map((m) => m[1]))];
}

/** A dummy a variable's use accepts: URL-shaped for endpoints and URLs, a marked string otherwise. */
function dummyEnv(names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.map((name) => {
      if (name === 'REDIS_URL') return [name, 'redis://127.0.0.1:6379'];
      if (name === 'DATABASE_URL') return [name, 'postgres://easel:pw@127.0.0.1:5432/easel'];
      if (/_(URL|ENDPOINT)$/.test(name)) return [name, `https://${name.toLowerCase().replace(/_/g, '-')}.example.com/base`];
      return [name, `dummy-${name}`];
    }),
  );
}

/** The replica block with its settings uncommented ("# " lines) and its notes ("## " lines) dropped. */
function replicaBlock(yaml: string): string {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => l.startsWith('# ── Several replicas'));
  const end = lines.findIndex((l) => l.startsWith('# ── end of the replica settings'));
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  return lines
    .slice(start + 1, end)
    .filter((l) => !l.startsWith('##'))
    .map((l) => l.replace(/^# /, ''))
    .join('\n');
}

describe('easel.example.yaml', () => {
  it('loads with every referenced variable set, and each key reaches its channel', () => {
    const names = referencedVariables(text);
    expect(names).toEqual(expect.arrayContaining(['OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT', 'MIDJOURNEY_PROXY_URL']));
    const env = { ...dummyEnv(names), EASEL_CONFIG: EXAMPLE };
    const config = loadConfig(env, tempDir());
    const channels = buildChannels(config.channels);
    expect(channels.length).toBe(config.channels.length);
    // Each channel's key is its own variable's.
    for (const channel of channels) expect(channel.apiKey).toMatch(/^dummy-[A-Z_]+$/);
    expect(new Set(channels.map((c) => c.apiKey)).size).toBe(channels.length);
    expect(channels.find((c) => c.id === 'azure-eastus')?.baseUrl).toBe('https://azure-openai-endpoint.example.com/base');
  });

  it('shows a channel of every real provider, each serving models its provider serves', () => {
    const config = loadConfig({ ...dummyEnv(referencedVariables(text)), EASEL_CONFIG: EXAMPLE }, tempDir());
    const providers = new Set(config.channels.map((c) => c.provider));
    expect([...providers].sort()).toEqual(PROVIDER_NAMES.filter((p) => p !== 'demo').sort());
    for (const channel of buildChannels(config.channels)) {
      for (const model of channel.models) expect(resolveModel(model)?.upstream, `${channel.id} serves ${model}`).toHaveProperty(channel.provider);
    }
  });

  it('stops with the variable name when one it references is unset', () => {
    const env: Record<string, string> = { ...dummyEnv(referencedVariables(text)), EASEL_CONFIG: EXAMPLE };
    delete env.XAI_API_KEY;
    expect(() => loadConfig(env, tempDir())).toThrow(/XAI_API_KEY/);
  });

  it('has a replica block (S3 storage, Redis, PostgreSQL) that is valid once uncommented', () => {
    const block = replicaBlock(text);
    const dir = tempDir();
    const file = path.join(dir, 'easel.yaml');
    writeFileSync(file, `${text}\n${block}\n`);
    const config = loadConfig({ ...dummyEnv(referencedVariables(`${text}\n${block}`)), EASEL_CONFIG: file }, dir);
    expect(config.storage).toMatchObject({ kind: 's3', bucket: 'easel-images', prefix: 'easel/', media: { mode: 'presigned' } });
    expect(config.redis_url).toBe('redis://127.0.0.1:6379');
    expect(config.database_url).toMatch(/^postgres:\/\//);
  });

  it('names only environment variables that are settings', () => {
    const known = new Set(ENV_SETTINGS.flatMap((s) => [s.name, ...s.aliases]).flatMap((n) => [n, `${n}_FILE`]));
    const named = [...text.matchAll(/\b(EASEL_[A-Z0-9_]+)/g)].map((m) => m[1]).filter((n) => n !== 'EASEL_CONFIG');
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((n) => !known.has(n))).toEqual([]);
  });
});
