// Every status the server answers is one /openapi.json declares for that route: junk is sent to every
// operation the document lists (odd path parameters, over-long and malformed paths, junk bodies, wrong
// content types, every kind of credential), and each answer's status is looked up in the document.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

const PATH_VALUES = ['x', 'ldtask_00000000000000000000000000000000', 'acct_nope', 'gpt-image-2', 'file-abc', '%zz', '..%2f..%2fetc', 'a'.repeat(300), '%00'];
const BODIES: Array<{ type?: string; body?: string }> = [
  {},
  { type: 'application/json', body: '{}' },
  { type: 'application/json', body: '{"name":5,"credit_usd":"-1","amount_usd":"x","spend_limit_usd":[]}' },
  { type: 'application/json', body: '{"model":"gpt-image-2","prompt":"x"}' },
  { type: 'application/json', body: '{not json' },
  { type: 'application/json', body: '[]' },
  { type: 'text/plain', body: 'hello' },
  { type: 'multipart/form-data; boundary=zz', body: '--zz\r\nContent-Disposition: form-data; name="model"\r\n\r\ndall-e-2\r\n--zz--\r\n' },
];

it('answers only statuses the document declares for the route', async () => {
  const doc = (await (await server.call('/openapi.json')).json()) as Doc;
  const credentials = [null, 'sk-wrong', server.apiKey, server.adminToken];
  const undeclared = new Set<string>();
  let sent = 0;
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const paths = template.includes('{') ? PATH_VALUES.map((v) => template.replace(/\{[^}]+\}/g, v)) : [template, `${template}?limit=-1&after=%zz`];
      for (const path of paths) {
        for (const key of credentials) {
          for (const { type, body } of method === 'get' || method === 'delete' ? [{}] : BODIES) {
            const headers: Record<string, string> = type ? { 'content-type': type } : {};
            const res = await server.call(path, { method: method.toUpperCase(), key, headers, body, ...({ redirect: 'manual' } as RequestInit) });
            await res.arrayBuffer();
            sent++;
            if (!(String(res.status) in op.responses) && !('default' in op.responses)) undeclared.add(`${method.toUpperCase()} ${template} → ${res.status} (e.g. ${path.slice(0, 60)}, ${type ?? 'no body'})`);
          }
        }
      }
    }
  }
  expect(sent).toBeGreaterThan(1_000);
  expect([...undeclared].sort()).toEqual([]);
}, 180_000);
