// Loads the configuration: YAML file (EASEL_CONFIG, else ./easel.yaml when present), ${VAR} and
// ${file:/path} substitution inside it for secrets, then the environment on top: every setting by
// the rule in env.ts (EASEL_LIMITS__JSON_BODY_BYTES, EASEL_CHANNELS as JSON, *_FILE forms).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readUsd } from '../util/money.ts';
import { type Env, type EnvValue, readSecretFile, setPath, settingsFromEnv } from './env.ts';
import { ConfigError } from './errors.ts';
import { configSchema, type Config } from './schema.ts';

export { ConfigError } from './errors.ts';

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const file = env.EASEL_CONFIG ?? (existsSync(path.join(cwd, 'easel.yaml')) ? 'easel.yaml' : undefined);
  const raw: Record<string, unknown> = file ? readYaml(path.resolve(cwd, file), env) : {};
  const fromEnv = settingsFromEnv(env, cwd);
  for (const { path: at, value } of fromEnv) setPath(raw, at, value);
  const origin = file ? (fromEnv.length ? `${file} and the environment` : file) : 'environment';
  return parseConfig(raw, origin, fromEnv);
}

/** One problem with the configuration: where (a config path) and what. */
interface Problem {
  path: readonly PropertyKey[];
  message: string;
  /** Unknown keys under `path`, for the variable that may have set them. */
  keys?: readonly string[];
}

/** Validates a raw configuration; `fromEnv` says which fields the environment set, so a message can name the variable. */
export function parseConfig(raw: unknown, origin = 'config', fromEnv: readonly EnvValue[] = []): Config {
  const fail = (problems: Problem[]): never => {
    throw new ConfigError(`Invalid configuration (${origin}):\n${problems.map((p) => formatProblem(p, fromEnv)).join('\n')}`);
  };
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    return fail(result.error.issues.map((issue) => ({ path: issue.path, message: issue.message, keys: issue.code === 'unrecognized_keys' ? issue.keys : undefined })));
  }
  const problems = [...moneyProblems(result.data), ...duplicateChannelIds(result.data)];
  if (problems.length) fail(problems);
  return result.data;
}

/**
 * The schema checks money fields' form; their range is util/money.ts's: an amount past the exact
 * range would otherwise be rounded when it is read.
 */
function moneyProblems(config: Config): Problem[] {
  const amounts: Array<[PropertyKey[], string]> = [[['bootstrap', 'starter_credit_usd'], config.bootstrap.starter_credit_usd]];
  for (const [model, price] of Object.entries(config.pricing.overrides)) {
    const [field, usd] = 'per_image_usd' in price ? ['per_image_usd', price.per_image_usd] : ['per_request_usd', price.per_request_usd];
    amounts.push([['pricing', 'overrides', model, field], usd]);
  }
  return amounts.flatMap(([at, usd]) => {
    const reading = readUsd(usd);
    return reading.ok ? [] : [{ path: at, message: `${String(at[at.length - 1])} ${reading.reason}` }];
  });
}

function duplicateChannelIds(config: Config): Problem[] {
  const seen = new Set<string>();
  return config.channels.flatMap((channel, i) => {
    if (!seen.has(channel.id)) {
      seen.add(channel.id);
      return [];
    }
    return [{ path: ['channels', i, 'id'], message: `duplicate id '${channel.id}'` }];
  });
}

function formatProblem(problem: Problem, fromEnv: readonly EnvValue[]): string {
  const field = problem.path.length ? problem.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
  const variables = problem.path.length ? variablesBehind(problem, fromEnv) : [];
  return `  ${field}: ${problem.message}${variables.length ? ` (from ${variables.join(', ')})` : ''}`;
}

/** The variables that set the field a problem is about, the object holding it, or an unknown key under it. */
function variablesBehind(problem: Problem, fromEnv: readonly EnvValue[]): string[] {
  const targets = problem.keys?.length ? problem.keys.map((key) => [...problem.path, key]) : [problem.path];
  const startsWith = (long: readonly PropertyKey[], short: readonly PropertyKey[]) => short.every((part, i) => long[i] === part);
  return fromEnv.filter((set) => targets.some((target) => startsWith(target, set.path) || startsWith(set.path, target))).map((set) => set.variable);
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
 * `${VAR:-fallback}` by the variable or the fallback, `${file:/run/secrets/key}` by the file's text
 * (one trailing newline dropped; a relative path is relative to the config file); `$${` escapes.
 */
export function substituteEnv(text: string, env: Env, file = 'config'): string {
  const pattern = /\$(\$?)\{(?:file:([^}\s-][^}]*)|([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?)\}/g;
  return text.replace(pattern, (whole, escape: string, secretFile?: string, name?: string, hasFallback?: string, fallback?: string) => {
    if (escape) return whole.slice(1);
    if (secretFile !== undefined) return readSecretFile(path.resolve(path.dirname(file), secretFile), `${file}: \${file:${secretFile}}`);
    const value = env[name!];
    if (value !== undefined && value !== '') return value;
    if (hasFallback !== undefined) return fallback ?? '';
    if (value !== undefined) return value;
    throw new ConfigError(`${file}: environment variable ${name} is referenced but not set`);
  });
}

/** The base of every URL Easel hands out for its own media. */
export function publicBaseUrl(config: Config, boundPort?: number): string {
  if (config.public_url) return config.public_url.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `http://${hostPart}:${boundPort ?? config.port}`;
}
