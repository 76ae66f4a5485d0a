// Serves stored images from whichever store holds them, in every URL mode (a URL handed out in
// `serve` mode keeps working after a switch to `public` or `presigned`). Keys are random and
// immutable, so they can be cached forever and the key itself is the strong ETag: a revalidation is
// a 304 and a resumed download a single-range 206.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { apiErrors } from '../../api/errors.ts';
import type { ByteRange, StoredBlob } from '../../storage/blobs/types.ts';
import type { AppDeps } from '../app.ts';

export function mediaRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'blobs'>): void {
  app.get<{ Params: { key: string } }>('/media/:key', async (request, reply) => {
    const key = request.params.key;
    const etag = `"${key}"`;
    const { 'if-none-match': ifNoneMatch, 'if-range': ifRange, range } = request.headers;
    const wantsRange = range !== undefined && (ifRange === undefined || ifRange === etag);
    if (ifNoneMatch === undefined && !wantsRange) return send(reply, etag, await deps.blobs.get(key));

    // Conditional or partial: the size (and that the image exists) first.
    const info = await deps.blobs.stat(key);
    if (!info) throw apiErrors.mediaNotFound();
    if (ifNoneMatch !== undefined && matchesEtag(ifNoneMatch, etag)) {
      cacheHeaders(reply, etag);
      return reply.status(304).send();
    }
    const wanted = wantsRange ? parseRange(range, info.size) : undefined;
    if (wanted === 'unsatisfiable') throw apiErrors.rangeNotSatisfiable(info.size);
    if (!wanted) return send(reply, etag, await deps.blobs.get(key));
    const blob = await deps.blobs.get(key, wanted);
    reply.status(206).header('content-range', `bytes ${wanted.start}-${wanted.end}/${info.size}`);
    return send(reply, etag, blob);
  });
}

function send(reply: FastifyReply, etag: string, blob: StoredBlob | undefined) {
  if (!blob) throw apiErrors.mediaNotFound();
  cacheHeaders(reply, etag).header('content-type', blob.contentType).header('content-length', blob.size).header('x-content-type-options', 'nosniff');
  return reply.send(blob.stream);
}

/** Only on answers that carry the image (or say the cached copy is it): never on an error. */
function cacheHeaders(reply: FastifyReply, etag: string): FastifyReply {
  return reply.header('etag', etag).header('accept-ranges', 'bytes').header('cache-control', 'public, max-age=31536000, immutable');
}

/** If-None-Match: `*` or a list of tags, compared weakly (a `W/` tag names the same bytes here). */
function matchesEtag(header: string, etag: string): boolean {
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/**
 * One `bytes=` range (RFC 9110 §14.1.2) resolved against the size: `a-b`, `a-` or the suffix `-n`.
 * Anything else — other units, several ranges, a malformed or backwards spec — is ignored (the whole
 * image, 200), as the RFC allows; a range that starts past the end is unsatisfiable (416).
 */
export function parseRange(header: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}
