// The streaming reader of JSON answers with base64 images (src/providers/base64-json.ts) and the
// Base64Text it hands over: every split of a body into chunks reads the same, escapes a JSON encoder
// may write are undone, and a body that is not JSON, an image that is not base64, or a body past the
// size limit is the upstream's fault with the message the whole-body reading gave.

import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type Base64JsonOptions, Base64JsonReader } from '../../src/providers/base64-json.ts';
import { MAX_RESPONSE_BYTES, type OpenedUpstream, readJsonWithImages } from '../../src/providers/http.ts';
import { readImages, type ImagesResponseRead } from '../../src/providers/openai/adapter.ts';
import { UpstreamError } from '../../src/providers/types.ts';
import { Base64Builder, Base64Text } from '../../src/util/base64-text.ts';
import { jsonPieces } from '../../src/util/json-pieces.ts';

type Read = { created: number; data: Array<{ b64_json?: Base64Text | Buffer | string; revised_prompt?: string }>; usage?: Record<string, unknown> };

/** Reads `body` fed as the given chunks (each a fresh copy: the reader keeps slices and may rewrite them). */
function read(body: Buffer, cuts: number[], opts: Omit<Base64JsonOptions, 'status'> = {}): Read {
  const reader = new Base64JsonReader('b64_json', { status: 200, ...opts });
  let from = 0;
  for (const cut of [...cuts, body.length]) {
    reader.feed(Buffer.from(body.subarray(from, cut)));
    from = cut;
  }
  return reader.end<Read>();
}

type Field = Base64Text | Buffer | string | undefined;
const text = (value: Field) => (value instanceof Base64Text ? value.toString() : value);
/** What a field decodes to, whichever form it came in. */
const decoded = (value: Field) => (Buffer.isBuffer(value) ? value : value instanceof Base64Text ? value.decode() : Buffer.from(value ?? '', 'base64'));

function failure(fn: () => unknown): UpstreamError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UpstreamError) return err;
    throw err;
  }
  throw new Error('expected an UpstreamError');
}

// 61 bytes: base64 ending in `==`, `+` and `/` among the digits.
const bytes = Buffer.from('fb/f+/7/AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEy', 'base64').subarray(0, 61);
const b64 = bytes.toString('base64');
const bodyOf = (image: string) =>
  Buffer.from(`{"created": 1700000000, "data": [ {"b64_json" : "${image}", "revised_prompt": "a \\"quoted\\" b64_json: \\u00e9"} ], "usage": {"total_tokens": 7, "b64_json": 3}}`);

describe('Base64JsonReader', () => {
  it('reads the same body split into two chunks at every offset', () => {
    const body = bodyOf(b64);
    for (let cut = 0; cut <= body.length; cut++) {
      const out = read(body, [cut]);
      expect(out.created).toBe(1700000000);
      expect(out.usage).toEqual({ total_tokens: 7, b64_json: 3 });
      expect(out.data[0].revised_prompt).toBe('a "quoted" b64_json: é');
      const image = out.data[0].b64_json as Base64Text;
      expect(image).toBeInstanceOf(Base64Text);
      expect(image.toString()).toBe(b64);
      expect(image.decode().equals(bytes)).toBe(true);
    }
  });

  it('reads it one byte at a time', () => {
    const out = read(bodyOf(b64), Array.from({ length: bodyOf(b64).length }, (_, i) => i));
    expect(text(out.data[0].b64_json)).toBe(b64);
    expect(out.usage).toEqual({ total_tokens: 7, b64_json: 3 });
  });

  it('undoes the escapes an encoder may write (\\/, \\u002F, folded lines), at every split', () => {
    const escape = (part: string) => part.replace(/\//g, '\\/').replace(/\+/g, '\\u002B');
    const escaped = `${escape(b64.slice(0, 20))}\\n${escape(b64.slice(20))}`;
    expect(escaped).toContain('\\/');
    expect(escaped).toContain('\\u002B');
    for (let cut = 0; cut <= bodyOf(escaped).length; cut++) {
      expect(text(read(bodyOf(escaped), [cut]).data[0].b64_json)).toBe(b64);
    }
  });

  it('decodes as it reads, at every split, with the body length known or not', () => {
    const body = bodyOf(b64);
    for (const bodyBytes of [body.length, undefined, 10]) {
      for (let cut = 0; cut <= body.length; cut++) {
        const out = read(body, [cut, Math.min(body.length, cut + 2)], { decode: true, bodyBytes });
        expect(Buffer.isBuffer(out.data[0].b64_json)).toBe(true);
        expect(decoded(out.data[0].b64_json).equals(bytes)).toBe(true);
        expect(out.usage).toEqual({ total_tokens: 7, b64_json: 3 });
      }
    }
  });

  it('decodes escaped text and several images, each into its own bytes', () => {
    const escaped = b64.replace(/\//g, '\\/');
    const big = randomBytes(3 * 1024 * 1024);
    const body = Buffer.from(`{"data":[{"b64_json":"${escaped}"},{"b64_json":"${big.toString('base64')}"}]}`);
    for (const cut of [0, 25, 26, 27, 28, 29, 30, 31, body.length - 3]) {
      const out = read(body, [cut], { decode: true, bodyBytes: body.length });
      expect(decoded(out.data[0].b64_json).equals(bytes)).toBe(true);
      // The first image was given room for the whole body: its bytes are copied out, not a view of that room.
      expect((out.data[0].b64_json as Buffer).buffer.byteLength).toBeLessThan(1024 * 1024);
      expect(decoded(out.data[1].b64_json).equals(big)).toBe(true);
    }
  });

  it('rewrites url-safe base64 to the standard alphabet', () => {
    const urlSafe = bytes.toString('base64url');
    const out = read(bodyOf(urlSafe), [17]);
    expect(text(out.data[0].b64_json)).toBe(b64.replace(/=+$/, ''));
    expect((out.data[0].b64_json as Base64Text).decode().equals(bytes)).toBe(true);
  });

  it('reads every image of an answer with several, and leaves other strings alone', () => {
    const second = randomBytes(300).toString('base64');
    const body = Buffer.from(JSON.stringify({ created: 1, data: [{ b64_json: b64 }, { b64_json: second, url: 'https://x/y' }], note: 'b64_json' }));
    for (let cut = 0; cut <= body.length; cut += 7) {
      const out = read(body, [cut, Math.min(body.length, cut + 3)]) as Read & { note: string };
      expect(out.data.map((d) => text(d.b64_json))).toEqual([b64, second]);
      expect(out.note).toBe('b64_json');
    }
  });

  it('takes an escaped key for an ordinary string, which readImages still reads', () => {
    const body = Buffer.from(`{"created":1,"data":[{"b64\\u005fjson":"${b64}"}]}`);
    const out = read(body, [30]);
    expect(out.data[0].b64_json).toBe(b64);
    const image = readImages(out as ImagesResponseRead, 200).images[0];
    expect(image.base64!.decode().equals(bytes)).toBe(true);
    expect(image.bytes!.equals(bytes)).toBe(true);
  });

  it('answers a body cut off anywhere as malformed JSON', () => {
    const body = bodyOf(b64);
    for (let end = 0; end < body.length; end++) {
      const err = failure(() => read(body.subarray(0, end), []));
      expect(err.message).toBe('the upstream answered with malformed JSON');
      expect(err).toMatchObject({ kind: 'upstream_fault', upstreamStatus: 200 });
    }
  });

  it('answers malformed JSON around the images as malformed JSON', () => {
    for (const body of ['{"data":[{"b64_json":"QUJD"}]', '{"data":[{"b64_json":"QUJD"} x]}', 'not json', '{"data":[{"b64_json":"QU\\xJD"}]}', '{"a":"\\u12"}']) {
      expect(failure(() => read(Buffer.from(body), [5])).message).toBe('the upstream answered with malformed JSON');
    }
  });

  it('answers an image that is not base64 as such, wherever the bad character falls', () => {
    const bad = [`${b64.slice(0, 30)}!${b64.slice(30)}`, `${b64.slice(0, 30)}\\"${b64.slice(30)}`, `QU=JD`, `QUJDR`, `QUJD===`, `QU\u0001JD`, `QU\\u00e9JD`];
    for (const image of bad) {
      const body = bodyOf(image);
      for (let cut = 0; cut <= body.length; cut += 5) {
        for (const decode of [false, true]) expect(failure(() => read(body, [cut], { decode })).message).toBe('the upstream sent an image that is not base64');
      }
    }
  });
});

/** An opened success answer whose body is these chunks. */
function opened(chunks: Iterable<Buffer>): OpenedUpstream {
  return { status: 200, headers: new Headers(), body: Readable.from(chunks) as unknown as OpenedUpstream['body'] };
}

describe('readJsonWithImages', () => {
  /** A body of exactly `size` bytes: one image of `A`s, sent in 1 MiB chunks of one shared buffer. */
  function* bodyOfSize(size: number): Generator<Buffer> {
    const head = Buffer.from('{"data":[{"b64_json":"');
    const tail = Buffer.from('"}]}');
    let digits = size - head.length - tail.length;
    const pad = digits % 4; // spaces before the image keep its length a multiple of 4
    digits -= pad;
    yield Buffer.concat([Buffer.from(' '.repeat(pad)), head]);
    const block = Buffer.alloc(1024 * 1024, 'A');
    for (; digits > 0; digits -= block.length) yield block.subarray(0, Math.min(block.length, digits));
    yield tail;
  }

  it('reads a body of exactly the limit, and refuses one byte more', async () => {
    const signal = new AbortController().signal;
    const body = await readJsonWithImages<Read>(opened(bodyOfSize(MAX_RESPONSE_BYTES)), signal, 'b64_json');
    expect((body.data[0].b64_json as Base64Text).length % 4).toBe(0);
    await expect(readJsonWithImages(opened(bodyOfSize(MAX_RESPONSE_BYTES + 1)), signal, 'b64_json')).rejects.toMatchObject({
      kind: 'upstream_fault',
      message: 'the upstream answer is larger than Easel accepts',
    });
  }, 60_000);
});

describe('Base64Text', () => {
  it('decodes in pieces across any segmentation, and knows its decoded length', () => {
    for (const size of [0, 1, 2, 3, 4, 5, 100, 1000, 3 * 1024 * 1024 + 1]) {
      const raw = randomBytes(size);
      const encoded = Buffer.from(raw.toString('base64'));
      for (const step of [1, 3, 5, 64 * 1024 + 1]) {
        if (size > 1000 && step < 1000) continue;
        const builder = new Base64Builder();
        for (let i = 0; i < encoded.length; i += step) expect(builder.push(encoded.subarray(i, i + step))).toBe(true);
        expect(builder.finish()).toBe(true);
        const base64 = builder.text();
        expect(base64.decodedLength).toBe(size);
        expect(base64.decode().equals(raw)).toBe(true);
        expect(Buffer.concat([...base64.decodedPieces()]).equals(raw)).toBe(true);
        expect(base64.head(8).equals(raw.subarray(0, 8))).toBe(true);
      }
    }
  });

  it('knows the decoded length of unpadded text', () => {
    for (const size of [1, 2, 3, 4, 5]) expect(Base64Text.fromString(randomBytes(size).toString('base64url'))!.decodedLength).toBe(size);
  });

  it('refuses text that is not base64', () => {
    for (const bad of ['QUJD!', 'Q', 'QUJDR', 'QU=D', 'QUJD====', 'QUJD ']) expect(Base64Text.fromString(bad)).toBeUndefined();
    expect(Base64Text.fromString('QUJD')!.decode().toString()).toBe('ABC');
  });

  it('copies pieces past a block into new blocks', () => {
    const encoded = Buffer.from(randomBytes(200 * 1024).toString('base64'));
    const builder = new Base64Builder();
    for (let i = 0; i < encoded.length; i += 1000) builder.copy(encoded.subarray(i, i + 1000));
    expect(builder.finish()).toBe(true);
    expect(builder.text().toString()).toBe(encoded.toString());
  });
});

describe('jsonPieces', () => {
  it('writes what JSON.stringify writes, with the images as their own pieces', () => {
    const first = Base64Text.fromString(b64)!;
    // Past the size where pieces pay (256 Ki characters of base64 in the answer).
    const second = Base64Text.encode(randomBytes(300 * 1024));
    const body = { created: 1, data: [{ b64_json: first, revised_prompt: 'says "\u0000b64" \\' }, { b64_json: second, revised_prompt: undefined }], note: undefined, list: [undefined, 1] };
    const json = jsonPieces(body)!;
    const written = Buffer.concat(json.pieces);
    expect(written.length).toBe(json.length);
    expect(written.toString()).toBe(JSON.stringify(body));
    expect(json.pieces).toContain(first.segments[0]);
    expect(json.pieces).toContain(second.segments[0]);
  });

  it('leaves a body with only small images to JSON.stringify (one string costs less)', () => {
    const small = { created: 1, data: [{ b64_json: Base64Text.encode(randomBytes(1000)) }] };
    expect(jsonPieces(small)).toBeUndefined();
    expect(JSON.parse(JSON.stringify(small)).data[0].b64_json).toBe(small.data[0]!.b64_json.toString());
  });

  it('leaves a body without images to JSON.stringify', () => {
    expect(jsonPieces({ created: 1, data: [{ url: 'https://x' }] })).toBeUndefined();
  });
});
