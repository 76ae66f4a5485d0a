// Usage as a chart (uPlot: canvas, small): cost per day, one series per group (model or account).

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { UsageRow } from './types.ts';

const PALETTE = ['#3b82f6', '#f97316', '#10b981', '#a855f7', '#ef4444', '#eab308', '#06b6d4', '#ec4899'];

/** Rows (day × group) as uPlot's columns: days ascending, one array of cost per group. */
export function usageColumns(rows: UsageRow[]): { days: string[]; groups: string[]; data: uPlot.AlignedData } {
  const days = [...new Set(rows.map((r) => r.date))].sort();
  const groups = [...new Set(rows.map((r) => r.group))].sort();
  const at = new Map(rows.map((r) => [`${r.date}|${r.group}`, Number(r.cost_usd)]));
  const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  return { days, groups, data: [xs, ...groups.map((g) => days.map((d) => at.get(`${d}|${g}`) ?? 0))] };
}

export function UsageChart({ rows, label }: { rows: UsageRow[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || rows.length === 0) return;
    const { groups, data } = usageColumns(rows);
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
  }, [rows]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}
