// An image as base64 text, kept as the Buffer pieces it arrived in (slices of an upstream's body)
// rather than as one JS string: a 4K PNG is ≈17 MB of base64, and every string or decoded copy of it
// is held once more per answer in flight. Handed to a b64_json answer as it is, decoded in pieces
// into the blob store, decoded whole only where something needs the bytes.

/** What each byte is in standard base64: a digit, padding, or not base64 at all. */
const DIGIT = 1;
const PAD = 2;
const URL_SAFE = 3;
const KIND = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') KIND[c.charCodeAt(0)] = DIGIT;
KIND[0x3d] = PAD; // =
KIND[0x2d] = URL_SAFE; // - (url-safe +)
KIND[0x5f] = URL_SAFE; // _ (url-safe /)

/** Base64 text is decoded this many characters at a time (a multiple of 4): 1 MiB of text, 768 KiB of bytes. */
const DECODE_CHARS = 1024 * 1024;

export class Base64Text {
  /** The text in pieces, standard alphabet, padded or not; never whitespace. */
  readonly segments: readonly Buffer[];
  /** Characters in all. */
  readonly length: number;

  private constructor(segments: readonly Buffer[], length: number) {
    this.segments = segments;
    this.length = length;
  }

  /** The text of a string (from a JSON.parse'd body); undefined when it is not base64. */
  static fromString(text: string): Base64Text | undefined {
    const builder = new Base64Builder();
    return builder.push(Buffer.from(text, 'latin1')) && builder.finish() ? builder.text() : undefined;
  }

  /** The text of bytes (an image read whole). */
  static encode(bytes: Buffer): Base64Text {
    const text = Buffer.from(bytes.toString('base64'), 'latin1');
    return new Base64Text([text], text.length);
  }

  /** Made by Base64Builder only, from checked pieces. */
  static checked(segments: readonly Buffer[], length: number): Base64Text {
    return new Base64Text(segments, length);
  }

  /** Bytes the text decodes to. */
  get decodedLength(): number {
    let pad = 0;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const seg = this.segments[i];
      let j = seg.length - 1;
      while (j >= 0 && pad < 2 && seg[j] === 0x3d) {
        pad++;
        j--;
      }
      if (j >= 0 || pad === 2) break;
    }
    const chars = this.length - pad;
    return Math.floor(chars / 4) * 3 + (chars % 4 === 0 ? 0 : (chars % 4) - 1);
  }

  /**
   * The bytes in pieces of ≈768 KiB: each piece's text ends on a 4-character group, so a group split
   * across two segments is decoded whole.
   */
  *decodedPieces(): Generator<Buffer> {
    let carry = '';
    let parts: string[] = [];
    let size = 0;
    for (const seg of this.segments) {
      parts.push(seg.toString('latin1'));
      size += seg.length;
      if (size + carry.length < DECODE_CHARS) continue;
      const text = carry + parts.join('');
      const whole = text.length - (text.length % 4);
      carry = text.slice(whole);
      parts = [];
      size = 0;
      yield Buffer.from(text.slice(0, whole), 'base64');
    }
    const rest = carry + parts.join('');
    if (rest.length > 0) yield Buffer.from(rest, 'base64');
  }

  /** The same pieces, for a blob store's putStream. */
  async *decodedStream(): AsyncGenerator<Buffer> {
    yield* this.decodedPieces();
  }

  /** All the bytes, in one Buffer (one copy: the pieces are decoded into it). */
  decode(): Buffer {
    const out = Buffer.allocUnsafe(this.decodedLength);
    let offset = 0;
    for (const piece of this.decodedPieces()) offset += piece.copy(out, offset);
    return offset === out.length ? out : out.subarray(0, offset);
  }

  /** The first `bytes` bytes (or all, when fewer): enough to sniff an image's type without decoding it. */
  head(bytes: number): Buffer {
    const chars = Math.ceil(bytes / 3) * 4;
    const parts: Buffer[] = [];
    let size = 0;
    for (const seg of this.segments) {
      if (size >= chars) break;
      parts.push(seg.subarray(0, chars - size));
      size += Math.min(seg.length, chars - size);
    }
    return Buffer.from(Buffer.concat(parts).toString('latin1'), 'base64').subarray(0, bytes);
  }

  /** The text as one string: the fallback for a JSON.stringify that meets it (json-pieces.ts avoids it). */
  toString(): string {
    return this.segments.map((seg) => seg.toString('latin1')).join('');
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Pieces copied rather than sliced (text after an escape) are gathered in blocks of this size. */
const COPY_BLOCK_BYTES = 64 * 1024;

/** A decoded image this much smaller than the room it was decoded into is copied out, so the rest is freed. */
const DECODED_SLACK_BYTES = 1024 * 1024;

/**
 * Collects base64 text piece by piece and checks it as it comes: only the base64 alphabet, padding
 * only at the end and at most two, and a length a decoder accepts. The url-safe `-` and `_` are
 * rewritten in place to `+` and `/`, so what is handed on is standard base64 (the pieces must be the
 * builder's to change: slices of a body nobody else reads).
 *
 * Made with `decodeInto` (the most bytes the text may decode to, 0 when unknown), it keeps no text:
 * each piece is decoded as it comes, a 4-character group split between pieces carried to the next,
 * and the result is the bytes (`bytes()`), three quarters the size of the text.
 */
export class Base64Builder {
  private readonly decoded: { out: Buffer; used: number; carry: string } | undefined;
  private readonly segments: Buffer[] = [];
  private length = 0;
  private padding = 0;
  private bad = false;
  private block: Buffer | undefined;
  private blockUsed = 0;

  constructor(opts: { decodeInto?: number } = {}) {
    if (opts.decodeInto !== undefined) this.decoded = { out: Buffer.allocUnsafe(Math.max(opts.decodeInto, 3)), used: 0, carry: '' };
  }

  /** Adds a piece as it is (a slice, kept): false once the text is not base64. */
  push(seg: Buffer): boolean {
    if (!this.check(seg)) return false;
    if (this.decoded) return this.decode(seg);
    this.flushBlock();
    if (seg.length > 0) this.segments.push(seg);
    this.length += seg.length;
    return true;
  }

  /** Adds a piece by copying it: for the short runs between escapes, which as slices would cost more than they hold. */
  copy(seg: Buffer): boolean {
    if (!this.check(seg)) return false;
    if (this.decoded) return this.decode(seg);
    for (let from = 0; from < seg.length; ) {
      if (!this.block || this.blockUsed === this.block.length) {
        this.flushBlock();
        this.block = Buffer.allocUnsafe(COPY_BLOCK_BYTES);
      }
      const n = seg.copy(this.block, this.blockUsed, from, Math.min(seg.length, from + this.block.length - this.blockUsed));
      this.blockUsed += n;
      from += n;
    }
    this.length += seg.length;
    return true;
  }

  /** True when what was added is a whole base64 text (padded to a group of 4 if padded at all). */
  finish(): boolean {
    this.flushBlock();
    if (this.bad) return false;
    const rest = this.length % 4;
    const whole = this.padding === 0 ? rest !== 1 : rest === 0;
    if (whole && this.decoded?.carry) this.write(this.decoded.carry);
    return whole;
  }

  text(): Base64Text {
    return Base64Text.checked(this.segments, this.length);
  }

  /** The decoded bytes (made with `decodeInto`, after finish). */
  bytes(): Buffer {
    const { out, used } = this.decoded!;
    return out.length - used > DECODED_SLACK_BYTES ? Buffer.from(out.subarray(0, used)) : out.subarray(0, used);
  }

  private decode(seg: Buffer): boolean {
    const state = this.decoded!;
    const text = state.carry + seg.toString('latin1');
    const whole = text.length - (text.length % 4);
    state.carry = text.slice(whole);
    if (whole > 0) this.write(whole === text.length ? text : text.slice(0, whole));
    this.length += seg.length;
    return true;
  }

  /** Decodes whole groups (or the last, short one) into the output, which grows when the size was not known. */
  private write(text: string): void {
    const state = this.decoded!;
    const need = state.used + Math.ceil(text.length / 4) * 3;
    if (need > state.out.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, state.out.length * 2));
      state.out.copy(grown, 0, 0, state.used);
      state.out = grown;
    }
    state.used += state.out.write(text, state.used, 'base64');
  }

  private check(seg: Buffer): boolean {
    if (this.bad) return false;
    for (let i = 0; i < seg.length; i++) {
      const kind = KIND[seg[i]];
      if (kind === DIGIT && this.padding === 0) continue;
      if (kind === PAD && this.padding < 2) {
        this.padding++;
        continue;
      }
      if (kind === URL_SAFE && this.padding === 0) {
        seg[i] = seg[i] === 0x2d ? 0x2b : 0x2f;
        continue;
      }
      this.bad = true;
      return false;
    }
    return true;
  }

  private flushBlock(): void {
    if (this.block && this.blockUsed > 0) this.segments.push(this.block.subarray(0, this.blockUsed));
    this.block = undefined;
    this.blockUsed = 0;
  }
}
