// The upstream event-stream reader (src/providers/sse.ts): events split anywhere across chunks, the
// three line endings, comments, multi-line data, a stream cut off midway, and the size limit.

import { describe, expect, it } from 'vitest';
import { readSse, type SseMessage } from '../../src/providers/sse.ts';
import { UpstreamError } from '../../src/providers/types.ts';

async function* chunksOf(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function read(text: string, size = 1_000_000, max = 1_000_000): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const message of readSse(chunksOf(text, size), max)) out.push(message);
  return out;
}

const STREAM = 'event: image_generation.partial_image\ndata: {"a":"é"}\n\n: keep-alive\n\nevent: image_generation.completed\ndata: {"b":1}\n\n';
const EXPECTED = [
  { event: 'image_generation.partial_image', data: '{"a":"é"}' },
  { event: 'image_generation.completed', data: '{"b":1}' },
];

describe('readSse', () => {
  it('reads the same events whatever the chunk size, a multi-byte character split included', async () => {
    for (const size of [1, 2, 3, 7, 64, 1_000_000]) expect(await read(STREAM, size)).toEqual(EXPECTED);
  });

  it('takes CRLF and CR line endings, even with the CR and LF in different chunks', async () => {
    for (const ending of ['\r\n', '\r']) {
      const text = STREAM.replaceAll('\n', ending);
      for (const size of [1, 5, 1_000_000]) expect(await read(text, size)).toEqual(EXPECTED);
    }
  });

  it('joins data lines with LF, reads a field without a space after the colon, and skips comments and blank runs', async () => {
    expect(await read('data:one\ndata: two\n\n\n\n:c\ndata\n\n')).toEqual([{ event: undefined, data: 'one\ntwo' }, { event: undefined, data: '' }]);
  });

  it('drops an event the end of the stream cut off', async () => {
    expect(await read('event: a\ndata: 1\n\nevent: b\ndata: 2')).toEqual([{ event: 'a', data: '1' }]);
  });

  it('refuses an event larger than the limit, as an upstream fault', async () => {
    const err = await read(`data: ${'x'.repeat(5_000)}\n\n`, 512, 4_096).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('upstream_fault');
    expect(await read(`data: ${'x'.repeat(4_000)}\n\n`, 512, 4_096)).toHaveLength(1);
  });
});
