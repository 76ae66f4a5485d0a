// The emulator kit's own promises the provider suites rely on: a fault queued for one request is
// taken by that request, never by a late one left over from an earlier test.

import { expect, it } from 'vitest';
import { MJ_TEST_SECRET, createMidjourneyEmulator } from '../emulators/midjourney.ts';

const submit = (url: string, prompt: string, signal?: AbortSignal) =>
  fetch(`${url}/mj/submit/imagine`, { method: 'POST', headers: { 'content-type': 'application/json', 'mj-api-secret': MJ_TEST_SECRET }, body: JSON.stringify({ prompt }), signal });

it('a delayed request whose client gave up does not take the behaviour queued after it', async () => {
  const emulator = createMidjourneyEmulator();
  await emulator.start();
  try {
    emulator.inject({ kind: 'delay', ms: 400 });
    await expect(submit(emulator.url, 'given up', AbortSignal.timeout(100))).rejects.toThrow();
    emulator.inject({ kind: 'behaviour', name: 'fail' });
    await new Promise((r) => setTimeout(r, 500)); // the delayed request is past its delay by now
    const body = await (await submit(emulator.url, 'next')).json();
    expect(emulator.tasks.get(body.result)?.behaviour).toBe('fail');
    expect([...emulator.tasks.values()].map((t) => t.prompt)).toEqual(['next']);
  } finally {
    await emulator.close();
  }
});
