// Settings from the environment: the rule read off the schema (EASEL_ + path, "__" between levels),
// typed by the schema, JSON for lists and maps, *_FILE forms, the old names, and messages that name
// the variable. Also ${file:...} in the YAML and the money range of config amounts.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_SETTINGS } from '../../src/config/env.ts';
import { ConfigError, loadConfig, substituteEnv } from '../../src/config/load.ts';
import { tempDir } from '../helpers/databases.ts';

const load = (env: Record<string, string>, dir = tempDir()) => loadConfig({ EASEL_CONFIG: '', ...env }, dir);

/** The message loadConfig stops with (fails the test when it does not stop). */
function refusal(env: Record<string, string>, dir?: string): string {
  try {
    load(env, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('the mapping rule', () => {
  it('gives every scalar of the schema a name, and JSON to lists and maps', () => {
    const byName = new Map(ENV_SETTINGS.map((s) => [s.name, s]));
    expect(byName.get('EASEL_LIMITS__JSON_BODY_BYTES')).toMatchObject({ path: ['limits', 'json_body_bytes'], kind: 'number' });
    expect(byName.get('EASEL_FETCH__ALLOW_PRIVATE_ADDRESSES')?.kind).toBe('boolean');
    expect(byName.get('EASEL_STORAGE__MEDIA__PRESIGN_TTL_S')).toMatchObject({ path: ['storage', 'media', 'presign_ttl_s'], kind: 'number' });
    // Fields of either storage branch, each once.
    for (const name of ['EASEL_STORAGE__KIND', 'EASEL_STORAGE__BUCKET', 'EASEL_STORAGE__FORCE_PATH_STYLE', 'EASEL_REDIS_URL']) expect(byName.has(name), name).toBe(true);
    expect(ENV_SETTINGS.filter((s) => s.name === 'EASEL_STORAGE__MEDIA__MODE')).toHaveLength(1);
    expect(byName.get('EASEL_CHANNELS')?.kind).toBe('json');
    expect(byName.get('EASEL_PRICING__OVERRIDES')?.kind).toBe('json');
    expect(byName.get('EASEL_DATABASE_URL')?.aliases).toEqual(['DATABASE_URL']);
    // The rule, for every setting: the name is the path.
    for (const s of ENV_SETTINGS) expect(s.name).toBe(`EASEL_${s.path.join('__').toUpperCase()}`);
    expect(ENV_SETTINGS.length).toBeGreaterThan(35);
  });

  it('sets nested numbers, booleans, enums and strings, typed by the schema', () => {
    const config = load({
      EASEL_LIMITS__JSON_BODY_BYTES: '2048',
      EASEL_TASKS__RETENTION_HOURS: '0.5',
      EASEL_PRICING__MARKUP_PERCENT: '12.5',
      EASEL_FETCH__ALLOW_PRIVATE_ADDRESSES: 'TRUE',
      EASEL_LOG_LEVEL: 'warn',
      EASEL_BOOTSTRAP__STARTER_CREDIT_USD: '7.25',
      EASEL_STORAGE__KIND: 's3',
      EASEL_STORAGE__BUCKET: 'my-bucket',
      EASEL_STORAGE__FORCE_PATH_STYLE: '1',
      EASEL_STORAGE__MEDIA__MODE: 'presigned',
      EASEL_REDIS_URL: 'redis://cache:6379',
    });
    expect(config.limits.json_body_bytes).toBe(2048);
    expect(config.limits.max_connections).toBe(10_000);
    expect(config.tasks.retention_hours).toBe(0.5);
    expect(config.pricing.markup_percent).toBe(12.5);
    expect(config.fetch.allow_private_addresses).toBe(true);
    expect(config.log_level).toBe('warn');
    expect(config.bootstrap.starter_credit_usd).toBe('7.25');
    expect(config.storage).toEqual({ kind: 's3', bucket: 'my-bucket', region: 'us-east-1', force_path_style: true, prefix: '', media: { mode: 'presigned', presign_ttl_s: 3600 } });
    expect(config.redis_url).toBe('redis://cache:6379');
  });

  it('keeps the names documented before the rule', () => {
    const config = load({ EASEL_HOST: '0.0.0.0', EASEL_PORT: '9100', EASEL_DATA_DIR: '/srv/easel', EASEL_PUBLIC_URL: 'https://img.example.com', EASEL_ADMIN_TOKEN: 'a-long-admin-token-1', DATABASE_URL: 'postgres://a@b/c', EASEL_LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 9100, data_dir: '/srv/easel', public_url: 'https://img.example.com', admin_token: 'a-long-admin-token-1', database_url: 'postgres://a@b/c', log_level: 'debug' });
    // The rule's name wins over the old one (a platform may set DATABASE_URL for something else).
    expect(load({ DATABASE_URL: 'postgres://old@h/db', EASEL_DATABASE_URL: 'postgres://new@h/db' }).database_url).toBe('postgres://new@h/db');
  });

  it('overrides the YAML field by field, and takes channels as JSON', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'easel.yaml'), ['limits:', '  json_body_bytes: 4096', '  shutdown_grace_ms: 100', 'channels:', '  - {id: a, provider: demo, models: [gpt-image-2]}'].join('\n'));
    const channels = [{ id: 'from-env', provider: 'demo', models: ['dall-e-3'], api_key: 'k' }];
    const config = loadConfig({ EASEL_LIMITS__JSON_BODY_BYTES: '8192', EASEL_CHANNELS: JSON.stringify(channels), EASEL_PRICING__OVERRIDES: '{"dall-e-3":{"per_image_usd":"0.05"}}' }, dir);
    expect(config.limits).toMatchObject({ json_body_bytes: 8192, shutdown_grace_ms: 100 });
    expect(config.channels.map((c) => c.id)).toEqual(['from-env']);
    expect(config.pricing.overrides).toEqual({ 'dall-e-3': { per_image_usd: '0.05' } });
  });

  it('treats an empty variable as unset', () => {
    expect(load({ EASEL_PORT: '', EASEL_LIMITS__JSON_BODY_BYTES: '' }).port).toBe(8080);
  });
});

describe('wrong values name the variable', () => {
  it.each([
    [{ EASEL_PORT: 'eighty' }, /EASEL_PORT: not a number \(port\)/],
    [{ EASEL_PORT: '70000' }, /port: .*\(from EASEL_PORT\)/],
    [{ EASEL_LIMITS__JSON_BODY_BYTES: '1.5' }, /limits\.json_body_bytes: .*expected int.*\(from EASEL_LIMITS__JSON_BODY_BYTES\)/],
    [{ EASEL_FETCH__ALLOW_PRIVATE_ADDRESSES: 'yes' }, /EASEL_FETCH__ALLOW_PRIVATE_ADDRESSES: must be true, false, 1 or 0/],
    [{ EASEL_LOG_LEVEL: 'loud' }, /log_level: .*\(from EASEL_LOG_LEVEL\)/],
    [{ EASEL_STORAGE__KIND: 'nfs' }, /storage\.kind: .*'local' \| 's3'.*\(from EASEL_STORAGE__KIND\)/],
    [{ EASEL_STORAGE__BUCKET: 'b-1-2' , EASEL_STORAGE__KIND: 'local' }, /storage: Unrecognized key.*bucket.*\(from EASEL_STORAGE__BUCKET\)/],
    [{ EASEL_REDIS_URL: 'http://cache' }, /redis_url: must start with redis:\/\/.*\(from EASEL_REDIS_URL\)/],
    [{ EASEL_CHANNELS: '[{"id": "x", "provider": "demo", "models": []}]' }, /channels\[0\]\.models: .*\(from EASEL_CHANNELS\)/],
    [{ EASEL_LIMITS__JSON_BODY_BYTE: '2048' }, /EASEL_LIMITS__JSON_BODY_BYTE names no setting; the settings under EASEL_LIMITS__ are EASEL_LIMITS__JSON_BODY_BYTES/],
    [{ EASEL_CHANNELS__0__API_KEY: 'k' }, /EASEL_CHANNELS__0__API_KEY names no setting/],
  ])('%j', (env, message) => expect(refusal(env)).toMatch(message));

  it('does not echo JSON text, which may hold keys', () => {
    const message = refusal({ EASEL_CHANNELS: '[{"api_key": "sk-secret-value", oops}]' });
    expect(message).toMatch(/EASEL_CHANNELS: not valid JSON .*channels takes JSON/);
    expect(message).not.toContain('sk-secret-value');
  });
});

describe('*_FILE variables', () => {
  it('read the value from the file, dropping one trailing newline', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'admin'), 'token-from-a-file-123\n');
    writeFileSync(path.join(dir, 'db'), 'postgres://u:p@h/db\r\n');
    writeFileSync(path.join(dir, 'level'), 'warn\n\n');
    writeFileSync(path.join(dir, 'port'), '9200');
    const config = load({ EASEL_ADMIN_TOKEN_FILE: path.join(dir, 'admin'), EASEL_DATABASE_URL_FILE: 'db', EASEL_PORT_FILE: 'port', EASEL_LIMITS__MAX_CONNECTIONS_FILE: 'port' }, dir);
    expect(config.admin_token).toBe('token-from-a-file-123');
    expect(config.database_url).toBe('postgres://u:p@h/db');
    expect(config.port).toBe(9200);
    expect(config.limits.max_connections).toBe(9200);
    expect(load({ DATABASE_URL_FILE: 'db' }, dir).database_url).toBe('postgres://u:p@h/db');
    // Only one newline goes: the second is part of the value, which the schema then refuses.
    expect(refusal({ EASEL_LOG_LEVEL_FILE: 'level' }, dir)).toMatch(/log_level: .*\(from EASEL_LOG_LEVEL_FILE\)/);
  });

  it('refuse a variable set both ways, and a file that cannot be read', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'admin'), 'token-from-a-file-123');
    expect(refusal({ EASEL_ADMIN_TOKEN: 'token-in-the-environment', EASEL_ADMIN_TOKEN_FILE: 'admin' }, dir)).toBe('EASEL_ADMIN_TOKEN and EASEL_ADMIN_TOKEN_FILE are both set: set one');
    expect(refusal({ EASEL_REDIS_URL_FILE: 'missing' }, dir)).toBe(`EASEL_REDIS_URL_FILE: cannot read ${path.join(dir, 'missing')}: ENOENT`);
  });
});

describe('${file:...} in the YAML', () => {
  it('substitutes a file relative to the config file, keeping ${file:-x} a fallback and $${file:...} literal', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'openai.key'), 'sk-from-file\n');
    writeFileSync(path.join(dir, 'easel.yaml'), ['channels:', '  - id: oa', '    provider: demo', '    api_key: ${file:openai.key}', '    models: [gpt-image-2]'].join('\n'));
    expect(loadConfig({}, dir).channels[0].api_key).toBe('sk-from-file');
    expect(substituteEnv('k: $${file:/x}', {})).toBe('k: ${file:/x}');
    expect(substituteEnv('k: ${file:-fallback}', {})).toBe('k: fallback');
    expect(() => substituteEnv('k: ${file:nope.key}', {}, path.join(dir, 'easel.yaml'))).toThrow(/cannot read .*nope\.key: ENOENT/);
  });
});

describe('money in the config', () => {
  it('refuses amounts past the exact range, naming the field', () => {
    expect(refusal({ EASEL_BOOTSTRAP__STARTER_CREDIT_USD: '9007199254.740992' })).toMatch(
      /bootstrap\.starter_credit_usd: starter_credit_usd is beyond the largest exact amount, 9007199254\.740991 \(from EASEL_BOOTSTRAP__STARTER_CREDIT_USD\)/,
    );
    expect(load({ EASEL_BOOTSTRAP__STARTER_CREDIT_USD: '9007199254.740991' }).bootstrap.starter_credit_usd).toBe('9007199254.740991');
    expect(refusal({ EASEL_PRICING__OVERRIDES: '{"dall-e-3":{"per_request_usd":"99999999999"}}' })).toMatch(/pricing\.overrides\.dall-e-3\.per_request_usd: per_request_usd is beyond the largest exact amount/);
    expect(refusal({ EASEL_PRICING__OVERRIDES: '{"dall-e-3":{"per_image_usd":"0.0000001"}}' })).toMatch(/pricing\.overrides\.dall-e-3/);
  });
});
