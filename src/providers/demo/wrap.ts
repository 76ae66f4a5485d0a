// Fits text into a box of `cols` × `maxLines` glyph cells: breaks at spaces, splits words longer than a
// line, and ends with … when the text does not fit, so a long prompt never spills off the picture.

import { toGlyphs } from './font.ts';

const ELLIPSIS = '…';

export function wrapText(text: string, cols: number, maxLines: number): string[][] {
  if (cols < 1 || maxLines < 1) return [];
  const words = text.split(/\s+/).filter(Boolean).map(toGlyphs);
  const lines: string[][] = [];
  let line: string[] = [];
  for (let word of words) {
    if (line.length > 0 && line.length + 1 + word.length <= cols) {
      line.push(' ', ...word);
      continue;
    }
    if (line.length > 0) lines.push(line);
    while (word.length > cols) {
      lines.push(word.slice(0, cols));
      word = word.slice(cols);
    }
    line = word;
  }
  if (line.length > 0) lines.push(line);
  if (lines.length <= maxLines) return lines;

  const kept = lines.slice(0, maxLines);
  const last = kept[maxLines - 1];
  kept[maxLines - 1] = [...last.slice(0, cols - 1), ELLIPSIS];
  return kept;
}

/** One line, cut with … when longer than `cols`. */
export function fitLine(text: string, cols: number): string[] {
  return wrapText(text, Math.max(cols, 1), 1)[0] ?? [];
}
