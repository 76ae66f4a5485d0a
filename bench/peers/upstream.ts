// A purpose-built OpenAI Images upstream for the peer benchmarks, in its own process: plain node:http,
// no validation, so it costs next to nothing and is never the bottleneck. POST /v1/images/generations
// answers the OpenAI ImagesResponse shape — `b64_json` of one fixed PNG (gpt-image-2's shape, with
// usage), or a `url` to that PNG at GET /image.png when the request asked `response_format: url`.
//
//   node --import tsx bench/peers/upstream.ts [--port 0] [--image file.png] [--delay-ms 0]
//
// Without --image the PNG is 1×1. --delay-ms holds every generation answer that long (a slow model).
// Prints "upstream listening on http://127.0.0.1:PORT" once ready.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, image: { type: 'string' }, 'delay-ms': { type: 'string', default: '0' } } });

/** A 1×1 RGBA PNG (67 bytes). */
const ONE_PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const png = values.image ? readFileSync(values.image) : ONE_PIXEL_PNG;
const delayMs = Number(values['delay-ms']);
let origin = '';

// The answers are built once: the big-image bench sends a 16 MB body 50 times at once.
const usage = { input_tokens: 10, input_tokens_details: { text_tokens: 10, image_tokens: 0 }, output_tokens: 272, total_tokens: 282 };
const b64Answer = Buffer.from(JSON.stringify({ created: 1, data: [{ b64_json: png.toString('base64') }], background: 'opaque', output_format: 'png', size: '1024x1024', quality: 'low', usage }));
const urlAnswer = () => Buffer.from(JSON.stringify({ created: 1, data: [{ url: `${origin}/image.png`, revised_prompt: 'a lighthouse at dawn' }] }));

function send(res: http.ServerResponse, status: number, type: string, body: Buffer): void {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/image.png') return send(res, 200, 'image/png', png);
  if (req.method !== 'POST' || !req.url?.startsWith('/v1/images/generations')) return send(res, 404, 'application/json', Buffer.from('{"error":{"message":"not found"}}'));
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let wantsUrl = false;
    try {
      wantsUrl = JSON.parse(Buffer.concat(chunks).toString('utf8')).response_format === 'url';
    } catch {
      return send(res, 400, 'application/json', Buffer.from('{"error":{"message":"bad json"}}'));
    }
    const answer = () => send(res, 200, 'application/json', wantsUrl ? urlAnswer() : b64Answer);
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
// Thousands of clients wait on it at once: no per-server cap, no idle cut-off shorter than the wait.
server.maxConnections = Infinity;
server.keepAliveTimeout = 60_000;
server.headersTimeout = 120_000;
server.requestTimeout = 0;
server.listen(Number(values.port), '127.0.0.1', () => {
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  process.stdout.write(`upstream listening on ${origin}\n`);
});
process.once('SIGTERM', () => process.exit(0));
