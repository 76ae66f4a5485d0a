// Settings from the environment, by one rule read off the schema itself, so a field added to
// schema.ts is settable from the environment the day it lands:
//   EASEL_ + the field's path, upper-cased, "__" between levels: limits.json_body_bytes →
//   EASEL_LIMITS__JSON_BODY_BYTES, storage.media.mode → EASEL_STORAGE__MEDIA__MODE.
// A scalar is typed by its schema (number, boolean "true"/"false"/"1"/"0", string or enum as given);
// a list or map (channels, pricing.overrides) is JSON. Every variable also has a <NAME>_FILE form,
// read from that file (one trailing newline dropped), for secrets mounted as files. An empty variable
// counts as unset.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from './schema.ts';
import { ConfigError } from './errors.ts';

export type Env = Record<string, string | undefined>;

type SettingKind = 'string' | 'number' | 'boolean' | 'json';

export interface EnvSetting {
  /** The config path: ['limits', 'json_body_bytes']. */
  path: string[];
  /** EASEL_LIMITS__JSON_BODY_BYTES. */
  name: string;
  /** Older names kept working; the rule's name wins when both are set. */
  aliases: string[];
  kind: SettingKind;
}

/** A value the environment set, and the variable that set it (for messages). */
export interface EnvValue {
  path: string[];
  value: unknown;
  variable: string;
}

const PREFIX = 'EASEL_';
const LEVEL = '__';
const FILE_SUFFIX = '_FILE';
/** Names documented before the rule existed. */
const ALIASES: Record<string, string[]> = { database_url: ['DATABASE_URL'] };

/**
 * The part of zod's schema definition the walk reads. zod 4 keeps it on `_zod.def`; only the wrapper,
 * object, union and leaf types below occur in schema.ts, and anything else is taken as JSON.
 */
interface SchemaNode {
  _zod: { def: { type: string; innerType?: SchemaNode; in?: SchemaNode; shape?: Record<string, SchemaNode>; options?: SchemaNode[] } };
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);
const LEAF_KINDS: Record<string, SettingKind> = { string: 'string', enum: 'string', literal: 'string', number: 'number', int: 'number', boolean: 'boolean' };

function unwrap(node: SchemaNode): SchemaNode {
  let current = node;
  for (;;) {
    const def = current._zod.def;
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** Objects a node stands for: itself, or each branch of a union of objects (storage: local | s3). */
function objectShapes(node: SchemaNode): Array<Record<string, SchemaNode>> | undefined {
  const def = node._zod.def;
  if (def.type === 'object' && def.shape) return [def.shape];
  if (def.type !== 'union' || !def.options) return undefined;
  const branches = def.options.map((option) => objectShapes(unwrap(option)));
  return branches.every((b) => b !== undefined) ? branches.flat() : undefined;
}

function collect(node: SchemaNode, at: string[], into: Map<string, EnvSetting>): void {
  const shapes = objectShapes(node);
  if (!shapes) {
    const kind = LEAF_KINDS[node._zod.def.type] ?? 'json';
    const name = PREFIX + at.map((part) => part.toUpperCase()).join(LEVEL);
    // A field several union branches share (storage.kind, storage.media) is one setting.
    if (!into.has(name)) into.set(name, { path: at, name, aliases: ALIASES[at.join('.')] ?? [], kind });
    return;
  }
  for (const shape of shapes) {
    for (const [key, child] of Object.entries(shape)) collect(unwrap(child), [...at, key], into);
  }
}

/** Every setting the environment can set, derived from the schema. */
export const ENV_SETTINGS: readonly EnvSetting[] = (() => {
  const into = new Map<string, EnvSetting>();
  collect(unwrap(configSchema as unknown as SchemaNode), [], into);
  return [...into.values()];
})();

/** The values the environment sets, typed by the schema; relative *_FILE paths resolve against `cwd`. */
export function settingsFromEnv(env: Env, cwd: string): EnvValue[] {
  refuseUnknownNestedNames(env);
  const values: EnvValue[] = [];
  for (const setting of ENV_SETTINGS) {
    const found = [setting.name, ...setting.aliases].map((name) => readVariable(env, name, cwd)).find((v) => v !== undefined);
    if (found) values.push({ path: setting.path, value: typed(setting, found.text, found.variable), variable: found.variable });
  }
  return values;
}

/** `name` or `name_FILE`, whichever is set (both is an error); undefined when neither is. */
function readVariable(env: Env, name: string, cwd: string): { text: string; variable: string } | undefined {
  const direct = env[name];
  const fileName = name + FILE_SUFFIX;
  const file = env[fileName];
  const hasDirect = direct !== undefined && direct !== '';
  const hasFile = file !== undefined && file !== '';
  if (hasDirect && hasFile) throw new ConfigError(`${name} and ${fileName} are both set: set one`);
  if (hasDirect) return { text: direct, variable: name };
  if (!hasFile) return undefined;
  return { text: readSecretFile(path.resolve(cwd, file), fileName), variable: fileName };
}

/** A secret kept in a file; `what` names, in the error, what pointed at it. */
export function readSecretFile(file: string, what: string): string {
  try {
    // Files written by `echo` or an editor end in a newline that is no part of the secret.
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError(`${what}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The value as the schema's type; the schema then checks ranges and choices. Values are not echoed: some are secrets. */
function typed(setting: EnvSetting, text: string, variable: string): unknown {
  switch (setting.kind) {
    case 'string':
      return text;
    case 'number': {
      const trimmed = text.trim();
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) throw new ConfigError(`${variable}: not a number (${setting.path.join('.')})`);
      return Number(trimmed);
    }
    case 'boolean': {
      const word = text.trim().toLowerCase();
      if (word === 'true' || word === '1') return true;
      if (word === 'false' || word === '0') return false;
      throw new ConfigError(`${variable}: must be true, false, 1 or 0 (${setting.path.join('.')})`);
    }
    case 'json':
      try {
        return JSON.parse(text);
      } catch (err) {
        // The parser's message quotes the text, which may hold keys: give only where it broke.
        const where = /position \d+/.exec((err as Error).message)?.[0];
        throw new ConfigError(`${variable}: not valid JSON${where ? ` (at ${where})` : ''} (${setting.path.join('.')} takes JSON)`);
      }
  }
}

/**
 * EASEL_ names with "__" are setting paths by construction, so one that names no setting is a typo
 * (EASEL_LIMITS__JSON_BODY_BYTE) and would otherwise be ignored without a word.
 */
function refuseUnknownNestedNames(env: Env): void {
  const known = new Set(ENV_SETTINGS.flatMap((s) => [s.name, s.name + FILE_SUFFIX]));
  for (const name of Object.keys(env)) {
    if (!name.startsWith(PREFIX) || !name.includes(LEVEL) || known.has(name) || !env[name]) continue;
    const section = name.slice(0, name.indexOf(LEVEL) + LEVEL.length);
    const siblings = ENV_SETTINGS.filter((s) => s.name.startsWith(section)).map((s) => s.name);
    throw new ConfigError(`${name} names no setting${siblings.length ? `; the settings under ${section} are ${siblings.join(', ')}` : ''}`);
  }
}

/** Sets `value` at `at` inside `raw`, making the objects on the way (the environment wins over the file). */
export function setPath(raw: Record<string, unknown>, at: readonly string[], value: unknown): void {
  let node = raw;
  for (const key of at.slice(0, -1)) {
    const next = node[key];
    node = node[key] = next && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : {};
  }
  node[at[at.length - 1]] = value;
}
