// Background colours and decoration derived from a hash of prompt and index: the same request draws
// the same picture, and the n images of one request each look different.

import { createHash } from 'node:crypto';

export interface Palette {
  from: string;
  to: string;
  /** Gradient direction in degrees. */
  angle: number;
  /** Soft circles as fractions of the picture: centre x, centre y, radius (of the shorter side). */
  blobs: Array<{ x: number; y: number; r: number; color: string }>;
}

export function paletteFor(prompt: string, index: number): Palette {
  const h = createHash('sha256').update(`${index}\u0000${prompt}`).digest();
  const hue = h.readUInt16BE(0) % 360;
  // A neighbouring hue 40–130° away reads as one pleasant scheme rather than two clashing ones.
  const hue2 = (hue + 40 + (h[2] % 90)) % 360;
  const byte = (i: number) => h[i] / 255;
  return {
    // Mid-dark and saturated enough that white text stays readable everywhere on the gradient.
    from: hsl(hue, 0.5 + 0.2 * byte(3), 0.27 + 0.08 * byte(4)),
    to: hsl(hue2, 0.5 + 0.2 * byte(5), 0.36 + 0.08 * byte(6)),
    angle: h[7] % 360,
    blobs: [0, 1, 2].map((k) => ({
      x: byte(8 + k * 4),
      y: byte(9 + k * 4),
      r: 0.25 + 0.45 * byte(10 + k * 4),
      color: hsl((hue + 180 + h[11 + k * 4]) % 360, 0.7, 0.6),
    })),
  };
}

function hsl(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const v = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(v * 255).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
