import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import type { InputImage, NormalizedImageRequest } from '../../src/catalog/types.ts';
import type { CallContext } from '../../src/providers/types.ts';

// The adapter's own job is to ask the catalogue for a size, not to know the size rules: a fixed answer
// keeps these tests about drawing (and lets them run before or without the real module).
const outputDimensions = vi.hoisted(() => vi.fn(() => ({ width: 640, height: 384 })));
vi.mock('../../src/catalog/dimensions.ts', () => ({ outputDimensions }));

const { demoProvider } = await import('../../src/providers/demo/adapter.ts');
const { DEMO_MAX_SIDE, renderDemoImage } = await import('../../src/providers/demo/render.ts');
const { glyphFor, linePath, toGlyphs } = await import('../../src/providers/demo/font.ts');
const { wrapText } = await import('../../src/providers/demo/wrap.ts');

function request(over: Partial<NormalizedImageRequest> = {}): NormalizedImageRequest {
  return {
    model: 'gpt-image-2',
    requestedModel: 'gpt-image-2',
    endpoint: '/v1/images/generations',
    operation: 'text-to-image',
    prompt: 'A watercolor fox sleeping under a maple tree',
    n: 1,
    responseFormat: 'b64_json',
    async: false,
    ...over,
  };
}

function context(signal: AbortSignal = new AbortController().signal): CallContext {
  const channel = {
    id: 'demo', provider: 'demo', baseUrl: '', apiKey: '', models: [], priority: 0, weight: 1,
    timeoutMs: 60_000, modelMap: {}, options: {}, onUncertainSubmit: 'resubmit' as const,
  };
  return { channel, upstreamModel: 'gpt-image-2', wire: {}, signal };
}

function inputImage(width: number, height: number): InputImage {
  return { bytes: Buffer.alloc(0), mime: 'image/png', width, height, source: 'image' };
}

async function generate(over: Partial<NormalizedImageRequest> = {}) {
  return demoProvider.generate!(request(over), context());
}

/** Share of pixels in a region that are (nearly) pure white: text is white, the background never is. */
async function whiteShare(png: Buffer, region: { left: number; top: number; width: number; height: number }) {
  const { data, info } = await sharp(png).extract(region).raw().toBuffer({ resolveWithObject: true });
  let white = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (data[i] >= 250 && data[i + 1] >= 250 && data[i + 2] >= 250) white++;
  }
  return white / (info.width * info.height);
}

describe('demo adapter', () => {
  it.each([
    [256, 256],
    [1024, 1024],
    [1536, 1024],
    [1024, 1536],
    [3840, 1280],
  ])('draws a PNG of exactly %ix%i', async (width, height) => {
    const { images } = await generate({ size: { width, height } });
    expect(images).toHaveLength(1);
    expect(images[0].mime).toBe('image/png');
    const meta = await sharp(images[0].bytes!).metadata();
    expect(meta).toMatchObject({ format: 'png', width, height });
  });

  it('draws the largest catalogue size, 5504x3072', async () => {
    const { images } = await generate({ size: { width: 5504, height: 3072 } });
    expect(await sharp(images[0].bytes!).metadata()).toMatchObject({ width: 5504, height: 3072 });
  });

  it('asks the catalogue for the size when the request has no exact one', async () => {
    outputDimensions.mockClear();
    const { images } = await generate({ size: 'auto', aspectRatio: '5:3' });
    expect(outputDimensions).toHaveBeenCalledOnce();
    expect(await sharp(images[0].bytes!).metadata()).toMatchObject({ width: 640, height: 384 });
  });

  it('returns n different images, each with the revised prompt', async () => {
    const { images } = await generate({ n: 3, size: { width: 256, height: 256 } });
    expect(images).toHaveLength(3);
    expect(new Set(images.map((i) => i.bytes!.toString('base64'))).size).toBe(3);
    for (const image of images) {
      expect(image.revisedPrompt).toBe('Demo rendering of: A watercolor fox sleeping under a maple tree');
    }
  });

  it('draws the same picture for the same prompt and index', async () => {
    const a = await generate({ size: { width: 256, height: 256 } });
    const b = await generate({ size: { width: 256, height: 256 } });
    expect(a.images[0].bytes!.equals(b.images[0].bytes!)).toBe(true);
  });

  it.each([
    ['jpeg', 'image/jpeg'],
    ['webp', 'image/webp'],
    ['png', 'image/png'],
  ] as const)('honours output format %s', async (outputFormat, mime) => {
    const { images } = await generate({ outputFormat, size: { width: 1024, height: 1024 } });
    expect(images[0].mime).toBe(mime);
    expect(await sharp(images[0].bytes!).metadata()).toMatchObject({ format: outputFormat, width: 1024, height: 1024 });
  });

  it('declares ten images per call', () => {
    expect(demoProvider.maxImagesPerCall).toBe(10);
  });

  it('edits and varies at the size of the first input image', async () => {
    const images = [inputImage(512, 768), inputImage(100, 100)];
    const edit = await demoProvider.edit!(request({ operation: 'image-edit', images }), context());
    expect(await sharp(edit.images[0].bytes!).metadata()).toMatchObject({ width: 512, height: 768 });
    const vary = await demoProvider.vary!(request({ operation: 'variation', prompt: '', images, n: 2 }), context());
    expect(vary.images).toHaveLength(2);
    expect(vary.images[0].revisedPrompt).toBe('Demo rendering of: the input image');
    expect(await sharp(vary.images[1].bytes!).metadata()).toMatchObject({ width: 512, height: 768 });
  });

  it('edits at an explicit size over the input size, and scales oversized inputs down', async () => {
    const sized = await demoProvider.edit!(
      request({ size: { width: 256, height: 384 }, images: [inputImage(512, 768)] }),
      context(),
    );
    expect(await sharp(sized.images[0].bytes!).metadata()).toMatchObject({ width: 256, height: 384 });
    const huge = await demoProvider.vary!(request({ images: [inputImage(DEMO_MAX_SIDE * 2, 512)] }), context());
    expect(await sharp(huge.images[0].bytes!).metadata()).toMatchObject({ width: DEMO_MAX_SIDE, height: 256 });
  });

  it('labels edits and variations differently from generations', async () => {
    const size = { width: 256, height: 256 };
    const gen = await generate({ size });
    const edit = await demoProvider.edit!(request({ size }), context());
    const vary = await demoProvider.vary!(request({ size }), context());
    const all = [gen, edit, vary].map((r) => r.images[0].bytes!.toString('base64'));
    expect(new Set(all).size).toBe(3);
  });

  it('keeps a task as plain data, only what it draws (no request, no input bytes), and completes it with that drawing', async () => {
    const base = context();
    const ctx = { ...base, channel: { ...base.channel, options: { task_ms: 0 } } };
    const ref = await demoProvider.submit!(request({ n: 2, size: { width: 256, height: 320 }, images: [inputImage(512, 768)] }), ctx, 'sub-1');
    const stored = JSON.parse(JSON.stringify(ref));
    expect(stored).toEqual(ref);
    expect(stored.state).toEqual({
      startedAt: expect.any(Number),
      durationMs: 0,
      drawing: { width: 256, height: 320, prompt: 'A watercolor fox sleeping under a maple tree', model: 'gpt-image-2', n: 2, format: 'png' },
    });
    const done = await demoProvider.poll!(stored, ctx);
    expect(done.status).toBe('completed');
    if (done.status !== 'completed') return;
    expect(done.result.images).toHaveLength(2);
    expect(await sharp(done.result.images[0].bytes!).metadata()).toMatchObject({ format: 'png', width: 256, height: 320 });
  });

  it('throws when the signal is already aborted, and stops between images', async () => {
    const aborted = new AbortController();
    aborted.abort(new Error('client went away'));
    await expect(demoProvider.generate!(request({ size: { width: 256, height: 256 } }), context(aborted.signal)))
      .rejects.toThrow('client went away');

    const midway = new AbortController();
    const ctx = context(midway.signal);
    const pending = demoProvider.generate!(request({ n: 10, size: { width: 1024, height: 1024 } }), ctx);
    setTimeout(() => midway.abort(new Error('deadline')), 5);
    await expect(pending).rejects.toThrow('deadline');
  });
});

describe('demo picture', () => {
  // Title geometry as render.ts lays it out: margin 6% of the short side, DEMO 7 font pixels tall.
  function titleBox(width: number, height: number) {
    const margin = Math.round(Math.min(width, height) * 0.06);
    const scale = Math.floor(Math.min(((width - 2 * margin) * 0.75) / 23, (height * 0.22) / 7));
    return { left: margin, top: margin, width: 23 * scale, height: 7 * scale };
  }

  it.each([
    [256, 256],
    [1024, 1024],
    [3840, 1280],
  ])('draws the DEMO title in white at %ix%i, and leaves the bottom margin to the background', async (w, h) => {
    const png = await renderDemoImage({ width: w, height: h, prompt: 'a cat', model: 'dall-e-3', index: 0 });
    const title = titleBox(w, h);
    // D, E, M, O light roughly half their cells; the shadow and edges take some of the rest.
    expect(await whiteShare(png, title)).toBeGreaterThan(0.3);
    const strip = { left: 0, top: h - title.top + 1, width: w, height: title.top - 1 };
    expect(await whiteShare(png, strip)).toBe(0);
  });

  it('draws the prompt as text below the title', async () => {
    const size = { width: 1024, height: 1024 };
    const title = titleBox(size.width, size.height);
    const below = { left: 0, top: title.top + title.height, width: 1024, height: 1024 - title.top - title.height };
    const withPrompt = await renderDemoImage({ ...size, prompt: 'lorem ipsum '.repeat(40), model: 'm', index: 0 });
    const shortPrompt = await renderDemoImage({ ...size, prompt: 'x', model: 'm', index: 0 });
    expect(await whiteShare(withPrompt, below)).toBeGreaterThan((await whiteShare(shortPrompt, below)) * 3);
  });

  it('survives long, multi-line and non-Latin prompts', async () => {
    const prompt = `${'a very long prompt with words '.repeat(300)}\n\tline two\n${'x'.repeat(5000)} 日本語 🦊 café`;
    for (const [width, height] of [[256, 256], [1024, 1024], [3840, 256]]) {
      const png = await renderDemoImage({ width, height, prompt, model: 'x'.repeat(200), index: 4, label: 'EDIT' });
      expect(await sharp(png).metadata()).toMatchObject({ width, height });
    }
  });

  it('rejects sides beyond its limit and draws at the limit', async () => {
    const base = { prompt: 'p', model: 'm', index: 0 };
    await expect(renderDemoImage({ ...base, width: DEMO_MAX_SIDE + 1, height: 16 })).rejects.toThrow(RangeError);
    await expect(renderDemoImage({ ...base, width: 0, height: 16 })).rejects.toThrow(RangeError);
    await expect(renderDemoImage({ ...base, width: 10.5, height: 16 })).rejects.toThrow(RangeError);
    const edge = await renderDemoImage({ ...base, width: DEMO_MAX_SIDE, height: 16 });
    expect(await sharp(edge).metadata()).toMatchObject({ width: DEMO_MAX_SIDE, height: 16 });
  });

  it('draws 1024x1024 PNG quickly', async () => {
    const opts = { width: 1024, height: 1024, prompt: 'A watercolor fox '.repeat(8), model: 'gpt-image-2', index: 0 };
    await renderDemoImage(opts);
    const start = performance.now();
    await renderDemoImage(opts);
    // Target is < 100 ms; the bound is loose so a busy CI machine does not fail it.
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('demo font and wrapping', () => {
  it('folds accents and typographic marks, and draws unknown characters as a box', () => {
    expect(toGlyphs('café “x” — ok')).toEqual(Array.from('cafe "x" - ok'));
    expect(glyphFor('日')).toBe('\uFFFD');
    expect(linePath(['\uFFFD'])).toBe(linePath([glyphFor('🦊')]));
    expect(linePath(['\uFFFD']).length).toBeGreaterThan(0);
    expect(linePath([' '])).toBe('');
  });

  it('wraps at spaces, splits long words and ends with … when out of room', () => {
    expect(wrapText('the quick brown fox', 10, 5).map((l) => l.join(''))).toEqual(['the quick', 'brown fox']);
    expect(wrapText('abcdefghijkl', 5, 5).map((l) => l.join(''))).toEqual(['abcde', 'fghij', 'kl']);
    const cut = wrapText('one two three four five six seven', 9, 2).map((l) => l.join(''));
    expect(cut).toEqual(['one two', 'three…']);
    expect(wrapText('anything', 0, 3)).toEqual([]);
    expect(wrapText('anything', 5, 0)).toEqual([]);
  });
});
