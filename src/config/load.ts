// Loads the configuration: YAML file (EASEL_CONFIG, else ./easel.yaml when present), ${VAR}
// substitution inside it for secrets, then EASEL_* environment variables on top.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Environment variable → config field; numbers are converted before validation. */
const ENV_FIELDS: Array<[string, keyof Config, 'string' | 'number']> = [
  ['EASEL_HOST', 'host', 'string'],
  ['EASEL_PORT', 'port', 'number'],
  ['EASEL_DATA_DIR', 'data_dir', 'string'],
  ['EASEL_PUBLIC_URL', 'public_url', 'string'],
  ['EASEL_ADMIN_TOKEN', 'admin_token', 'string'],
  ['DATABASE_URL', 'database_url', 'string'],
  ['EASEL_LOG_LEVEL', 'log_level', 'string'],
];

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const file = env.EASEL_CONFIG ?? (existsSync(path.join(cwd, 'easel.yaml')) ? 'easel.yaml' : undefined);
  const raw: Record<string, unknown> = file ? readYaml(path.resolve(cwd, file), env) : {};

  for (const [name, field, kind] of ENV_FIELDS) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[field] = kind === 'number' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return parseConfig(raw, file ?? 'environment');
}

export function parseConfig(raw: unknown, origin = 'config'): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`Invalid configuration (${origin}):\n${formatIssues(result.error)}`);
  const config = result.data;
  const ids = new Set<string>();
  for (const [i, channel] of config.channels.entries()) {
    if (ids.has(channel.id)) throw new ConfigError(`Invalid configuration (${origin}):\n  channels[${i}].id: duplicate id '${channel.id}'`);
    ids.add(channel.id);
  }
  return config;
}

function readYaml(file: string, env: Env): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`Config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`Config file ${file} must hold a mapping at the top level`);
  return substituteInValues(doc, env, file) as Record<string, unknown>;
}

/** Substitutes inside string values only, so comments and keys are left alone. */
function substituteInValues(value: unknown, env: Env, file: string): unknown {
  if (typeof value === 'string') return substituteEnv(value, env, file);
  if (Array.isArray(value)) return value.map((v) => substituteInValues(v, env, file));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteInValues(v, env, file)]));
  }
  return value;
}

/**
 * `${VAR}` is replaced by the variable (an unset one is an error, so a missing secret fails loudly),
 * `${VAR:-fallback}` by the variable or the fallback; `$${` escapes.
 */
export function substituteEnv(text: string, env: Env, file = 'config'): string {
  return text.replace(/\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g, (whole, escape: string, name: string, hasFallback?: string, fallback?: string) => {
    if (escape) return whole.slice(1);
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (hasFallback !== undefined) return fallback ?? '';
    if (value !== undefined) return value;
    throw new ConfigError(`${file}: environment variable ${name} is referenced but not set`);
  });
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
      return `  ${field}: ${issue.message}`;
    })
    .join('\n');
}

/** The base of every URL Easel hands out for its own media. */
export function publicBaseUrl(config: Config, boundPort?: number): string {
  if (config.public_url) return config.public_url.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `http://${hostPart}:${boundPort ?? config.port}`;
}
