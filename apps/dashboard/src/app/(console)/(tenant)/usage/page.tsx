import type { Metadata } from 'next';
import { ActionButton } from '@/components/action-button';
import { BarChart } from '@/components/bar-chart';
import { StatusBadge } from '@/components/status-badge';
import { formatBytes, formatCount, formatDateTime } from '@/lib/format';
import { formatMetric, METRIC_LABELS, progressPercent } from '@/lib/usage-alerts';
import { dailySeries } from '@/lib/usage-chart';
import { api } from '@/server/api-client';
import { requireViewer } from '@/server/session';
import { usageAlertsApi } from '@/server/usage-alerts-client';
import { deleteUsageAlert, setUsageAlertEnabled } from './actions';
import { UsageAlertForm } from './usage-alert-form';

export const metadata: Metadata = { title: 'Usage' };

/** The window the usage page shows: a billing month. */
const USAGE_DAYS = 30;
const DAY_MS = 86_400_000;

export default async function UsagePage() {
  const { caller } = await requireViewer();
  const now = new Date();
  const from = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - (USAGE_DAYS - 1) * DAY_MS);
  const [usage, alerts] = await Promise.all([api.usage.daily(caller, from), usageAlertsApi.list(caller)]);
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
      <section className="card" aria-labelledby="usage-alerts">
        <h2 id="usage-alerts">Alerts</h2>
        <p className="muted">
          When the UTC day's or month's usage reaches a threshold, your webhook endpoints subscribed to{' '}
          <code>usage.threshold</code> are told once for that period.
        </p>
        <UsageAlertForm />
        {alerts.data.length === 0 ? (
          <p className="muted">No alerts yet.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Metric</th>
                  <th>Threshold</th>
                  <th>This period</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {alerts.data.map((a) => (
                  <tr key={a.id} data-testid="usage-alert-row">
                    <td>
                      {METRIC_LABELS[a.metric]}
                      <div className="muted">per UTC {a.period}</div>
                    </td>
                    <td>{formatMetric(a.metric, a.threshold)}</td>
                    <td>
                      <meter
                        min={0}
                        max={100}
                        value={progressPercent(a.current.value, a.threshold)}
                        aria-label={`${METRIC_LABELS[a.metric]} towards the threshold`}
                      />{' '}
                      <span data-testid="usage-alert-progress">
                        {formatMetric(a.metric, a.current.value)} of {formatMetric(a.metric, a.threshold)} (
                        {Math.floor(progressPercent(a.current.value, a.threshold))} %)
                      </span>
                      <div className="muted">
                        {a.current.firedAt
                          ? `Reached ${formatDateTime(a.current.firedAt)}`
                          : `Until ${formatDateTime(a.current.periodEnd)}`}
                      </div>
                    </td>
                    <td>
                      <StatusBadge status={a.enabled ? 'enabled' : 'disabled'} />
                    </td>
                    <td>
                      <div className="row">
                        <ActionButton
                          action={setUsageAlertEnabled.bind(null, a.id, !a.enabled)}
                          label={a.enabled ? 'Disable' : 'Enable'}
                          size="small"
                        />
                        <ActionButton
                          action={deleteUsageAlert.bind(null, a.id)}
                          label="Delete"
                          variant="danger"
                          size="small"
                          confirm="Delete this usage alert?"
                        />
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
