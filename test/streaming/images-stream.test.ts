// Streaming partial images (issue 13 §5): the official OpenAI SDK (openai@6) iterating
// `client.images.generate({stream: true, partial_images})` and `client.images.edit(...)` against Easel,
// relayed from the OpenAI and Azure OpenAI emulators' event streams: the events the SDK yields, what
// the upstream was asked, the charge (exactly the completed event's usage at gpt-image-2's rates,
// read back as the account balance through the admin API), and what a broken, failing or stalled
// upstream stream, or a client that leaves midway, does to the money and the task.

import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAzureEmulator, AZURE_TEST_KEY } from '../emulators/azure.ts';
import { fakeImage, partsToFields } from '../emulators/kit.ts';
import { OPENAI_TEST_KEY, createOpenaiEmulator } from '../emulators/openai.ts';
import { fetchBytes } from '../helpers/emulator-suite.ts';
import { tinyPng } from '../helpers/png.ts';
import { waitUntil } from '../helpers/poll.ts';
import { startTestServer, type TestServer, withTestServer } from '../helpers/server.ts';

const openai = createOpenaiEmulator();
const azure = createAzureEmulator();
let server: TestServer;

const openaiChannel = (over: Record<string, unknown> = {}) => ({ id: 'openai-main', provider: 'openai', base_url: `${openai.url}/v1`, api_key: OPENAI_TEST_KEY, models: ['gpt-image-2', 'dall-e-3'], ...over });
const azureChannel = () => ({ id: 'azure-main', provider: 'azure', base_url: azure.url, api_key: AZURE_TEST_KEY, models: ['gpt-image-2'], options: { api_version: '2025-04-01-preview' } });

beforeAll(async () => {
  await Promise.all([openai.start(), azure.start()]);
  server = await startTestServer({ config: { channels: [openaiChannel()] } });
});
afterAll(async () => {
  try {
    await server?.close();
  } finally {
    await Promise.all([openai.close(), azure.close()]);
  }
});
beforeEach(() => {
  openai.reset();
  azure.reset();
});

/** A fresh account with $10 and an SDK client on its key, without retries (each test sees Easel's first answer). */
async function customer(on: TestServer = server) {
  const account = await on.newAccount('10');
  return { account, client: new OpenAI({ apiKey: account.key, baseURL: `${on.url}/v1`, maxRetries: 0 }) };
}

const micros = (usd: string) => Math.round(Number(usd) * 1e6);

/** gpt-image-2's catalogue rates applied to a usage report, in micro-dollars: $5 text in, $8 image in, $30 image out per million tokens. */
function priceOf(usage: OpenAI.ImagesResponse.Usage): number {
  return usage.input_tokens_details.text_tokens * 5 + usage.input_tokens_details.image_tokens * 8 + usage.output_tokens * 30;
}

/** Every event the SDK yields, and the error that ended the iteration if one did. */
async function drain<T>(stream: AsyncIterable<T>): Promise<{ events: T[]; error?: unknown }> {
  const events: T[] = [];
  try {
    for await (const event of stream) events.push(event);
  } catch (error) {
    return { events, error };
  }
  return { events };
}

async function taskOf(on: TestServer, key: string, taskId: string | null) {
  expect(taskId).toMatch(/^ldtask_/);
  return (await on.call(`/v1/tasks/${taskId}`, { key })).json();
}

const decode = (b64: string) => Buffer.from(b64, 'base64');

describe('stream: true through an OpenAI channel', () => {
  it('generate: the SDK yields 2 partial images, then the completed image with its usage; the account pays exactly that usage', async () => {
    const { account, client } = await customer();
    const { data: stream, response } = await client.images
      .generate({ model: 'gpt-image-2', prompt: 'a lighthouse at dawn', stream: true, partial_images: 2, size: '1024x1536' })
      .withResponse();
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const { events, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed']);

    const [first, second, completed] = events as [OpenAI.ImageGenPartialImageEvent, OpenAI.ImageGenPartialImageEvent, OpenAI.ImageGenCompletedEvent & { url?: string; billing_transaction_id?: string }];
    expect([first.partial_image_index, second.partial_image_index]).toEqual([0, 1]);
    expect(await sharp(decode(first.b64_json)).metadata()).toMatchObject({ format: 'png', width: 1024, height: 1536 });
    expect(first).toMatchObject({ size: '1024x1536', output_format: 'png', quality: 'medium', background: 'opaque' });

    const expected = await fakeImage(1024, 1536, 'png');
    expect(decode(completed.b64_json).equals(expected)).toBe(true);
    // URLs are Easel's default: the final image is stored and its URL rides along with the base64.
    expect(completed.url?.startsWith(`${server.publicUrl}/media/`)).toBe(true);
    expect((await fetchBytes(completed.url!)).equals(expected)).toBe(true);
    expect(completed.usage.output_tokens).toBeGreaterThan(0);
    expect(completed.billing_transaction_id).toMatch(/\S/);

    const seen = openai.lastRequest();
    expect(seen.path).toBe('/v1/images/generations');
    expect(seen.json).toMatchObject({ model: 'gpt-image-2', prompt: 'a lighthouse at dawn', n: 1, size: '1024x1536', stream: true, partial_images: 2 });

    expect(micros('10') - micros(await server.balance(account.id))).toBe(priceOf(completed.usage));
    const task = await taskOf(server, account.key, response.headers.get('x-task-id'));
    expect(task.status).toBe('completed');
    await server.assertLedger();
  });

  it('partial_images 0 and response_format b64_json: one completed event, base64 only', async () => {
    const { client } = await customer();
    const stream = await client.images.generate({ model: 'gpt-image-2', prompt: 'one frame', stream: true, partial_images: 0, response_format: 'b64_json' });
    const { events } = await drain(stream);
    expect(events.map((e) => e.type)).toEqual(['image_generation.completed']);
    const completed = events[0] as OpenAI.ImageGenCompletedEvent & { url?: string };
    expect(completed.url).toBeUndefined();
    expect(decode(completed.b64_json).equals(await fakeImage(1024, 1024, 'png'))).toBe(true);
    expect(openai.lastRequest().json).toMatchObject({ stream: true, partial_images: 0 });
  });

  it('edit: image_edit.partial_image events, then image_edit.completed; the upload goes upstream with stream and partial_images', async () => {
    const { account, client } = await customer();
    const image = await toFile(await tinyPng(64, 64), 'source.png', { type: 'image/png' });
    const stream = await client.images.edit({ model: 'gpt-image-2', image, prompt: 'paint it blue', stream: true, partial_images: 1 });
    const { events, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['image_edit.partial_image', 'image_edit.completed']);
    const completed = events[1] as OpenAI.ImageEditCompletedEvent;
    expect(completed.usage.input_tokens_details.image_tokens).toBeGreaterThan(0);

    const seen = openai.lastRequest();
    expect(seen.path).toBe('/v1/images/edits');
    const { fields, files } = partsToFields(seen.parts);
    expect(fields).toMatchObject({ model: 'gpt-image-2', stream: 'true', partial_images: '1' });
    expect(files.map((f) => f.name)).toEqual(['image']);
    expect(micros('10') - micros(await server.balance(account.id))).toBe(priceOf(completed.usage));
  });
});

describe('stream: true through an Azure OpenAI channel', () => {
  it('the deployment streams the same events; the SDK reads them unchanged and the charge is the usage', async () => {
    await withTestServer({ config: { channels: [azureChannel()] } }, async (s) => {
      const { account, client } = await customer(s);
      const stream = await client.images.generate({ model: 'gpt-image-2', prompt: 'a harbour', stream: true, partial_images: 2 });
      const { events, error } = await drain(stream);
      expect(error).toBeUndefined();
      expect(events.map((e) => e.type)).toEqual(['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed']);
      const completed = events[2] as OpenAI.ImageGenCompletedEvent;
      expect(decode(completed.b64_json).equals(await fakeImage(1024, 1024, 'png'))).toBe(true);

      const seen = azure.lastRequest();
      expect(seen.path).toBe('/openai/deployments/gpt-image-2/images/generations');
      expect(seen.headers['api-key']).toBe(AZURE_TEST_KEY);
      expect(seen.json).toMatchObject({ prompt: 'a harbour', stream: true, partial_images: 2 });
      expect(seen.json).not.toHaveProperty('model');
      expect(micros('10') - micros(await s.balance(account.id))).toBe(priceOf(completed.usage));
    });
  });
});

describe('a stream that fails: nothing charged, the task failed', () => {
  it('the upstream cuts the connection after the first partial image: the SDK raises the error event, the money is released', async () => {
    await withTestServer({ config: { channels: [openaiChannel()] } }, async (s) => {
      const { account, client } = await customer(s);
      openai.inject({ kind: 'behaviour', name: 'stream_break', detail: { after: 1 } });
      const { data: stream, response } = await client.images.generate({ model: 'gpt-image-2', prompt: 'cut', stream: true, partial_images: 3 }).withResponse();
      const { events, error } = await drain(stream);
      expect(events.map((e) => e.type)).toEqual(['image_generation.partial_image']);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'upstream_error', type: 'upstream_error' });
      // No failover once the client has images from one channel: the upstream was asked once.
      expect(openai.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      expect(micros(await s.balance(account.id))).toBe(micros('10'));
      const task = await taskOf(s, account.key, response.headers.get('x-task-id'));
      expect(task.status).toBe('failed');
      expect(task.error.code).toBe('upstream_error');
    });
  });

  it('an error event from the upstream midway reaches the SDK as an APIError; released', async () => {
    await withTestServer({ config: { channels: [openaiChannel()] } }, async (s) => {
      const { account, client } = await customer(s);
      openai.inject({ kind: 'behaviour', name: 'stream_error', detail: { after: 2 } });
      const { events, error } = await drain(await client.images.generate({ model: 'gpt-image-2', prompt: 'error', stream: true, partial_images: 3 }));
      expect(events).toHaveLength(2);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(micros(await s.balance(account.id))).toBe(micros('10'));
    });
  });

  it('a break before the first event fails over to the next channel, and the client never sees it', async () => {
    const channels = [openaiChannel({ id: 'openai-a', priority: 2 }), openaiChannel({ id: 'openai-b', priority: 1 })];
    await withTestServer({ config: { channels } }, async (s) => {
      const { account, client } = await customer(s);
      openai.inject({ kind: 'behaviour', name: 'stream_break', detail: { after: 0 } });
      const { events, error } = await drain(await client.images.generate({ model: 'gpt-image-2', prompt: 'again', stream: true, partial_images: 1 }));
      expect(error).toBeUndefined();
      expect(events.map((e) => e.type)).toEqual(['image_generation.partial_image', 'image_generation.completed']);
      expect(openai.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
      const completed = events[1] as OpenAI.ImageGenCompletedEvent;
      expect(micros('10') - micros(await s.balance(account.id))).toBe(priceOf(completed.usage));
    });
  });

  it('every channel breaking before the first event: an ordinary JSON error, released', async () => {
    await withTestServer({ config: { channels: [openaiChannel()] } }, async (s) => {
      const { account, client } = await customer(s);
      openai.inject({ kind: 'behaviour', name: 'stream_break', detail: { after: 0 } });
      const err = await client.images.generate({ model: 'gpt-image-2', prompt: 'nothing', stream: true }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect(micros(await s.balance(account.id))).toBe(micros('10'));
    });
  });

  it('an upstream that stalls midway runs into the channel timeout: an error event, released', async () => {
    await withTestServer({ config: { channels: [openaiChannel({ timeout_ms: 1_500 })] } }, async (s) => {
      const { account, client } = await customer(s);
      openai.inject({ kind: 'behaviour', name: 'stream_stall', detail: { after: 1 } });
      const { events, error } = await drain(await client.images.generate({ model: 'gpt-image-2', prompt: 'stall', stream: true, partial_images: 2 }));
      expect(events).toHaveLength(1);
      expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'timeout_error' });
      expect(micros(await s.balance(account.id))).toBe(micros('10'));
    });
  });

  it('the client leaves after the first partial image: the upstream call is cut, the task fails, nothing is charged', async () => {
    await withTestServer({ config: { channels: [openaiChannel()] } }, async (s) => {
      const { account, client } = await customer(s);
      openai.inject({ kind: 'behaviour', name: 'stream_stall', detail: { after: 1 } });
      const { data: stream, response } = await client.images.generate({ model: 'gpt-image-2', prompt: 'leave', stream: true, partial_images: 2 }).withResponse();
      const taskId = response.headers.get('x-task-id');
      for await (const event of stream) {
        expect(event.type).toBe('image_generation.partial_image');
        // Leaving the loop aborts the SDK's request: the connection to Easel closes.
        break;
      }
      await waitUntil(async () => (await taskOf(s, account.key, taskId)).status === 'failed', 10_000, 'the task to fail');
      const task = await taskOf(s, account.key, taskId);
      expect(task.error.code).toBe('client_closed_request');
      expect(micros(await s.balance(account.id))).toBe(micros('10'));
      await waitUntil(() => openai.lastRequest().closedUnansweredAt !== undefined, 10_000, 'Easel to hang up on the upstream');
    });
  });
});

describe('stream: true refused before anything is held', () => {
  const refusal = async (call: Promise<unknown>) => {
    const err = await call.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    return { status: e.status, error: e.error as Record<string, unknown> };
  };

  it('on a model that cannot stream: 400 on param stream, naming gpt-image-2', async () => {
    const { account, client } = await customer();
    const { status, error } = await refusal(client.images.generate({ model: 'dall-e-3', prompt: 'no', stream: true }));
    expect(status).toBe(400);
    expect(error.param).toBe('stream');
    expect(error.message).toContain('gpt-image-2');
    expect(openai.requests).toHaveLength(0);
    expect(micros(await server.balance(account.id))).toBe(micros('10'));
  });

  it('partial_images 4, n 2, or an Idempotency-Key with stream: 400 naming the field', async () => {
    const { client } = await customer();
    const tooMany = await refusal(client.images.generate({ model: 'gpt-image-2', prompt: 'p', stream: true, partial_images: 4 }));
    expect([tooMany.status, tooMany.error.param]).toEqual([400, 'partial_images']);
    const two = await refusal(client.images.generate({ model: 'gpt-image-2', prompt: 'p', stream: true, n: 2 }));
    expect([two.status, two.error.param]).toEqual([400, 'n']);
    const keyed = await refusal(client.images.generate({ model: 'gpt-image-2', prompt: 'p', stream: true }, { headers: { 'idempotency-key': 'stream-1' } }));
    expect([keyed.status, keyed.error.param]).toEqual([400, 'stream']);
    expect(openai.requests).toHaveLength(0);
  });

  it('where no channel of the model can stream (the offline demo provider): 400 saying so, released', async () => {
    await withTestServer({}, async (s) => {
      const { account, client } = await customer(s);
      const { status, error } = await refusal(client.images.generate({ model: 'gpt-image-2', prompt: 'demo', stream: true }));
      expect(status).toBe(400);
      expect(error.param).toBe('stream');
      expect(error.message).toContain('can stream');
      expect(micros(await s.balance(account.id))).toBe(micros('10'));
    });
  });
});
