// One successful request per catalogue model, through HTTP, on the demo provider.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModels } from '../../src/catalog/catalog.ts';
import { modelDetailBody } from '../../src/catalog/discovery.ts';
import { pollTask } from '../helpers/poll.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    config: {
      bootstrap: { starter_credit_usd: '100' },
      tasks: { worker_interval_ms: 50 },
      channels: [{ id: 'demo', provider: 'demo', models: listModels().map((m) => m.id), options: { task_ms: 200 } }],
    },
  });
});
afterAll(() => server.close());

describe.each(listModels().map((m) => m.id))('%s', (id) => {
  it('answers a text-to-image request with a PNG (inline or through its task)', async () => {
    const detail = modelDetailBody(id) as { tokenlab: { request_format_details: { public_operations: string[] } } };
    const operations = detail.tokenlab.request_format_details.public_operations;
    if (!operations.includes('text-to-image')) {
      // Image-to-image-only models (nano-banana-edit) are covered in test/http/image-inputs.test.ts.
      expect(operations).toContain('image-to-image');
      return;
    }
    const res = await server.call('/v1/images/generations', { method: 'POST', json: { model: id, prompt: `hello ${id}` } });
    expect(res.status).toBe(200);
    let body = await res.json();
    if (body.status === 'pending') body = (await pollTask(server, body.poll_url)).body;
    expect(body.data).toHaveLength(1);
    const image = await fetch(body.data[0].url);
    expect(image.headers.get('content-type')).toMatch(/^image\//);
    await image.arrayBuffer();
  });
});
