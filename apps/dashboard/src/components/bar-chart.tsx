import { type ChartBox, type ChartPoint, layoutBars } from '@/lib/usage-chart';

const BOX: ChartBox = { width: 720, height: 220, left: 64, bottom: 24, top: 8 };
/** Label every n-th day so 30 labels do not overlap on a phone. */
const LABEL_EVERY = 5;

/** A server-rendered SVG bar chart; each bar's tooltip gives the exact value. */
export function BarChart({
  title,
  points,
  format,
}: {
  title: string;
  points: ChartPoint[];
  format: (value: number) => string;
}) {
  const { bars, ticks } = layoutBars(points, BOX);
  return (
    <svg className="chart" viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label={title}>
      {ticks.map((t) => (
        <g key={t.y}>
          <line className="axis" x1={BOX.left} x2={BOX.width} y1={t.y} y2={t.y} />
          <text x={BOX.left - 6} y={t.y + 4} textAnchor="end">
            {format(t.value)}
          </text>
        </g>
      ))}
      {bars.map((b, i) => (
        <g key={b.point.periodStart}>
          <rect className="bar" x={b.x} y={b.y} width={b.width} height={Math.max(b.height, 0)} rx={2}>
            <title>{`${b.point.periodStart}: ${format(b.point.value)}`}</title>
          </rect>
          {i % LABEL_EVERY === 0 && (
            <text x={b.x + b.width / 2} y={BOX.height - 6} textAnchor="middle">
              {b.point.periodStart.slice(5)}
            </text>
          )}
        </g>
      ))}
    </svg>
  );
}
