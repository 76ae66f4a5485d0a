// Inputs both fuzzers send: image files good and hostile (a PNG whose header declares 50,000×50,000
// pixels, truncated PNG/JPEG, PNG+HTML and PNG+ZIP polyglots), a raw multipart encoder (so filenames,
// part counts and malformed framing are under the test's control), URLs that can never leave this
// machine, the catalogue's own values, and real resources (files, tasks, media, accounts, keys) whose
// ids the generators put in paths and bodies.

import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { authHeader, Client, loadContract, type OpenApiDoc, type Operation, type Oracle } from './oracle.ts';

export interface ImageFixtures {
  png: Buffer;
  /** Square RGBA PNG: a variation source and an edit mask. */
  square: Buffer;
  jpeg: Buffer;
  webp: Buffer;
  /** A well-formed PNG whose IHDR declares 50,000 × 50,000 pixels (2.5 gigapixels). */
  hugeIhdr: Buffer;
  truncatedPng: Buffer;
  truncatedJpeg: Buffer;
  /** A valid PNG followed by an HTML page with a script. */
  polyglotHtml: Buffer;
  /** A valid PNG followed by a ZIP archive (local header, central directory, end record). */
  polyglotZip: Buffer;
  /** Just the 8-byte PNG signature. */
  signatureOnly: Buffer;
  gif: Buffer;
  svg: Buffer;
  html: Buffer;
  empty: Buffer;
}

export type ImageName = keyof ImageFixtures;

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const name = Buffer.from(type, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(name)) >>> 0);
  return Buffer.concat([length, name, data, crc]);
}

/** A PNG with a correct IHDR (and CRCs) for `width` × `height` RGBA, and far too little pixel data. */
export function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A one-file ZIP (local header, central directory, end record) holding a `../` path. */
function zipArchive(): Buffer {
  const name = Buffer.from('../../evil.sh');
  const data = Buffer.from('#!/bin/sh\necho owned\n');
  // The local header and the central entry share a layout: crc, sizes and name length, at `crcAt`.
  const entry = (size: number, signature: number, crcAt: number) => {
    const b = Buffer.alloc(size);
    b.writeUInt32LE(signature, 0);
    b.writeUInt32LE(crc32(data) >>> 0, crcAt);
    b.writeUInt32LE(data.length, crcAt + 4);
    b.writeUInt32LE(data.length, crcAt + 8);
    b.writeUInt16LE(name.length, crcAt + 12);
    return b;
  };
  const local = entry(30, 0x04034b50, 14);
  local.writeUInt16LE(20, 4);
  const central = entry(46, 0x02014b50, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

export async function imageFixtures(): Promise<ImageFixtures> {
  const png = await sharp({ create: { width: 4, height: 3, channels: 3, background: '#3a7' } }).png().toBuffer();
  const square = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#a37' } }).jpeg().toBuffer();
  const webp = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#73a' } }).webp().toBuffer();
  return {
    png,
    square,
    jpeg,
    webp,
    hugeIhdr: pngDeclaring(50_000, 50_000),
    truncatedPng: square.subarray(0, Math.floor(square.length / 2)),
    truncatedJpeg: jpeg.subarray(0, Math.floor(jpeg.length / 2)),
    polyglotHtml: Buffer.concat([png, Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>')]),
    polyglotZip: Buffer.concat([png, zipArchive()]),
    signatureOnly: png.subarray(0, 8),
    gif: Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'),
    svg: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'),
    html: Buffer.from('<!doctype html><title>x</title>'),
    empty: Buffer.alloc(0),
  };
}

export function dataUrl(bytes: Buffer, mime = 'image/png'): string {
  return `data:${mime};base64,${bytes.toString('base64')}`;
}

/**
 * URLs a request may carry that never leave this machine: data: URLs, loopback and metadata addresses
 * (refused by the SSRF guard), the reserved .invalid domain (never resolves) and other schemes.
 */
export function safeUrls(images: ImageFixtures): string[] {
  return [
    dataUrl(images.png),
    dataUrl(images.square),
    dataUrl(images.jpeg, 'image/jpeg'),
    dataUrl(images.hugeIhdr),
    dataUrl(images.truncatedPng),
    dataUrl(images.polyglotHtml),
    dataUrl(images.html, 'text/html'),
    'data:image/png;base64,!!!not-base64!!!',
    'data:,',
    'https://example.invalid/a.png',
    'http://127.0.0.1:1/x.png',
    'http://[::1]/x.png',
    'http://169.254.169.254/latest/meta-data/',
    'http://localhost./x.png',
    'http://2130706433/x.png',
    'file:///etc/passwd',
    'ftp://example.invalid/x.png',
    'javascript:alert(1)',
    'https://user:pass@example.invalid/../../etc/passwd',
  ];
}

/** Any http(s) URL not in `allowed` becomes a data: URL, so no fixture reaches the network. */
export function keepLocal(value: unknown, replacement: string, allowed: readonly string[]): unknown {
  if (typeof value === 'string') return /^https?:\/\//i.test(value) && !allowed.includes(value) ? replacement : value;
  if (Array.isArray(value)) return value.map((v) => keepLocal(v, replacement, allowed));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keepLocal(v, replacement, allowed)]));
  return value;
}

export type Part =
  | { name: string; value: string }
  | { name: string; filename?: string; contentType?: string; bytes: Buffer };

/** A multipart/form-data body, written byte by byte (names and filenames are not escaped on purpose). */
export function multipartBody(parts: readonly Part[], boundary = 'fuzzBoundary7MA4YWxkTrZu0gW', opts: { unterminated?: boolean } = {}): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if ('bytes' in part) {
      if (part.filename !== undefined) head += `; filename="${part.filename}"`;
      head += `\r\nContent-Type: ${part.contentType ?? 'application/octet-stream'}`;
    }
    chunks.push(Buffer.from(`${head}\r\n\r\n`), 'bytes' in part ? part.bytes : Buffer.from(part.value), Buffer.from('\r\n'));
  }
  if (!opts.unterminated) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** A form field's text: strings as they are, lists comma-separated (as the document says), the rest as JSON. */
export function formValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
  return JSON.stringify(value) ?? '';
}

/** Filenames that try to climb out of a folder or name one absolutely. */
export const HOSTILE_FILENAMES = [
  '../../../../../../tmp/easel-fuzz-canary.png',
  '..\\..\\..\\easel-fuzz-canary.png',
  '/tmp/easel-fuzz-canary-absolute.png',
  '/etc/passwd',
  'C:\\Windows\\System32\\easel-fuzz.png',
  '....//....//easel-fuzz.png',
  '%2e%2e%2f%2e%2e%2feasel-fuzz.png',
  'image.png\u0000.html',
  '',
  '.',
  '..',
  'a'.repeat(1000) + '.png',
  'ünïcødé 画像 🖼️.png',
  'x.png;.php',
];

/** Paths the hostile filenames would reach if a server used them: none may exist after the run. */
export const CANARY_PATHS = ['/tmp/easel-fuzz-canary.png', '/tmp/easel-fuzz-canary-absolute.png'];

/** What the catalogue publishes, for bodies that get past validation. */
export interface Catalogue {
  modelIds: string[];
  /** Values per request field, from every model's published parameter values and sizes. */
  hints: Record<string, unknown[]>;
  /** Each model's recommended request (URLs replaced by local ones). */
  recommended: Array<Record<string, unknown>>;
  /** Models that accept async: true. */
  asyncModels: string[];
}

type Published = {
  recommended_request?: Record<string, unknown>;
  feature_flags?: { async?: boolean };
  limits_by_operation?: Record<string, { parameter_values?: Record<string, string[]>; size_rule?: { values?: string[] } | null }>;
};

export async function loadCatalogue(server: TestServer, localImageUrl: string, allowedUrls: readonly string[]): Promise<Catalogue> {
  const list = (await (await server.call('/v1/models')).json()) as { data: Array<{ id: string }> };
  const hints: Record<string, Set<unknown>> = { size: new Set(['auto', '1024x1024', '256x256', '1536x1024', '16x16', '3840x2160', '0x0', '1024X1024', '1:1']) };
  const recommended: Array<Record<string, unknown>> = [];
  const asyncModels: string[] = [];
  for (const { id } of list.data) {
    const detail = (await (await server.call(`/v1/models/${encodeURIComponent(id)}`)).json()) as { tokenlab: { request_format_details: Published } };
    const published = detail.tokenlab.request_format_details;
    if (published.recommended_request) recommended.push(keepLocal(published.recommended_request, localImageUrl, allowedUrls) as Record<string, unknown>);
    if (published.feature_flags?.async) asyncModels.push(id);
    for (const limits of Object.values(published.limits_by_operation ?? {})) {
      for (const [field, values] of Object.entries(limits.parameter_values ?? {})) for (const v of values) (hints[field] ??= new Set()).add(v);
      for (const v of limits.size_rule?.values ?? []) hints.size.add(v);
    }
  }
  const modelIds = list.data.map((m) => m.id);
  return { modelIds, hints: Object.fromEntries(Object.entries(hints).map(([k, v]) => [k, [...v]])), recommended, asyncModels };
}

/** Real resources, made before the run, whose ids go into paths and bodies. */
export interface Resources {
  /** Files to read and to use in edits; never deleted by the generators. */
  fileIds: string[];
  /** Files DELETE /v1/files/{file_id} may remove. */
  deletableFileIds: string[];
  taskIds: string[];
  mediaKeys: string[];
  accountIds: string[];
  /** Keys of a throwaway account: DELETE /admin/v1/keys/{id} may revoke them. Never the starter key. */
  keyIds: string[];
  /** A key that worked once and has been revoked. */
  revokedKey: string;
}

export async function makeResources(server: TestServer, images: ImageFixtures): Promise<Resources> {
  const upload = async (bytes: Buffer, filename: string): Promise<string[]> => {
    const body = multipartBody([{ name: 'purpose', value: 'user_data' }, { name: 'file', filename, contentType: 'image/png', bytes }]);
    const res = await server.call('/v1/files', { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'multipart/form-data; boundary=fuzzBoundary7MA4YWxkTrZu0gW' } });
    const made = (await res.json()) as { id?: string };
    return made.id ? [made.id] : [];
  };
  const fileIds: string[] = [];
  for (const [bytes, filename] of [[images.png, 'a.png'], [images.square, 'mask.png'], [images.jpeg, 'photo.jpg'], [images.hugeIhdr, 'huge.png'], [images.polyglotHtml, 'poly.png']] as const) {
    fileIds.push(...(await upload(bytes, filename)));
  }
  const deletableFileIds: string[] = [];
  for (let i = 0; i < 6; i++) deletableFileIds.push(...(await upload(images.png, `delete-me-${i}.png`)));
  const taskIds: string[] = [];
  const mediaKeys: string[] = [];
  const task = await server.call('/v1/images/generations', { method: 'POST', json: { model: 'gpt-image-2', prompt: 'fuzz: async', async: true, size: '1024x1024' } });
  const taskBody = (await task.json()) as { task_id?: string };
  if (taskBody.task_id) taskIds.push(taskBody.task_id);
  const inline = await server.call('/v1/images/generations', { method: 'POST', json: { model: 'dall-e-2', prompt: 'fuzz: inline', size: '256x256' } });
  const inlineBody = (await inline.json()) as { data?: Array<{ url?: string }> };
  const inlineTask = inline.headers.get('x-task-id');
  if (inlineTask) taskIds.push(inlineTask);
  for (const d of inlineBody.data ?? []) if (d.url) mediaKeys.push(d.url.split('/media/')[1]);
  const admin = { key: server.adminToken };
  const other = await server.newAccount('1');
  const keyIds = [other.keyId];
  for (let i = 0; i < 3; i++) {
    const made = (await (await server.call(`/admin/v1/accounts/${other.id}/keys`, { method: 'POST', ...admin, json: { name: `throwaway ${i}` } })).json()) as { id: string };
    keyIds.push(made.id);
  }
  const revoked = await server.newAccount('0');
  await server.call(`/admin/v1/keys/${revoked.keyId}`, { method: 'DELETE', ...admin });
  return { fileIds, deletableFileIds, taskIds, mediaKeys, accountIds: [other.id, revoked.id], keyIds, revokedKey: revoked.key };
}

/** A running server with plenty of credit, the served contract, and everything the generators draw on. */
export interface FuzzTarget {
  server: TestServer;
  client: Client;
  doc: OpenApiDoc;
  operations: Operation[];
  oracle: Oracle;
  images: ImageFixtures;
  urls: string[];
  catalogue: Catalogue;
  resources: Resources;
  /** The Authorization header for a credential class (oracle.ts authHeader). */
  auth(kind: string): Record<string, string>;
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const server = await startTestServer({ config: { bootstrap: { starter_credit_usd: '100000' } } });
  const client = new Client(server.url);
  const images = await imageFixtures();
  const urls = safeUrls(images);
  const catalogue = await loadCatalogue(server, urls[0], urls);
  const resources = await makeResources(server, images);
  // No body may name the data folder or the repository.
  const { doc, operations, oracle } = await loadContract(client, [server.dataDir, process.cwd()]);
  const keys = { apiKey: server.apiKey, adminToken: server.adminToken, revokedKey: resources.revokedKey };
  return { server, client, doc, operations, oracle, images, urls, catalogue, resources, auth: (kind) => authHeader(kind, keys) };
}

export async function stopFuzzTarget(target: FuzzTarget | undefined): Promise<void> {
  await target?.client.close();
  await target?.server.close();
}

/** The real ids that fit a path parameter of `template` (DELETE gets only what may be deleted). */
export function idsForPath(template: string, method: string, resources: Resources, catalogue: Catalogue): string[] {
  if (template.startsWith('/v1/files/')) return method === 'DELETE' ? resources.deletableFileIds : resources.fileIds;
  if (template.startsWith('/v1/models/')) return catalogue.modelIds;
  if (template.startsWith('/media/')) return resources.mediaKeys;
  if (template.startsWith('/admin/v1/accounts/')) return resources.accountIds;
  if (template.startsWith('/admin/v1/keys/')) return resources.keyIds;
  if (template.includes('/tasks/') || template.startsWith('/v1/images/')) return resources.taskIds;
  return [];
}
