// Server-Sent Events as an upstream sends them (the WHATWG event-stream format): lines ended by LF,
// CR or CRLF; `event:` and `data:` fields (several data lines joined by LF); comment lines (`:`)
// skipped; a blank line dispatches the event. An event cut off by the end of the stream is dropped,
// as the format says. Shared by every adapter that reads an upstream's event stream.

import { UpstreamError } from './types.ts';

export interface SseMessage {
  /** The `event:` field, when the event had one. */
  event?: string;
  data: string;
}

/**
 * The events of `chunks`, each as soon as its blank line arrives. One event may hold at most
 * `maxEventChars` characters (a base64 image is large, but not endless): past it the stream is an
 * upstream fault.
 */
export async function* readSse(chunks: AsyncIterable<Uint8Array>, maxEventChars: number): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  const event: PendingEvent = { data: [], dataChars: 0 };
  let pending = '';
  for await (const chunk of chunks) {
    pending = yield* takeLines(pending + decoder.decode(chunk, { stream: true }), event, false);
    if (pending.length + event.dataChars > maxEventChars) throw new UpstreamError('upstream_fault', 'the upstream sent a stream event larger than Easel accepts');
  }
  yield* takeLines(pending + decoder.decode(), event, true);
}

/** The event being read: its name and data lines so far. */
interface PendingEvent {
  name?: string;
  data: string[];
  dataChars: number;
}

/**
 * Reads the complete lines of `text` into `event`, yielding each event its blank line completes, and
 * returns what is left (a line still arriving). At the end of the stream (`final`) a CR that ends
 * the text ends its line.
 */
function* takeLines(text: string, event: PendingEvent, final: boolean): Generator<SseMessage, string> {
  let start = 0;
  for (;;) {
    const end = lineBreak(text, start, final);
    if (end === -1) return text.slice(start);
    const line = text.slice(start, end);
    start = end + (text[end] === '\r' && text[end + 1] === '\n' ? 2 : 1);
    if (line === '') {
      if (event.data.length > 0) yield { event: event.name, data: event.data.join('\n') };
      event.name = undefined;
      event.data = [];
      event.dataChars = 0;
    } else if (!line.startsWith(':')) {
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
      if (field === 'event') event.name = value;
      else if (field === 'data') {
        event.data.push(value);
        event.dataChars += value.length;
      }
    }
  }
}

/**
 * Where the next line ends at or after `from`, or -1 when it has not arrived yet. A CR as the last
 * character waits for the next chunk, which may begin with its LF, unless the stream has ended.
 */
function lineBreak(text: string, from: number, final: boolean): number {
  const lf = text.indexOf('\n', from);
  const cr = text.indexOf('\r', from);
  if (cr === -1 || (lf !== -1 && lf < cr)) return lf;
  return cr === text.length - 1 && !final ? -1 : cr;
}
