// Configuration: YAML + environment, ${VAR} substitution, and messages that name the bad field.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, publicBaseUrl, substituteEnv } from '../../src/config/load.ts';
import { buildChannels, ChannelConfigError } from '../../src/routing/channels.ts';
import { tempDir } from '../helpers/databases.ts';

describe('loading', () => {
  it('has embedded defaults with no file and no environment', () => {
    const config = loadConfig({}, tempDir());
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, data_dir: './data', channels: [] });
    expect(config.database_url).toBeUndefined();
    expect(publicBaseUrl(config)).toBe('http://127.0.0.1:8080');
  });

  it('reads ./easel.yaml, substitutes ${VAR}, and lets the environment win', () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'easel.yaml'),
      ['port: 9000', 'public_url: https://img.example.com', 'channels:', '  - id: oa', '    provider: demo', '    api_key: ${OA_KEY}', '    models: [gpt-image-2]'].join('\n'),
    );
    const config = loadConfig({ OA_KEY: 'secret-value', EASEL_PORT: '9100' }, dir);
    expect(config.port).toBe(9100);
    expect(config.channels[0]).toMatchObject({ id: 'oa', api_key: 'secret-value', priority: 0, weight: 1, timeout_ms: 120000 });
    expect(publicBaseUrl(config)).toBe('https://img.example.com');
  });

  it('uses EASEL_CONFIG over ./easel.yaml', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'other.yaml'), 'port: 7000\n');
    expect(loadConfig({ EASEL_CONFIG: 'other.yaml' }, dir).port).toBe(7000);
  });

  it('fails on an unset ${VAR} with its name', () => {
    expect(() => substituteEnv('api_key: ${MISSING_SECRET}', {})).toThrow(/MISSING_SECRET/);
    expect(substituteEnv('literal: $${NOT_A_VAR}', {})).toBe('literal: ${NOT_A_VAR}');
  });

  it.each([
    [{ port: 70000 }, /port/],
    [{ public_url: 'not a url' }, /public_url/],
    [{ database_url: 'mysql://x' }, /database_url/],
    [{ unknown_field: 1 }, /unknown_field|Unrecognized/],
    [{ channels: [{ id: 'a', provider: 'demo', models: [] }] }, /channels\[0\]\.models/],
    [{ channels: [{ id: 'a b', provider: 'demo', models: ['x'] }] }, /channels\[0\]\.id/],
    [{ channels: [{ id: 'a', provider: 'demo', models: ['gpt-image-2'], weight: 0 }] }, /channels\[0\]\.weight/],
    [{ channels: [{ id: 'a', provider: 'demo', models: ['gpt-image-2'] }, { id: 'a', provider: 'demo', models: ['gpt-image-2'] }] }, /duplicate id 'a'/],
  ])('rejects %j naming the field', (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });

  it('rejects YAML that is not a mapping', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'easel.yaml'), '- a\n- b\n');
    expect(() => loadConfig({}, dir)).toThrow(/mapping/);
  });
});

describe('channels', () => {
  it('serves every model from the demo provider when none is configured', () => {
    const [demo] = buildChannels([]);
    expect(demo.provider).toBe('demo');
    expect(demo.models).toEqual(expect.arrayContaining(['gpt-image-2', 'midjourney', 'flux-pro']));
  });

  it('resolves aliases and checks providers and models against the catalogue', () => {
    const base = parseConfig({ channels: [{ id: 'x', provider: 'demo', models: ['grok-imagine-image-pro'], model_map: { 'gemini-3-pro-image': 'up' } }] });
    const [channel] = buildChannels(base.channels);
    expect(channel.models).toEqual(['grok-imagine-image-quality']);
    expect(channel.modelMap).toEqual({ 'gemini-3-pro-image-preview': 'up' });
    expect(() => buildChannels(parseConfig({ channels: [{ id: 'x', provider: 'nope', models: ['gpt-image-2'] }] }).channels)).toThrow(ChannelConfigError);
    expect(() => buildChannels(parseConfig({ channels: [{ id: 'x', provider: 'demo', models: ['gpt-9'] }] }).channels)).toThrow(/models\[0\]/);
  });
});

describe('substitution fallbacks', () => {
  it('uses ${VAR:-fallback} when VAR is unset or empty', () => {
    expect(substituteEnv('k: ${A:-x}', {})).toBe('k: x');
    expect(substituteEnv('k: ${A:-}', { A: '' })).toBe('k: ');
    expect(substituteEnv('k: ${A:-x}', { A: 'set' })).toBe('k: set');
  });
});
