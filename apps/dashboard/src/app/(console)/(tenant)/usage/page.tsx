import type { Metadata } from 'next';
import { BarChart } from '@/components/bar-chart';
import { formatBytes, formatCount } from '@/lib/format';
import { dailySeries } from '@/lib/usage-chart';
import { api } from '@/server/api-client';
import { requireViewer } from '@/server/session';

export const metadata: Metadata = { title: 'Usage' };

/** The window the usage page shows: a billing month. */
const USAGE_DAYS = 30;
const DAY_MS = 86_400_000;

export default async function UsagePage() {
  const { caller } = await requireViewer();
  const now = new Date();
  const from = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - (USAGE_DAYS - 1) * DAY_MS);
  const usage = await api.usage.daily(caller, from);
  const days = dailySeries(usage.data, now, USAGE_DAYS);
  const total = days.reduce(
    (sum, d) => ({
      viewerMinutes: sum.viewerMinutes + d.viewerMinutes,
      egressBytes: sum.egressBytes + d.egressBytes,
      ingestBytes: sum.ingestBytes + d.ingestBytes,
    }),
    { viewerMinutes: 0, egressBytes: 0, ingestBytes: 0 },
  );
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Usage</h1>
          <p>The last {USAGE_DAYS} days, per UTC day. Figures update as edges report.</p>
        </div>
      </div>
      <div className="stats">
        <div className="stat">
          <div className="stat-label">Viewer-minutes</div>
          <div className="stat-value">{formatCount(total.viewerMinutes)}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Egress</div>
          <div className="stat-value">{formatBytes(total.egressBytes)}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Ingest</div>
          <div className="stat-value">{formatBytes(total.ingestBytes)}</div>
        </div>
      </div>
      {total.viewerMinutes === 0 && total.egressBytes === 0 && (
        <p className="muted">
          No viewers yet in this period: usage appears once someone watches one of your streams.
        </p>
      )}
      <section className="card">
        <h2>Viewer-minutes per day</h2>
        <BarChart
          title="Viewer-minutes per day"
          points={days.map((d) => ({ periodStart: d.day, value: d.viewerMinutes }))}
          format={formatCount}
        />
      </section>
      <section className="card">
        <h2>Egress per day</h2>
        <BarChart
          title="Egress bytes per day"
          points={days.map((d) => ({ periodStart: d.day, value: d.egressBytes }))}
          format={formatBytes}
        />
      </section>
    </>
  );
}
