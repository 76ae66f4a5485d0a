// Usage as a chart (uPlot: canvas, small): cost per day, one series per group (model or account).

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { UsageRow } from './types.ts';

const PALETTE = ['#3b82f6', '#f97316', '#10b981', '#a855f7', '#ef4444', '#eab308', '#06b6d4', '#ec4899'];

const DAY_MS = 86_400_000;

/** Every UTC day from `start` to `end` (YYYY-MM-DD), so a day without usage shows as zero. */
function daysBetween(start: string, end: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`) && days.length < 400; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** Rows (day × group) as uPlot's columns: every day of the range ascending, one array of cost per group. */
export function usageColumns(rows: UsageRow[], start: string, end: string): { days: string[]; groups: string[]; data: uPlot.AlignedData } {
  const days = daysBetween(start, end);
  const groups = [...new Set(rows.map((r) => r.group))].sort();
  const at = new Map(rows.map((r) => [`${r.date}|${r.group}`, Number(r.cost_usd)]));
  const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  return { days, groups, data: [xs, ...groups.map((g) => days.map((d) => at.get(`${d}|${g}`) ?? 0))] };
}

export function UsageChart({ rows, start, end, label }: { rows: UsageRow[]; start: string; end: string; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || rows.length === 0) return;
    const { groups, data } = usageColumns(rows, start, end);
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const ink = dark ? '#cbd5e1' : '#334155';
    const grid = dark ? '#334155' : '#e2e8f0';
    const axis = { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 260,
        scales: { x: { time: true } },
        axes: [axis, { ...axis, values: (_u, ticks) => ticks.map((t) => `$${t.toFixed(2)}`) }],
        series: [{}, ...groups.map((g, i) => ({ label: g, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: true } }))],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 260 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [rows, start, end]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}
