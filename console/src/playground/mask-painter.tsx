// A mask painted with a brush over the image being edited. The mask is the image's own size: opaque
// everywhere except where the brush went, which is transparent — the region the model redraws
// (OpenAI's mask convention). The visible canvas shows the strokes over the image; a second canvas
// of the image's natural size holds the mask itself.

import { useEffect, useRef, useState } from 'preact/hooks';

export function MaskPainter({ src, onMask }: { src: string; onMask: (mask: string | undefined) => void }) {
  const shown = useRef<HTMLCanvasElement>(null);
  const mask = useRef<HTMLCanvasElement | null>(null);
  const [brush, setBrush] = useState(40);
  const [size, setSize] = useState<{ w: number; h: number }>();
  const last = useRef<{ x: number; y: number } | null>(null);

  useEffect(() => {
    const img = new Image();
    img.onload = () => {
      setSize({ w: img.naturalWidth, h: img.naturalHeight });
      const m = document.createElement('canvas');
      m.width = img.naturalWidth;
      m.height = img.naturalHeight;
      mask.current = m;
      reset(m);
    };
    img.src = src;
    onMask(undefined);
  }, [src]);

  const reset = (m: HTMLCanvasElement | null = mask.current) => {
    if (!m) return;
    const ctx = m.getContext('2d')!;
    ctx.globalCompositeOperation = 'source-over';
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, m.width, m.height);
    const c = shown.current;
    c?.getContext('2d')!.clearRect(0, 0, c.width, c.height);
    onMask(undefined);
  };

  const at = (e: PointerEvent) => {
    const c = shown.current!;
    const r = c.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * c.width, y: ((e.clientY - r.top) / r.height) * c.height };
  };

  const stroke = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    const width = (brush / (shown.current!.getBoundingClientRect().width || 1)) * shown.current!.width;
    for (const [canvas, op, colour] of [
      [shown.current!, 'source-over', 'rgba(255, 64, 129, 0.55)'],
      [mask.current!, 'destination-out', '#000'],
    ] as const) {
      const ctx = canvas.getContext('2d')!;
      ctx.globalCompositeOperation = op;
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.beginPath();
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    }
  };

  const down = (e: PointerEvent) => {
    (e.currentTarget as HTMLCanvasElement).setPointerCapture(e.pointerId);
    last.current = at(e);
    stroke(last.current, last.current);
  };
  const move = (e: PointerEvent) => {
    if (!last.current) return;
    const p = at(e);
    stroke(last.current, p);
    last.current = p;
  };
  const up = () => {
    if (!last.current) return;
    last.current = null;
    onMask(mask.current!.toDataURL('image/png'));
  };

  return (
    <div class="mask-painter">
      <div class="mask-stage">
        <img src={src} alt="The image being edited" />
        {size ? (
          <canvas
            ref={shown}
            width={size.w}
            height={size.h}
            data-testid="mask-canvas"
            aria-label="Paint the region to redraw"
            onPointerDown={down}
            onPointerMove={move}
            onPointerUp={up}
            onPointerCancel={up}
          />
        ) : null}
      </div>
      <div class="row">
        <label for="brush">Brush</label>
        <input id="brush" type="range" min={4} max={160} value={brush} onInput={(e) => setBrush(Number(e.currentTarget.value))} />
        <button type="button" class="secondary" onClick={() => reset()}>
          Clear mask
        </button>
      </div>
    </div>
  );
}
