// A second, independent generator over the same contract: json-schema-faker builds requests straight
// from the served /openapi.json — JSON bodies and multipart form fields from each operation's request
// schema, path and query values from its parameter schemas — about 2,000 of them, bounded in time.
//
// It stands in for Schemathesis, which issue 11 asks for but which cannot be installed here (only the
// npm registry is reachable, PyPI is not). What it proves is what openapi-fuzz.test.ts proves, with
// values fast-check's builders would not pick: never a 5xx, only statuses the document lists for the
// operation, every 4xx the error envelope valid against components.schemas.ApiError, every described
// 2xx valid against its schema, no stack trace or server path in a body (the checks are oracle.ts's).
//
// Half the requests use the schemas as published; the other half narrow `model`, `file_id`, the
// catalogue's selectors (size, quality, aspect_ratio...), USD amounts and the path ids to real values
// (the catalogue's models, uploaded files, tasks, accounts) and send few optional fields, so that
// bodies get past the first check and into the deeper ones. Image creates carry X-Easel-Dry-Run: 1. Request i uses
// json-schema-faker seed FAKER_SEED + i, printed with any failure: FAKER_SEED=<n> replays the run.

import { generateSync, type JsonSchema, type Random } from 'json-schema-faker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formValue, type FuzzTarget, idsForPath, type ImageName, multipartBody, type Part, startFuzzTarget, stopFuzzTarget } from './fixtures.ts';
import { exchange, Findings, FuzzRequest, type Operation, resolveRef, type Schema } from './oracle.ts';

const FAKER_SEED = Number(process.env.FAKER_SEED ?? 7_000);
const REQUESTS = 2_000;
/** The run stops sending at this point whatever the count, so a slow machine cannot stall the suite. */
const BUDGET_MS = 60_000;

let target: FuzzTarget;
beforeAll(async () => {
  target = await startFuzzTarget();
}, 60_000);
afterAll(() => stopFuzzTarget(target));

const FILE_IMAGES: ImageName[] = ['png', 'square', 'jpeg', 'webp', 'hugeIhdr', 'truncatedPng', 'truncatedJpeg', 'polyglotHtml', 'polyglotZip', 'svg', 'empty'];

function fake(schema: Schema, seed: number, optionalsProbability = 0.3): unknown {
  const urls = target.urls;
  return generateSync(schema as JsonSchema, {
    seed,
    optionalsProbability,
    maxDefaultItems: 3,
    // uri: only URLs that never leave the machine (fixtures.ts safeUrls); binary: filled in as a part.
    formats: { uri: (r: Random) => r.pick(urls), binary: () => '' },
  });
}

/** The schema with `model`, `file_id` and the catalogue's selectors (size, quality...) narrowed to real values (deep copy). */
function narrowed(schema: Schema): Schema {
  const { catalogue, resources } = target;
  const walk = (node: unknown, key?: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n));
    if (!node || typeof node !== 'object') return node;
    const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, k)])) as Schema;
    if (key === 'model' && copy.type === 'string') return { ...copy, enum: catalogue.modelIds };
    if (key === 'file_id' && resources.fileIds.length) return { ...copy, enum: resources.fileIds };
    if (key === 'prompt') return { ...copy, maxLength: 200 };
    if (key?.endsWith('_usd')) return { type: 'string', pattern: '^[0-9]{1,3}(\\.[0-9]{1,6})?$' };
    if (key && copy.type === 'string' && !copy.enum && catalogue.hints[key]?.length) return { ...copy, enum: catalogue.hints[key] };
    return copy;
  };
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  return { ...schema, properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, walk(v, k)])) } as Schema;
}

/** Request i: operation, path, query and body all from the document, seeded by FAKER_SEED + i. */
function requestFor(op: Operation, i: number): FuzzRequest {
  const { doc, images } = target;
  const seed = FAKER_SEED + i;
  const narrow = i % 2 === 1;
  const params = op.spec.parameters ?? [];
  const path = op.template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const schema = params.find((p) => p.name === name)?.schema ?? { type: 'string' };
    const ids = idsForPath(op.template, op.method, target.resources, target.catalogue);
    const value = narrow && ids.length ? { ...schema, enum: ids } : schema;
    return encodeURIComponent(String(fake(value, seed)) || 'x');
  });
  const query = params
    .filter((p) => p.in === 'query')
    .map((p) => [p.name, fake(p.schema ?? { type: 'string' }, seed + p.name.length)] as const)
    .filter((_, k) => (seed >> k) % 2 === 0)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const headers: Record<string, string> = op.security === 'none' ? {} : target.auth(op.security);
  if (op.method === 'POST' && op.template.startsWith('/v1/images/')) headers['x-easel-dry-run'] = '1';
  let body: Buffer | undefined;
  let note = `faker:${seed}${narrow ? ':narrowed' : ''}`;
  const content = op.spec.requestBody?.content ?? {};
  const jsonSchema = resolveRef(doc, content['application/json']?.schema);
  const formSchema = resolveRef(doc, content['multipart/form-data']?.schema);
  const multipart = formSchema && (!jsonSchema || i % 3 === 0);
  if (multipart) {
    // Form fields: the multipart schema's own, else (edits) the JSON schema's, as the document says.
    const fields = formSchema.properties ? formSchema : (jsonSchema ?? formSchema);
    const values = (narrow ? fake(narrowed(fields), seed, 0.05) : fake(fields, seed)) as Record<string, unknown>;
    const props = (fields.properties ?? {}) as Record<string, Schema>;
    const fileFields = Object.keys(props).filter((k) => props[k].format === 'binary');
    const parts: Part[] = Object.entries(values ?? {})
      .filter(([k]) => !fileFields.includes(k))
      .map(([name, v]) => ({ name, value: formValue(v) }));
    const image = FILE_IMAGES[seed % FILE_IMAGES.length];
    for (const name of fileFields.length ? fileFields : ['image']) parts.push({ name, filename: `${image}.png`, contentType: 'image/png', bytes: images[image] });
    body = multipartBody(parts);
    headers['content-type'] = 'multipart/form-data; boundary=fuzzBoundary7MA4YWxkTrZu0gW';
    note += `:multipart:${image}`;
  } else if (jsonSchema) {
    body = Buffer.from(JSON.stringify(narrow ? fake(narrowed(jsonSchema), seed, 0.05) : fake(jsonSchema, seed)));
    headers['content-type'] = 'application/json';
    note += ':json';
  }
  return new FuzzRequest(op, path + (query && op.method === 'GET' ? `?${query}` : ''), headers, body, note);
}

it(`sends ${REQUESTS} json-schema-faker requests across every operation: all answers within the contract`, async () => {
  const { operations, client, oracle } = target;
  // Operations that take a body get three turns for each one of the others.
  const turns = operations.flatMap((op) => (op.spec.requestBody ? [op, op, op] : [op]));
  const findings = new Findings();
  const started = Date.now();
  let sent = 0;
  for (; sent < REQUESTS && Date.now() - started < BUDGET_MS; sent++) {
    await exchange(client, oracle, findings, requestFor(turns[sent % turns.length], sent));
  }
  console.info(`schema-faker: ${sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (FAKER_SEED=${FAKER_SEED}); answers by operation and status:\n${client.coverage()}`);
  const message = `${findings.size} finding(s) (FAKER_SEED=${FAKER_SEED}; the note "faker:<seed>" in each repro is that request's seed)\n${findings.list().join('\n')}`;
  if (findings.size) console.error(message);
  expect(findings.list(), message).toEqual([]);
  expect(sent).toBeGreaterThanOrEqual(Math.min(REQUESTS, 500));
}, BUDGET_MS + 30_000);
