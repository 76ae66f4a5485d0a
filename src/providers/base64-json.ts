// Reads a JSON answer that carries images as base64 strings (OpenAI's ImagesResponse `b64_json`)
// chunk by chunk, without the body ever being one string: every string value under the image key is
// kept as Base64Text — slices of the chunks as they came, checked as base64 on the way — and the rest
// of the body (created, usage, revised_prompt: small) is parsed with JSON.parse as usual. The body
// is held once, as the bytes it arrived in, instead of as text, parsed string and decoded copy.
// Where the image is wanted as bytes (it will be stored, not answered as base64), it is decoded as
// it comes instead, and only the bytes are held.

import { Base64Builder, Base64Text } from '../util/base64-text.ts';
import { UpstreamError } from './types.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

const OUTSIDE = 0; // between tokens, or in a number, literal or punctuation
const IN_STRING = 1; // any other string (a key, a prompt): kept in the rest of the body
const IN_STRING_ESCAPE = 2; // just after a backslash in such a string
const IN_IMAGE = 3; // an image's base64 text
const IN_IMAGE_ESCAPE = 4; // an escape in it (`\/`, which a JSON encoder may write for `/`)

/** What stands for the Nth image in the rest of the body: a string no base64 text can be (it starts with NUL). */
const placeholder = (n: number) => `"\\u0000${n}"`;
const PLACEHOLDER_PATTERN = /^\u0000(\d+)$/;

/** `\n`, `\r`, `\t` (and a space as \u0020) may fold a MIME encoder's lines: a base64 decoder skips them. */
const SKIPPED_ESCAPES = new Set(['n', 'r', 't']);
const SKIPPED_CODES = new Set([0x0a, 0x0d, 0x09, 0x20]);

const isWhitespace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Room made at once for an image decoded as it comes, at most: the body's announced length says how
 * large it can be, but a length is only the upstream's word; past this the room grows as bytes come.
 */
const MAX_PREALLOCATED_IMAGE_BYTES = 32 * 1024 * 1024;

export interface Base64JsonOptions {
  /** The upstream's status, for the errors. */
  status: number;
  /** Decode each image as it comes and hand over bytes (a Buffer) instead of Base64Text. */
  decode?: boolean;
  /** The body's announced length (Content-Length), if any: the decoded image's room is made from it. */
  bodyBytes?: number;
}

export class Base64JsonReader {
  private readonly key: Buffer;
  private state = OUTSIDE;
  /** The body without its images' text, in pieces (slices of the chunks, and the placeholders). */
  private readonly rest: Buffer[] = [];
  private readonly images: Array<Base64Text | Buffer> = [];
  /** Bytes of the body fed before the current chunk. */
  private fed = 0;
  /** Bytes of the string being read that matched the image key so far; -1 once it cannot be the key. */
  private keyMatched = -1;
  /** The string just closed was the image key: a colon after it announces an image. */
  private closedKey = false;
  /** The image key and its colon came: the next string is an image. */
  private imageNext = false;
  private builder: Base64Builder | undefined;
  /** After an escape the image's text is copied, not sliced: escaped text comes in short runs. */
  private copying = false;
  private escape = '';

  /** `key`: the name of the fields holding base64 images. */
  constructor(key: string, private readonly opts: Base64JsonOptions) {
    this.key = Buffer.from(key, 'utf8');
  }

  /** Reads the next chunk of the body; the reader keeps slices of it, so it must not change after. */
  feed(chunk: Buffer): void {
    let from = 0; // where the piece of the rest that this chunk adds begins
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case OUTSIDE: {
          const b = chunk[i];
          if (b === QUOTE && this.imageNext) {
            this.rest.push(chunk.subarray(from, i), Buffer.from(placeholder(this.images.length)));
            this.builder = new Base64Builder(this.opts.decode ? { decodeInto: this.decodedRoom(i) } : {});
            this.copying = false;
            this.imageNext = false;
            this.state = IN_IMAGE;
          } else if (b === QUOTE) {
            this.keyMatched = 0;
            this.state = IN_STRING;
          } else if (b === COLON) {
            this.imageNext = this.closedKey;
            this.closedKey = false;
          } else if (!isWhitespace(b)) {
            this.imageNext = false;
            this.closedKey = false;
          }
          i++;
          break;
        }
        case IN_STRING: {
          for (; i < chunk.length; i++) {
            const b = chunk[i];
            if (b === QUOTE || b === BACKSLASH) break;
            if (this.keyMatched >= 0) this.keyMatched = this.keyMatched < this.key.length && this.key[this.keyMatched] === b ? this.keyMatched + 1 : -1;
          }
          if (i === chunk.length) break;
          if (chunk[i] === BACKSLASH) {
            // An escaped key is never taken for the image key: its value stays in the rest, read as a string.
            this.keyMatched = -1;
            this.state = IN_STRING_ESCAPE;
          } else {
            this.closedKey = this.keyMatched === this.key.length;
            this.state = OUTSIDE;
          }
          i++;
          break;
        }
        case IN_STRING_ESCAPE:
          // The escaped character (a \u's four digits are ordinary string bytes); JSON.parse checks it later.
          this.state = IN_STRING;
          i++;
          break;
        case IN_IMAGE: {
          const quote = chunk.indexOf(QUOTE, i);
          const end = quote < 0 ? chunk.length : quote;
          const backslash = chunk.subarray(i, end).indexOf(BACKSLASH);
          const stop = backslash < 0 ? end : i + backslash;
          if (stop > i) this.add(chunk.subarray(i, stop));
          i = stop;
          if (i === chunk.length) break;
          if (chunk[i] === BACKSLASH) {
            this.state = IN_IMAGE_ESCAPE;
            this.escape = '';
            this.copying = true;
          } else {
            if (!this.builder!.finish()) throw this.notBase64();
            this.images.push(this.opts.decode ? this.builder!.bytes() : this.builder!.text());
            this.builder = undefined;
            this.state = OUTSIDE;
            from = i + 1;
          }
          i++;
          break;
        }
        case IN_IMAGE_ESCAPE:
          this.escape += String.fromCharCode(chunk[i]);
          i++;
          this.readEscape();
          break;
      }
    }
    if (this.state !== IN_IMAGE && this.state !== IN_IMAGE_ESCAPE && from < chunk.length) this.rest.push(chunk.subarray(from));
    this.fed += chunk.length;
  }

  /** The body, parsed, with each image field's string as Base64Text (or, decoding, a Buffer). */
  end<T>(): T {
    if (this.state !== OUTSIDE) throw this.malformed();
    const text = Buffer.concat(this.rest).toString('utf8');
    const key = this.key.toString('utf8');
    try {
      return JSON.parse(text, (name, value) => {
        if (name !== key || typeof value !== 'string') return value;
        const n = PLACEHOLDER_PATTERN.exec(value);
        return n ? this.images[Number(n[1])] : value;
      }) as T;
    } catch {
      throw this.malformed();
    }
  }

  /** The most an image starting at `offset` of the current chunk can decode to, as far as the body's length tells (0: unknown). */
  private decodedRoom(offset: number): number {
    if (this.opts.bodyBytes === undefined) return 0;
    return Math.min(MAX_PREALLOCATED_IMAGE_BYTES, Math.ceil((Math.max(0, this.opts.bodyBytes - this.fed - offset) * 3) / 4));
  }

  private add(seg: Buffer): void {
    const ok = this.copying ? this.builder!.copy(seg) : this.builder!.push(seg);
    if (!ok) throw this.notBase64();
  }

  /** An escape inside an image's text, once it is whole: `\/` is `/`; a \u escape of a base64 character is that character. */
  private readEscape(): void {
    const e = this.escape;
    if (e[0] === 'u') {
      if (e.length < 5) return;
      if (!/^u[0-9a-fA-F]{4}$/.test(e)) throw this.malformed();
      const code = parseInt(e.slice(1), 16);
      if (!SKIPPED_CODES.has(code)) {
        if (code > 0x7f) throw this.notBase64();
        this.add(Buffer.from([code]));
      }
    } else if (e === '/') {
      this.add(Buffer.from('/'));
    } else if (!SKIPPED_ESCAPES.has(e)) {
      throw e === '"' || e === '\\' || e === 'b' || e === 'f' ? this.notBase64() : this.malformed();
    }
    this.state = IN_IMAGE;
  }

  private malformed(): UpstreamError {
    return new UpstreamError('upstream_fault', 'the upstream answered with malformed JSON', { status: this.opts.status });
  }

  private notBase64(): UpstreamError {
    return new UpstreamError('upstream_fault', 'the upstream sent an image that is not base64', { status: this.opts.status });
  }
}
