// The floor a gateway is measured against (issue 15): Fastify 5 + an undici Pool, nothing else. POST
// /v1/images/generations is parsed as JSON (as any gateway must, to route), forwarded to the upstream
// with the caller's Authorization, and the upstream's status and body are streamed back. No auth, no
// billing, no storage, no logging.
//
//   node --import tsx bench/peers/bare-passthrough.ts --upstream http://127.0.0.1:PORT [--port 0]
//
// Prints "bare pass-through listening on http://127.0.0.1:PORT" once ready.

import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' }, connections: { type: 'string', default: '128' } } });
if (!values.upstream) throw new Error('--upstream http://host:port is required');

const pool = new Pool(values.upstream, { connections: Number(values.connections), keepAliveTimeout: 30_000 });
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

app.post('/v1/images/generations', async (request, reply) => {
  const upstream = await pool.request({
    path: '/v1/images/generations',
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: request.headers.authorization ?? '' },
    body: JSON.stringify(request.body),
  });
  return reply.status(upstream.statusCode).header('content-type', upstream.headers['content-type'] ?? 'application/json').send(upstream.body);
});
app.get('/healthz', async () => ({ ok: true }));

const url = await app.listen({ port: Number(values.port), host: '127.0.0.1' });
process.stdout.write(`bare pass-through listening on ${url}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
