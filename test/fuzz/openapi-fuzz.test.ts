// Property-based fuzzing of every operation in the served /openapi.json (issue 11, section 3, "Fuzz").
//
// What it proves: about 15,000 requests built from the document itself — by fast-check, bodies from
// each operation's request schema (helped by the catalogue's published values) and mutations of them:
// wrong types, huge numbers (1e308, -0, 2**64, "NaN"), 1000- and 10,000-level nesting, invalid UTF-8,
// 1 MB prompts, thousand-part multiparts, `../` and absolute filenames, PNGs whose IHDR declares
// 50,000×50,000 pixels, truncated PNG/JPEG, PNG+HTML and PNG+ZIP polyglots, wrong or missing content
// types, empty bodies, odd paths, repeated and oversized queries, with the right, the wrong and no
// credentials; plus an exhaustive sweep of every body field × every extreme value — never get a 5xx,
// always get a status the document lists for the operation, every 4xx is the error envelope valid
// against components.schemas.ApiError, every 2xx the document describes matches it, no body leaks a
// stack trace or a server path, no hostile filename lands on disk, and the ledger balances afterwards
// (server.close() checks it). The checks are oracle.ts's. Image creates run with X-Easel-Dry-Run
// (validated, inputs read, quoted, nothing rendered) except one block of 250 real demo generations,
// edits and variations, and one of 400 mutated creates without it.
//
// The run is deterministic: FUZZ_SEED (default below) seeds every block. A failing block lists each
// distinct finding (status, kind, the answer's code, the operations it was seen on, the smallest
// request), then replays the same seed to let fast-check shrink the first failure and prints its seed
// and path: `FUZZ_SEED=<seed> npx vitest run test/fuzz/openapi-fuzz`. FUZZ_TRACE="<METHOD> <template>"
// prints every exchange with that operation.

import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CANARY_PATHS,
  type Catalogue,
  type FuzzTarget,
  formValue,
  HOSTILE_FILENAMES,
  idsForPath,
  type ImageFixtures,
  type ImageName,
  multipartBody,
  type Part,
  type Resources,
  startFuzzTarget,
  stopFuzzTarget,
} from './fixtures.ts';
import { type Client, exchange, Findings, FuzzRequest, type OpenApiDoc, type Operation, type Oracle, resolveRef, type Schema, WRONG_CREDENTIALS } from './oracle.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129);
const MIN_REQUESTS = 10_000;

let target: FuzzTarget;
let client: Client;
let oracle: Oracle;
let doc: OpenApiDoc;
let operations: Operation[];
let images: ImageFixtures;
let urls: string[];
let catalogue: Catalogue;
let resources: Resources;
let auth: FuzzTarget['auth'];

beforeAll(async () => {
  target = await startFuzzTarget();
  ({ client, oracle, doc, operations, images, urls, catalogue, resources, auth } = target);
}, 60_000);

afterAll(() => stopFuzzTarget(target));

// ---------------------------------------------------------------------------------------------------
// JSON with values JSON.stringify cannot write (1e309, -0, 2**64 exactly, 1000-level nesting).

class Raw {
  constructor(readonly text: string) {}
}
const raw = (text: string) => new Raw(text);

function encode(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  if (Array.isArray(value)) return `[${value.map(encode).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${encode(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const nest = (depth: number, open: string, close: string, inner = '1') => raw(open.repeat(depth) + inner + close.repeat(depth));

const HUGE_NUMBERS = ['1e308', '-1e308', '1e309', '-0', '18446744073709551616', '-18446744073709551617', '1e-400', '4294967295', '4294967296', '9007199254740993', '123456789012345678901234567890.5', '0.0000001', '1E2'].map(raw);
const NUMBER_STRINGS = ['NaN', 'Infinity', '-Infinity', '1e308', '-0', '18446744073709551616', '0x10', ' 1', '1,5', '١٢٣', '', '-1', '1e-7', '99999999999999999999.999999'];

const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, '', ' ', 'x', [], {}, [null], { a: 1 }, '🙂', '\u0000', 'null', 'true', '<script>alert(1)</script>', "'; DROP TABLE accounts; --", '${7*7}', '{{7*7}}'),
  fc.constantFrom<unknown>(...HUGE_NUMBERS),
  fc.constantFrom<unknown>(...NUMBER_STRINGS),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.jsonValue({ maxDepth: 2 }),
);

// ---------------------------------------------------------------------------------------------------
// Valid-ish values from a JSON schema: its types, enums and bounds, with the catalogue's own values for
// fields it names (model, size, aspect_ratio...), local URLs for uri fields and real ids for file_id.

function hintsFor(name: string | undefined): unknown[] {
  if (!name) return [];
  if (name === 'model') return catalogue.modelIds;
  if (name === 'file_id') return resources.fileIds;
  if (name === 'prompt') return ['a lighthouse at dawn', 'x', '画像 🖼️', ' '];
  return catalogue.hints[name] ?? [];
}

function schemaArb(schema: Schema | undefined, name?: string, depth = 0): fc.Arbitrary<unknown> {
  const s = resolveRef(doc, schema) ?? {};
  const hints = hintsFor(name);
  const plain = plainArb(s, depth);
  return hints.length ? fc.oneof({ arbitrary: fc.constantFrom(...hints), weight: 3 }, { arbitrary: plain, weight: 1 }) : plain;
}

function plainArb(s: Schema, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if ('const' in s) return fc.constant(s.const);
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : s.properties ? ['object'] : s.items ? ['array'] : ['any'];
  return fc.oneof(...types.map((t) => typeArb(t, s, depth)));
}

function bounded(s: Schema, lo: number, hi: number): { min: number; max: number } {
  const min = typeof s.minimum === 'number' ? s.minimum : lo;
  const max = typeof s.maximum === 'number' ? s.maximum : hi;
  return { min, max };
}

function typeArb(type: string, s: Schema, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      if (s.format === 'uri') return fc.constantFrom(...urls);
      if (s.format === 'binary') return fc.constant('binary');
      return fc.string({ unit: 'grapheme', minLength: Math.min(Number(s.minLength ?? 0), 8), maxLength: Math.min(Number(s.maxLength ?? 40), 40) });
    case 'integer': {
      const { min, max } = bounded(s, -1000, 1000);
      const inner = fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) });
      return fc.oneof({ arbitrary: inner, weight: 4 }, fc.constantFrom(min, max));
    }
    case 'number':
      return fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom('1', '0.5', '12.345678'));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schemaArb(s.items as Schema, undefined, depth + 1), { minLength: Number(s.minItems ?? 0), maxLength: Math.min(Number(s.maxItems ?? 3), 3) });
    case 'object':
      return objectArb(s, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArb(s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = ((s.required ?? []) as string[]).filter((k) => k in props);
  const optional = Object.keys(props).filter((k) => !required.includes(k));
  if (depth > 3) return fc.constant({});
  return fc.subarray(optional, { maxLength: Math.min(4, optional.length) }).chain((keys) => fc.record(Object.fromEntries([...required, ...keys].map((k) => [k, schemaArb(props[k], k, depth + 1)]))));
}

/** The JSON schema of an operation's body: its application/json one, else its multipart one. */
function bodySchema(op: Operation): Schema | undefined {
  const content = op.spec.requestBody?.content ?? {};
  return resolveRef(doc, content['application/json']?.schema ?? content['multipart/form-data']?.schema);
}

/** Field schemas for a multipart form: the multipart schema's properties, else the JSON schema's. */
function formSchema(op: Operation): Schema {
  const content = op.spec.requestBody?.content ?? {};
  const multipart = resolveRef(doc, content['multipart/form-data']?.schema);
  if (multipart?.properties) return multipart;
  return resolveRef(doc, content['application/json']?.schema) ?? multipart ?? { type: 'object' };
}

const isImageCreate = (op: Operation) => op.method === 'POST' && op.template.startsWith('/v1/images/');

// ---------------------------------------------------------------------------------------------------
// Bodies.

type Body = { bytes?: Buffer; contentType?: string; note: string };

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8'];
const ODD_TYPES = ['application/json; charset=latin1', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/vnd.api+json', 'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/xml', '*/*', 'application/json, text/plain', 'a'.repeat(300), ';;;', undefined];

const contentTypeArb = fc.oneof({ arbitrary: fc.constantFrom(...JSON_TYPES), weight: 8 }, { arbitrary: fc.constantFrom(...ODD_TYPES), weight: 1 });

type Mutation = (body: Record<string, unknown>, field: string) => { value: unknown; note: string };

function fieldsOf(op: Operation): string[] {
  return Object.keys((bodySchema(op)?.properties ?? {}) as Record<string, unknown>);
}

/** Mutations of a valid-ish object; each returns the new body (object or Raw) and its name. */
function mutationArb(op: Operation): fc.Arbitrary<(body: Record<string, unknown>) => { value: unknown; note: string }> {
  const fields = fieldsOf(op);
  const field = fields.length ? fc.constantFrom(...fields) : fc.constant('prompt');
  const big = fc.record({ size: fc.constantFrom(4_001, 65_536, 1 << 20), char: fc.constantFrom('a', 'é', '🖼', '\u0000', '\ud800', '<', '\\') });
  const with_ = (body: Record<string, unknown>, key: string, value: unknown) => ({ ...body, [key]: value });
  const m = <T>(arb: fc.Arbitrary<T>, f: (body: Record<string, unknown>, v: T) => { value: unknown; note: string }) => arb.map((v) => (body: Record<string, unknown>) => f(body, v));
  return fc.oneof(
    m(fc.tuple(field, junkValue), (b, [k, v]) => ({ value: with_(b, k, v), note: `wrong-type:${k}` })),
    m(fc.tuple(field, fc.constantFrom(...HUGE_NUMBERS)), (b, [k, v]) => ({ value: with_(b, k, v), note: `huge-number:${k}=${v.text}` })),
    m(fc.tuple(field, fc.constantFrom(...NUMBER_STRINGS)), (b, [k, v]) => ({ value: with_(b, k, v), note: `number-string:${k}` })),
    m(fc.tuple(field, fc.constantFrom(100, 1000, 10_000), fc.constantFrom<[string, string]>(['[', ']'], ['{"a":', '}'])), (b, [k, d, [o, c]]) => ({ value: with_(b, k, nest(d, o, c)), note: `deep-nesting:${k}:${d}` })),
    m(fc.tuple(fc.constantFrom(1000, 10_000), fc.constantFrom<[string, string]>(['[', ']'], ['{"a":', '}'])), (_b, [d, [o, c]]) => ({ value: nest(d, o, c), note: `deep-nesting:body:${d}` })),
    m(fc.tuple(fc.constantFrom('prompt', 'negative_prompt', 'user', 'name', 'model', 'size', ...fields), big), (b, [k, { size, char }]) => ({ value: with_(b, k, char.repeat(Math.ceil(size / char.length))), note: `huge-string:${k}:${size}x${JSON.stringify(char)}` })),
    m(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', ' model', 'MODEL', 'x'.repeat(300), 'unknown_field'), junkValue), (b, [k, v]) => ({ value: { ...b, [k]: v }, note: `extra-field:${k.slice(0, 20)}` })),
    m(field, (b, k) => ({ value: Object.fromEntries(Object.entries(b).filter(([key]) => key !== k)), note: `drop:${k}` })),
    m(fc.constantFrom<unknown>([], [{}], 'a string', 42, null, true, raw('{}{}'), raw('{"a":1,}'), raw("{'a':1}"), raw('{"a":1')), (_b, v) => ({ value: v, note: 'not-an-object' })),
    m(fc.tuple(field, junkValue), (b, [k, v]) => ({ value: raw(`${encode(b).slice(0, -1)}${Object.keys(b).length ? ',' : ''}${JSON.stringify(k)}:${encode(v)},${JSON.stringify(k)}:${encode(b[k] ?? 'x')}}`), note: `duplicate-key:${k}` })),
    m(fc.constantFrom(1000, 5000), (b, n) => ({ value: { ...b, ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i])) }, note: `many-fields:${n}` })),
    m(fc.tuple(fc.constantFrom('image_urls', 'images', 'reference_image_urls', 'image_url'), fc.constantFrom(17, 1000)), (b, [k, n]) => ({
      value: with_(b, k, Array.from({ length: n }, (_, i) => (k === 'images' ? { image_url: urls[i % urls.length] } : urls[0]))),
      note: `long-array:${k}:${n}`,
    })),
  );
}

function jsonBodyArb(op: Operation): fc.Arbitrary<Body> {
  const schema = bodySchema(op);
  const base = schema ? schemaArb(schema) : fc.constant({});
  const recommended = isImageCreate(op) && op.template === '/v1/images/generations' && catalogue.recommended.length
    ? fc.tuple(fc.constantFrom(...catalogue.recommended), schemaArb(schema)).map(([r, extra]) => ({ ...(extra as object), ...r }))
    : base;
  const validish = fc.oneof(base, recommended).map((v) => ({ value: v, note: 'validish' }));
  const mutated = fc.tuple(fc.oneof(base, recommended), mutationArb(op)).map(([b, mutate]) => mutate((b && typeof b === 'object' && !Array.isArray(b) ? b : {}) as Record<string, unknown>));
  return fc
    .tuple(fc.oneof({ arbitrary: validish, weight: 2 }, { arbitrary: mutated, weight: 3 }), contentTypeArb)
    .map(([{ value, note }, contentType]) => ({ bytes: Buffer.from(encode(value)), contentType, note: `json:${note}` }));
}

const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]].map((b) => Buffer.from(b));

const rawBodyArb: fc.Arbitrary<Body> = fc.oneof(
  fc.tuple(fc.constantFrom(...INVALID_UTF8), fc.constantFrom('prompt', 'model', 'name', 'purpose'), contentTypeArb).map(([bad, field, contentType]) => ({
    bytes: Buffer.concat([Buffer.from(`{"model":"gpt-image-2","${field}":"a`), bad, Buffer.from('b"}')]),
    contentType,
    note: `raw:invalid-utf8:${bad.toString('hex')}`,
  })),
  fc.tuple(fc.constantFrom(...INVALID_UTF8), contentTypeArb).map(([bad, contentType]) => ({ bytes: Buffer.concat([bad, Buffer.from('{"prompt":"x"}')]), contentType, note: `raw:invalid-utf8-lead:${bad.toString('hex')}` })),
  fc.tuple(fc.constantFrom('', ' ', '\r\n', '{', '}', 'null', '[]', '""', '0', '{}', '\u0000', '\ufeff{"prompt":"x","model":"dall-e-2"}', '{"prompt":"x"}\u0000', '{"prompt":"x"} trailing', 'prompt=x&model=dall-e-2', '<xml/>'), contentTypeArb).map(([text, contentType]) => ({
    bytes: Buffer.from(text),
    contentType,
    note: `raw:text:${JSON.stringify(text.slice(0, 20))}`,
  })),
  fc.tuple(fc.uint8Array({ maxLength: 512 }), contentTypeArb).map(([bytes, contentType]) => ({ bytes: Buffer.from(bytes), contentType, note: `raw:bytes:${bytes.length}` })),
  contentTypeArb.map((contentType) => ({ bytes: Buffer.from('{"model":"dall-e-2","prompt":"x"}', 'utf16le'), contentType, note: 'raw:utf16le' })),
  fc.constantFrom<Body>({ note: 'raw:no-body' }, { bytes: Buffer.alloc(0), contentType: 'application/json', note: 'raw:empty-json' }, { bytes: Buffer.alloc(0), contentType: undefined, note: 'raw:empty' }),
);

// Multipart: fields from the form's schema as strings, file parts from the image fixtures.

const IMAGE_NAMES = ['png', 'square', 'jpeg', 'webp', 'hugeIhdr', 'truncatedPng', 'truncatedJpeg', 'polyglotHtml', 'polyglotZip', 'signatureOnly', 'gif', 'svg', 'html', 'empty'] as const satisfies readonly ImageName[];
const FILE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'application/octet-stream', 'text/html', 'image/svg+xml', 'application/zip', ''];
const MALFORMATIONS = ['thousand-text-parts', 'thousand-file-parts', 'unterminated', 'wrong-boundary', 'no-boundary', 'garbage', 'repeated-fields', 'huge-field', 'empty'] as const;

function multipartArb(op: Operation): fc.Arbitrary<Body> {
  const schema = formSchema(op);
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const binary = Object.entries(props).filter(([, p]) => p.format === 'binary').map(([k]) => k);
  const fileFields = [...new Set([...binary, ...(op.template === '/v1/files' ? ['file'] : ['image', 'image[]', 'mask']), 'other', ''])];
  const fields = objectArb({ ...schema, properties: Object.fromEntries(Object.entries(props).filter(([k]) => !binary.includes(k))) }, 0);
  const file = fc.record({
    name: fc.constantFrom(...fileFields),
    filename: fc.oneof({ arbitrary: fc.constantFrom('a.png', 'photo.jpg', 'image'), weight: 2 }, fc.constantFrom(...HOSTILE_FILENAMES), fc.constant(undefined)),
    contentType: fc.constantFrom(...FILE_TYPES),
    image: fc.oneof({ arbitrary: fc.constantFrom<ImageName>('png', 'square', 'jpeg'), weight: 2 }, fc.constantFrom<ImageName>(...IMAGE_NAMES)),
  });
  const mainField = binary[0] ?? 'image';
  // Most forms carry one plausible image under the field the operation reads; some add more parts.
  const primary = fc.record({
    name: fc.constant(mainField),
    filename: fc.oneof({ arbitrary: fc.constantFrom('a.png', 'photo.jpg'), weight: 2 }, fc.constantFrom(...HOSTILE_FILENAMES)),
    contentType: fc.constantFrom('image/png', 'image/jpeg', 'application/octet-stream'),
    image: fc.oneof({ arbitrary: fc.constantFrom<ImageName>('png', 'square', 'jpeg', 'webp'), weight: 3 }, fc.constantFrom<ImageName>(...IMAGE_NAMES)),
  });
  const files = fc.tuple(fc.oneof({ arbitrary: primary, weight: 3 }, fc.constant(null)), fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, fc.array(file, { minLength: 1, maxLength: 2 }))).map(([first, rest]) => (first ? [first, ...rest] : rest));
  const fieldNames = Object.keys(props).filter((k) => !binary.includes(k));
  const junkField = fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, fc.tuple(fieldNames.length ? fc.constantFrom(...fieldNames) : fc.constant('prompt'), junkValue));
  const malformation = fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, fc.constantFrom(...MALFORMATIONS));
  return fc.tuple(fields, files, junkField, malformation, fc.boolean()).map(([values, files, junk, malformed, fieldsFirst]) => {
    if (junk) values = { ...values, [junk[0]]: junk[1] };
    const text: Part[] = Object.entries(values).map(([name, v]) => ({ name, value: v instanceof Raw ? v.text : formValue(v) }));
    const fileParts: Part[] = files.map((f) => ({ name: f.name, filename: f.filename, contentType: f.contentType, bytes: images[f.image] }));
    let parts = fieldsFirst ? [...text, ...fileParts] : [...fileParts, ...text];
    let boundary = 'fuzzBoundary7MA4YWxkTrZu0gW';
    let contentType = `multipart/form-data; boundary=${boundary}`;
    let unterminated = false;
    if (malformed === 'thousand-text-parts') parts = [...parts, ...Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}`, value: String(i) }))];
    if (malformed === 'thousand-file-parts') parts = [...parts, ...Array.from({ length: 1000 }, (_, i) => ({ name: i % 2 ? 'image[]' : 'image', filename: `${i}.png`, contentType: 'image/png', bytes: images.png }))];
    if (malformed === 'repeated-fields') parts = [...parts, ...text, ...text];
    if (malformed === 'huge-field') parts = [...parts, { name: 'prompt', value: 'a'.repeat((1 << 20) + 1) }];
    if (malformed === 'empty') parts = [];
    if (malformed === 'unterminated') unterminated = true;
    if (malformed === 'no-boundary') contentType = 'multipart/form-data';
    if (malformed === 'wrong-boundary') contentType = 'multipart/form-data; boundary=somethingElse';
    let bytes = multipartBody(parts, boundary, { unterminated });
    if (malformed === 'garbage') {
      boundary = 'g';
      bytes = Buffer.concat([Buffer.from('--g\r\nContent-Disposition: form-data; name="prompt"\r\n'), images.polyglotZip]);
      contentType = 'multipart/form-data; boundary=g';
    }
    const shape = `${text.length} fields, files ${files.map((f) => `${f.name}=${f.image}:${JSON.stringify(f.filename ?? null).slice(0, 30)}`).join(' ') || 'none'}`;
    return { bytes, contentType, note: `multipart:${malformed ?? 'ok'}:${shape}` };
  });
}

function bodyArb(op: Operation, mode: 'json' | 'multipart' | 'any'): fc.Arbitrary<Body> {
  const content = op.spec.requestBody?.content;
  if (!content) {
    // GET and DELETE: no body, now and then a stray one.
    return op.method === 'DELETE' ? fc.oneof({ arbitrary: fc.constant<Body>({ note: 'no-body' }), weight: 9 }, rawBodyArb) : fc.constant<Body>({ note: 'no-body' });
  }
  const takesMultipart = 'multipart/form-data' in content;
  const json = fc.oneof({ arbitrary: jsonBodyArb(op), weight: 4 }, rawBodyArb);
  if (mode === 'json') return json;
  if (mode === 'multipart') return multipartArb(op);
  return takesMultipart ? fc.oneof({ arbitrary: multipartArb(op), weight: 3 }, json) : fc.oneof({ arbitrary: json, weight: 5 }, multipartArb(op));
}

// ---------------------------------------------------------------------------------------------------
// Paths, queries, headers and credentials.

const JUNK_SEGMENTS = ['x', '..', '.', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%2F', '%5C..%5C', '%00', '%zz', '%', 'a'.repeat(300), 'a'.repeat(5000), '~', '%22', '%3Cscript%3E', '%E2%80%AE', '%C0%AF', '%FF', 'CON', '*', 'null', 'undefined', '0', '-1', '1e308', 'ldtask_00000000000000000000000000000000', 'file-0000000000000000000000000', 'acct_nope', 'key_nope'];

function segmentArb(template: string, method: string): fc.Arbitrary<string> {
  const own = idsForPath(template, method, resources, catalogue);
  const others = [...resources.taskIds, ...resources.fileIds, ...resources.accountIds, ...resources.mediaKeys];
  return fc.oneof(
    ...(own.length ? [{ arbitrary: fc.constantFrom(...own), weight: 4 }] : []),
    { arbitrary: fc.constantFrom(...others), weight: 1 },
    { arbitrary: fc.constantFrom(...JUNK_SEGMENTS), weight: 2 },
    { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map(encodeURIComponent), weight: 1 },
  );
}

const QUERY_NAMES = ['limit', 'after', 'before', 'purpose', 'start_date', 'end_date', 'group_by', 'key_id', 'recommended_for', 'provider', 'format', 'order', '__proto__', 'a[]', 'limit[]'];
const QUERY_VALUES = ['', '1', '0', '-1', '1001', '1e308', 'NaN', '%zz', 'image', 'model', 'key', 'account', '2026-01-01', '2026-13-45', 'csv', 'user_data', 'batch_output', 'a'.repeat(3000), '%00', 'x&limit=2', 'openai'];

/**
 * A query value with its `%` signs sent as they are (bad percent-encoding is a case to send) and
 * every other character encoded: a raw non-ASCII character is no request a client can send at all.
 */
function rawPercents(value: string): string {
  return encodeURIComponent(value).replace(/%25/g, '%');
}

function queryArb(op: Operation): fc.Arbitrary<string> {
  const declared = (op.spec.parameters ?? []).filter((p) => p.in === 'query');
  const pair = fc.oneof(
    ...(declared.length ? [fc.constantFrom(...declared).chain((p) => fc.tuple(fc.constant(p.name), fc.oneof(schemaArb(p.schema, p.name).map(String), fc.constantFrom(...QUERY_VALUES))))] : []),
    fc.tuple(fc.constantFrom(...QUERY_NAMES), fc.constantFrom(...QUERY_VALUES)),
  );
  const twice = ([k, v]: readonly [string, string], again: string) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}&${encodeURIComponent(k)}=${encodeURIComponent(again)}`;
  const names = [...new Set([...declared.map((p) => p.name), ...QUERY_NAMES])];
  return fc.oneof(
    { arbitrary: fc.constant(''), weight: 3 },
    { arbitrary: fc.array(pair, { minLength: 1, maxLength: 3 }).map((pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${rawPercents(v)}`).join('&')}`), weight: 3 },
    // The same name twice: frameworks hand the route an array where it expects a string.
    fc.tuple(pair, fc.constantFrom(...QUERY_VALUES)).map(([p, again]) => `?${twice(p, again)}`),
    fc.tuple(fc.subarray(names, { minLength: 1 }), fc.constantFrom(...QUERY_VALUES)).map(([ks, v]) => `?${ks.map((k) => twice([k, v], v)).join('&')}`),
    // A 4 KB query, and a 20 KB one (past Node's 16 KB request-head limit).
    fc.constantFrom('?', '?&&', '?=', '?%zz', '?limit=1&limit=2', `?${'a'.repeat(4000)}`, `?q=${'a'.repeat(20_000)}`),
  );
}

const headerArb: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { arbitrary: fc.constant({}), weight: 8 },
  fc.constantFrom<Record<string, string>>(
    { 'x-request-id': 'fuzz-1' },
    { 'x-request-id': 'a'.repeat(500) },
    { 'x-request-id': '../../\u00e9' },
    { accept: 'text/html' },
    { 'accept-encoding': 'gzip, br' },
    { 'content-encoding': 'gzip' },
    { 'content-encoding': 'br, deflate' },
    { 'x-easel-dry-run': 'yes' },
    { 'x-forwarded-for': '127.0.0.1, ::1' },
    { 'x-http-method-override': 'DELETE' },
    { 'idempotency-key': 'x'.repeat(300) },
  ),
);

type CredentialMode = 'right' | 'mixed' | 'wrong';

function credentialArb(op: Operation, mode: CredentialMode): fc.Arbitrary<string> {
  const right = op.security === 'adminToken' ? 'adminToken' : 'apiKey';
  const other = op.security === 'adminToken' ? 'apiKey' : 'adminToken';
  const wrong = fc.constantFrom<string>(other, ...WRONG_CREDENTIALS);
  if (mode === 'right') return fc.constant(right);
  if (mode === 'wrong') return wrong;
  return fc.oneof({ arbitrary: fc.constant(right), weight: 9 }, wrong);
}

interface Shape {
  body: 'json' | 'multipart' | 'any';
  credentials: CredentialMode;
  /** Image creates only: send X-Easel-Dry-Run: 1 (no rendering). */
  dryRun: boolean;
}

function requestArb(op: Operation, shape: Shape): fc.Arbitrary<FuzzRequest> {
  const params = [...op.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const segments = fc.tuple(...params.map(() => segmentArb(op.template, op.method)));
  return fc
    .record({ segments, query: queryArb(op), body: bodyArb(op, shape.body), credential: credentialArb(op, shape.credentials), extra: headerArb })
    .map(({ segments: values, query, body, credential, extra }) => {
      let i = 0;
      const path = op.template.replace(/\{[^}]+\}/g, () => values[i++]) + (op.method === 'GET' ? query : '');
      const headers: Record<string, string> = { ...extra, ...auth(credential) };
      if (body.contentType !== undefined && body.bytes) headers['content-type'] = body.contentType;
      if (shape.dryRun && isImageCreate(op)) headers['x-easel-dry-run'] = '1';
      return new FuzzRequest(op, path, headers, body.bytes, `${credential}:${body.note}`);
    });
}

/** Requests to one of `ops`; operations that take a body are drawn three times as often. */
function operationArb(ops: Operation[], shape: Shape): fc.Arbitrary<FuzzRequest> {
  if (!ops.length) throw new Error('no operation selected: has /openapi.json changed?');
  return fc.oneof(...ops.map((op) => ({ arbitrary: requestArb(op, shape), weight: op.spec.requestBody ? 3 : 1 })));
}

// ---------------------------------------------------------------------------------------------------
// The driver: every request of the block is sent and checked (findings collected, not stopping at the
// first); if any failed, the same seed is replayed so fast-check shrinks the first failure.

async function fuzz(name: string, seedOffset: number, numRuns: number, arb: fc.Arbitrary<FuzzRequest>): Promise<void> {
  const seed = SEED + seedOffset;
  const findings = new Findings();
  const started = Date.now();
  const before = client.sent;
  await fc.assert(
    fc.asyncProperty(arb, async (req) => {
      await exchange(client, oracle, findings, req);
    }),
    { seed, numRuns },
  );
  let shrunk = '';
  if (findings.size) {
    const details = await fc.check(
      fc.asyncProperty(arb, (req) => exchange(client, oracle, new Findings(), req)),
      { seed, numRuns, interruptAfterTimeLimit: 20_000 },
    );
    shrunk = (await fc.asyncDefaultReportMessage(details)) ?? '';
  }
  console.info(`fuzz ${name}: ${client.sent - before} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${seed}), ${findings.size} finding(s)`);
  expectNoFindings(`${name}: seed ${seed} (FUZZ_SEED=${SEED})`, findings, `\n\nshrunk by fast-check:\n${shrunk}`);
}

function expectNoFindings(title: string, findings: Findings, extra = ''): void {
  const message = `${title}: ${findings.size} finding(s)\n${findings.list().join('\n')}${extra}`;
  if (findings.size) console.error(message);
  expect(findings.list(), message).toEqual([]);
}

const select = (pred: (op: Operation) => boolean) => operations.filter(pred);

it('image creates, JSON bodies: schema-built and mutated (dry run)', async () => {
  await fuzz('image creates / JSON', 1, 4_000, operationArb(select(isImageCreate), { body: 'json', credentials: 'mixed', dryRun: true }));
}, 120_000);

// Every field of every request body (and one it does not have) × every extreme value, exhaustively:
// what the random blocks reach only by chance (a 10,000-level array in `operation`) is always sent.
const EXTREMES: unknown[] = [
  nest(10_000, '[', ']'),
  nest(10_000, '{"a":', '}'),
  nest(1_000, '[', ']'),
  ...HUGE_NUMBERS,
  ...NUMBER_STRINGS.slice(0, 4),
  'a'.repeat(1 << 20),
  '\ud800',
  null,
  [],
  {},
  [[]],
  true,
];

/** A body the operation accepts, to carry one extreme field: the catalogue's own or the required fields. */
function baseBody(op: Operation): Record<string, unknown> {
  if (op.template === '/v1/images/generations') return { ...catalogue.recommended[0], n: 1 };
  if (op.template === '/v1/images/edits') return { model: 'gpt-image-2', prompt: 'x', image_url: urls[0] };
  if (op.template === '/v1/images/variations') return { model: 'dall-e-2' };
  if (op.template === '/v1/files') return { purpose: 'user_data' };
  const schema = bodySchema(op);
  return Object.fromEntries(((schema?.required ?? []) as string[]).map((k) => [k, k.endsWith('_usd') ? '1' : 'x']));
}

it('every field of every body × every extreme value (exhaustive sweep)', async () => {
  const findings = new Findings();
  const started = Date.now();
  const before = client.sent;
  for (const op of operations.filter((o) => o.spec.requestBody)) {
    const content = op.spec.requestBody?.content ?? {};
    const asForm = !('application/json' in content);
    const fields = [...fieldsOf(op).filter((f) => resolveRef(doc, (bodySchema(op)?.properties as Record<string, Schema>)[f])?.format !== 'binary'), 'unknown_field'];
    const segments = [...op.template.matchAll(/\{[^}]+\}/g)];
    const path = segments.length ? op.template.replace(/\{[^}]+\}/g, () => idsForPath(op.template, op.method, resources, catalogue)[0] ?? 'x') : op.template;
    for (const field of fields) {
      for (const value of EXTREMES) {
        const body = { ...baseBody(op), [field]: value };
        const headers: Record<string, string> = { ...auth(op.security === 'adminToken' ? 'adminToken' : 'apiKey') };
        if (isImageCreate(op)) headers['x-easel-dry-run'] = '1';
        let bytes: Buffer;
        if (asForm) {
          const file = op.template === '/v1/files' ? 'file' : 'image';
          const parts: Part[] = Object.entries(body).map(([name, v]) => ({ name, value: v instanceof Raw ? v.text : formValue(v) }));
          bytes = multipartBody([...parts, { name: file, filename: 'a.png', contentType: 'image/png', bytes: images.square }]);
          headers['content-type'] = 'multipart/form-data; boundary=fuzzBoundary7MA4YWxkTrZu0gW';
        } else {
          bytes = Buffer.from(encode(body));
          headers['content-type'] = 'application/json';
        }
        const label = value instanceof Raw ? value.text.slice(0, 12) : typeof value === 'string' && value.length > 20 ? `${value.length} chars` : JSON.stringify(value);
        await exchange(client, oracle, findings, new FuzzRequest(op, path, headers, bytes, `sweep:${field}=${label}`));
      }
    }
  }
  console.info(`fuzz sweep: ${client.sent - before} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ${findings.size} finding(s)`);
  expectNoFindings('every field × every extreme value', findings);
}, 120_000);

it('image creates, multipart: fields, hostile files and filenames, malformed forms (dry run)', async () => {
  await fuzz('image creates / multipart', 2, 2_500, operationArb(select(isImageCreate), { body: 'multipart', credentials: 'mixed', dryRun: true }));
}, 120_000);

it('image creates without dry run: mutated bodies must be refused before any work', async () => {
  await fuzz('image creates / not dry run', 3, 400, operationArb(select(isImageCreate), { body: 'any', credentials: 'mixed', dryRun: false }));
}, 120_000);

it('real demo generations, edits and variations (a few hundred, rendered)', async () => {
  const gen = operations.find((op) => op.name === 'POST /v1/images/generations');
  const edits = operations.find((op) => op.name === 'POST /v1/images/edits');
  const variations = operations.find((op) => op.name === 'POST /v1/images/variations');
  if (!gen || !edits || !variations) throw new Error('an image create operation is missing from /openapi.json');
  const json = (op: Operation, body: unknown, note: string) => new FuzzRequest(op, op.template, { ...auth('apiKey'), 'content-type': 'application/json' }, Buffer.from(encode(body)), note);
  const form = (op: Operation, parts: Part[], note: string) =>
    new FuzzRequest(op, op.template, { ...auth('apiKey'), 'content-type': 'multipart/form-data; boundary=fuzzBoundary7MA4YWxkTrZu0gW' }, multipartBody(parts), note);
  const small = (r: Record<string, unknown>) => ({ ...r, n: 1, ...(r.resolution ? { resolution: '1k' } : {}) });
  const extras = fc.record({ response_format: fc.constantFrom('url', 'b64_json'), user: fc.string({ unit: 'grapheme', maxLength: 20 }), prompt: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }) }, { requiredKeys: [] });
  const arb = fc.oneof(
    { arbitrary: fc.tuple(fc.constantFrom(...catalogue.recommended), extras).map(([r, x]) => json(gen, { ...small(r), ...x }, `real:generation:${r.model}`)), weight: 6 },
    fc.tuple(fc.constantFrom(...catalogue.asyncModels), extras).map(([model, x]) => json(gen, { model, prompt: 'fuzz async', size: '1024x1024', async: true, ...x, response_format: undefined }, `real:async:${model}`)),
    fc.tuple(extras, fc.constantFrom(urls[0], urls[1])).map(([x, url]) => json(edits, { model: 'gpt-image-2', prompt: 'fuzz edit', size: '1024x1024', image_url: url, ...x }, 'real:edit-json')),
    extras.map((x) => json(edits, { model: 'gpt-image-2', prompt: 'fuzz edit', size: '1024x1024', images: [{ file_id: resources.fileIds[0] }], ...x }, 'real:edit-file-id')),
    fc.constantFrom(...HOSTILE_FILENAMES).map((filename) => form(edits, [{ name: 'model', value: 'dall-e-2' }, { name: 'prompt', value: 'fuzz' }, { name: 'size', value: '256x256' }, { name: 'image', filename, contentType: 'image/png', bytes: images.square }], 'real:edit-multipart')),
    fc.constantFrom(...HOSTILE_FILENAMES).map((filename) => form(variations, [{ name: 'model', value: 'dall-e-2' }, { name: 'size', value: '256x256' }, { name: 'image', filename, contentType: 'image/png', bytes: images.square }], 'real:variation')),
  );
  await fuzz('real creates', 4, 250, arb);
}, 120_000);

it('files: uploads of good and hostile images under hostile names, listing, reading, deleting', async () => {
  await fuzz('files', 5, 2_000, operationArb(select((op) => op.template.startsWith('/v1/files')), { body: 'any', credentials: 'mixed', dryRun: true }));
}, 120_000);

it('reads: tasks, usage, models, pricing, media, health, metrics', async () => {
  const reads = select((op) => (op.method === 'GET' || op.method === 'DELETE') && !op.template.startsWith('/v1/files') && !op.template.startsWith('/admin/'));
  await fuzz('reads', 6, 1_500, operationArb(reads, { body: 'any', credentials: 'mixed', dryRun: true }));
}, 120_000);

it('admin: accounts, credit, keys, tasks', async () => {
  await fuzz('admin', 7, 1_500, operationArb(select((op) => op.template.startsWith('/admin/')), { body: 'json', credentials: 'mixed', dryRun: true }));
}, 120_000);

it('every operation with no, wrong, revoked or the other credential', async () => {
  await fuzz('wrong credentials', 8, 1_000, operationArb(operations, { body: 'any', credentials: 'wrong', dryRun: true }));
}, 120_000);

it(`sent at least ${MIN_REQUESTS} requests, and no hostile filename reached the disk`, () => {
  console.info(`fuzz: ${client.sent} requests in all; answers by operation and status:\n${client.coverage()}`);
  expect(client.sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
  expect(CANARY_PATHS.filter((p) => existsSync(p))).toEqual([]);
});
