/**
 * Geometry for the usage bar charts (hand-made SVG: no chart library in the bundle).
 * Pure: rows in, rectangles and axis ticks out, in the SVG's own coordinate space.
 */
export type ChartPoint = { periodStart: string; value: number };
export type ChartBar = { x: number; y: number; width: number; height: number; point: ChartPoint };
export type ChartTick = { y: number; value: number };
export type ChartLayout = { bars: ChartBar[]; ticks: ChartTick[]; max: number };
export type ChartBox = { width: number; height: number; left: number; bottom: number; top: number };

/** Gap between bars as a share of each slot, so 30 daily bars stay readable on a phone. */
const BAR_GAP_RATIO = 0.2;
/** Five steps of a 1/2/5 maximum are round numbers (0, 10, 20 … 50; 0, 0.2 … 1). */
const TICK_COUNT = 5;

/** The smallest 1, 2 or 5 × 10^n at or above `value` (a "nice" axis maximum). */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

export function layoutBars(points: ChartPoint[], box: ChartBox): ChartLayout {
  const plotWidth = box.width - box.left;
  const plotHeight = box.height - box.bottom - box.top;
  const max = niceCeiling(Math.max(0, ...points.map((p) => (Number.isFinite(p.value) ? p.value : 0))));
  const slot = points.length > 0 ? plotWidth / points.length : plotWidth;
  const barWidth = slot * (1 - BAR_GAP_RATIO);
  const baseline = box.height - box.bottom;
  const bars = points.map((point, i) => {
    const value = Number.isFinite(point.value) && point.value > 0 ? point.value : 0;
    const height = (value / max) * plotHeight;
    return {
      x: box.left + i * slot + (slot - barWidth) / 2,
      y: baseline - height,
      width: barWidth,
      height,
      point,
    };
  });
  const ticks = Array.from({ length: TICK_COUNT + 1 }, (_, i) => ({
    value: (max * i) / TICK_COUNT,
    y: baseline - (plotHeight * i) / TICK_COUNT,
  }));
  return { bars, ticks, max };
}

export type UsageRow = {
  periodStart: string;
  viewerMinutes: number;
  egressBytes: number;
  ingestBytes: number;
};
export type UsageDay = { day: string; viewerMinutes: number; egressBytes: number; ingestBytes: number };

const DAY_MS = 86_400_000;

/**
 * One entry per UTC day for the `days` days ending with `end`'s day, oldest first: the
 * api returns only days with traffic, and a chart with gaps would misplace bars.
 */
export function dailySeries(rows: UsageRow[], end: Date, days: number): UsageDay[] {
  const lastDay = Math.floor(end.getTime() / DAY_MS);
  const series = Array.from({ length: days }, (_, i) => ({
    day: new Date((lastDay - days + 1 + i) * DAY_MS).toISOString().slice(0, 10),
    viewerMinutes: 0,
    egressBytes: 0,
    ingestBytes: 0,
  }));
  for (const row of rows) {
    const at = Date.parse(row.periodStart);
    if (Number.isNaN(at)) continue;
    const entry = series[Math.floor(at / DAY_MS) - (lastDay - days + 1)];
    if (!entry) continue;
    entry.viewerMinutes += row.viewerMinutes;
    entry.egressBytes += row.egressBytes;
    entry.ingestBytes += row.ingestBytes;
  }
  return series;
}
