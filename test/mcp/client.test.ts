// The MCP tools' client fetches thumbnails only from Easel's own URLs, through the address it calls;
// an image anywhere else keeps its URL and is never downloaded.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EaselClient } from '../../src/mcp/client.ts';
import { thumbnailsOf } from '../../src/mcp/thumbnails.ts';
import { tinyPng } from '../helpers/png.ts';

/** A host that serves a PNG at every path and counts what it was asked. */
async function imageHost(): Promise<{ url: string; paths: string[]; server: Server }> {
  const png = await tinyPng(300, 200);
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    if (req.url?.endsWith('.txt')) return res.writeHead(200, { 'content-type': 'text/plain' }).end('not an image');
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server };
}

let easel: Awaited<ReturnType<typeof imageHost>>;
let elsewhere: Awaited<ReturnType<typeof imageHost>>;
beforeAll(async () => {
  [easel, elsewhere] = await Promise.all([imageHost(), imageHost()]);
});
afterAll(() => {
  easel.server.close();
  elsewhere.server.close();
});

describe('thumbnails', () => {
  it('fetches an image under Easel\'s public base through the address the client calls', async () => {
    const client = new EaselClient({ baseUrl: `${easel.url}/`, apiKey: 'sk-x', ownBases: ['https://easel.example.com/base/'] });
    const made = await thumbnailsOf({ data: [{ url: 'https://easel.example.com/base/media/a.png' }, { url: `${easel.url}/media/b.png` }] }, client);
    expect(made.map((m) => m.mimeType)).toEqual(['image/webp', 'image/webp']);
    expect(easel.paths.splice(0)).toEqual(['/media/a.png', '/media/b.png']);
  });

  it('never downloads an image from another host, nor a look-alike of the base', async () => {
    const client = new EaselClient({ baseUrl: easel.url, apiKey: 'sk-x' });
    const made = await thumbnailsOf({ data: [{ url: `${elsewhere.url}/media/c.png` }, { url: `${easel.url}.evil.example/media/d.png` }, { b64_json: 'AAAA' }] }, client);
    expect(made).toEqual([]);
    expect(elsewhere.paths).toEqual([]);
    expect(easel.paths).toEqual([]);
  });

  it('leaves out what is not an image', async () => {
    const client = new EaselClient({ baseUrl: easel.url, apiKey: 'sk-x' });
    expect(await thumbnailsOf({ data: [{ url: `${easel.url}/media/e.txt` }] }, client)).toEqual([]);
    expect(easel.paths.splice(0)).toEqual(['/media/e.txt']);
  });
});
