// The demo provider's pictures: a gradient poster saying DEMO, the model and the prompt, drawn as SVG
// with the built-in bitmap font and rasterised by sharp, so it needs neither network nor system fonts.

import sharp from 'sharp';
import { GLYPH_HEIGHT, LINE_HEIGHT, GLYPH_ADVANCE, lineWidth, linePath, toGlyphs } from './font.ts';
import { paletteFor } from './palette.ts';
import { fitLine, wrapText } from './wrap.ts';

/** Largest side the demo draws; far above any catalogue size, low enough to bound memory (RGBA 8192² ≈ 256 MB). */
export const DEMO_MAX_SIDE = 8192;

export type DemoFormat = 'png' | 'jpeg' | 'webp';

export interface DemoImageOptions {
  width: number;
  height: number;
  prompt: string;
  model: string;
  /** Position among the n images of one request: numbered on the picture and mixed into its colours. */
  index: number;
  format?: DemoFormat;
  /** What kind of call drew it (EDIT, VARIATION); shown above the prompt. */
  label?: string;
}

export async function renderDemoImage(opts: DemoImageOptions): Promise<Buffer> {
  const { width, height } = opts;
  for (const side of [width, height]) {
    if (!Number.isInteger(side) || side < 1 || side > DEMO_MAX_SIDE) {
      throw new RangeError(`demo image sides must be integers from 1 to ${DEMO_MAX_SIDE}, got ${width}x${height}`);
    }
  }
  // The background covers every pixel, so alpha carries nothing: dropping it makes smaller, faster files.
  const image = sharp(Buffer.from(demoSvg(opts))).removeAlpha();
  switch (opts.format ?? 'png') {
    case 'jpeg':
      return image.jpeg({ quality: 90 }).toBuffer();
    case 'webp':
      // Low effort: the default spends ~4× the time for a few percent on a picture nobody keeps.
      return image.webp({ quality: 90, effort: 2 }).toBuffer();
    default:
      return image.png().toBuffer();
  }
}

function demoSvg(opts: DemoImageOptions): string {
  const { width: w, height: h } = opts;
  const palette = paletteFor(opts.prompt, opts.index);
  const short = Math.min(w, h);
  const margin = Math.max(2, Math.round(short * 0.06));
  const innerW = w - 2 * margin;
  const bottom = h - margin;
  // Body text never goes below 2 device pixels per font pixel where there is room: 1 is unreadable.
  const body = Math.max(short >= 160 ? 2 : 1, Math.floor(short / 300));
  const cols = (scale: number) => Math.floor((innerW + scale) / (GLYPH_ADVANCE * scale));

  const texts: string[] = [];
  let y = margin;
  const line = (glyphs: string[], scale: number, opacity = 1): void => {
    if (glyphs.length === 0 || y + GLYPH_HEIGHT * scale > bottom) return;
    texts.push(textSvg(texts.length, glyphs, margin, y, scale, opacity));
  };

  const title = Math.max(1, Math.floor(Math.min((innerW * 0.75) / lineWidth(4), (h * 0.22) / GLYPH_HEIGHT)));
  line(toGlyphs('DEMO'), title);
  y += GLYPH_HEIGHT * title + LINE_HEIGHT * body;

  const modelScale = Math.round(body * 1.5);
  line(fitLine(opts.model, cols(modelScale)), modelScale);
  y += LINE_HEIGHT * modelScale;

  const caption = `${opts.label ? `${opts.label} · ` : ''}image ${opts.index + 1}`;
  line(fitLine(caption, cols(body)), body, 0.8);
  y += LINE_HEIGHT * body + 2 * body;

  const prompt = promptLayout(opts.prompt.trim() || '(no prompt)', body, bottom - y, cols);
  for (const glyphs of prompt.lines) {
    line(glyphs, prompt.scale);
    y += LINE_HEIGHT * prompt.scale;
  }

  const blobs = palette.blobs
    .map((b, i) => {
      const g = `<radialGradient id="b${i}"><stop offset="0" stop-color="${b.color}" stop-opacity=".3"/><stop offset="1" stop-color="${b.color}" stop-opacity="0"/></radialGradient>`;
      return { g, c: `<circle cx="${Math.round(b.x * w)}" cy="${Math.round(b.y * h)}" r="${Math.round(b.r * short)}" fill="url(#b${i})"/>` };
    });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<defs><linearGradient id="bg" gradientTransform="rotate(${palette.angle} .5 .5)">` +
    `<stop offset="0" stop-color="${palette.from}"/><stop offset="1" stop-color="${palette.to}"/></linearGradient>` +
    blobs.map((b) => b.g).join('') +
    `</defs><rect width="${w}" height="${h}" fill="url(#bg)"/>${blobs.map((b) => b.c).join('')}` +
    `<g shape-rendering="crispEdges">${texts.join('')}</g></svg>`
  );
}

/** The largest prompt size, up to twice the body size, at which the whole prompt fits; else truncate at body size. */
function promptLayout(prompt: string, body: number, space: number, cols: (scale: number) => number) {
  for (let scale = 2 * body; scale > body; scale--) {
    const maxLines = Math.floor(space / (LINE_HEIGHT * scale));
    const lines = wrapText(prompt, cols(scale), maxLines + 1);
    if (lines.length > 0 && lines.length <= maxLines) return { scale, lines };
  }
  return { scale: body, lines: wrapText(prompt, cols(body), Math.floor(space / (LINE_HEIGHT * body))) };
}

/** One line of text: its glyph path defined once, drawn as a soft shadow and then in white. */
function textSvg(id: number, glyphs: string[], x: number, y: number, scale: number, opacity: number): string {
  const shadow = Math.max(1, Math.round(scale / 3));
  const use = (dx: number, fill: string, alpha: number) =>
    `<use xlink:href="#t${id}" transform="translate(${x + dx} ${y + dx}) scale(${scale})" fill="${fill}" fill-opacity="${alpha}"/>`;
  return `<defs><path id="t${id}" d="${linePath(glyphs)}"/></defs>${use(shadow, '#000', 0.3 * opacity)}${use(0, '#fff', opacity)}`;
}
