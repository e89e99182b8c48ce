import type { Metadata } from 'next';
import { ActionButton } from '@/components/action-button';
import { AutoRefresh } from '@/components/auto-refresh';
import { EmptyState } from '@/components/empty-state';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { formatBitrate, formatCount, formatRelative } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { api } from '@/server/api-client';
import { requireViewer } from '@/server/session';
import { removeEdge } from '../actions';
import { CreateEdgeForm } from './create-edge-form';

export const metadata: Metadata = { title: 'Edges' };

export default async function EdgesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { caller } = await requireViewer();
  const edges = await loadListView(
    { path: '/operator/edges', params: await searchParams, param: 'page', pageSize: PAGE_SIZE },
    (cursor) => api.edges.list(caller, cursor, PAGE_SIZE),
  );
  const now = new Date();
  return (
    <>
      <AutoRefresh />
      <div className="page-header">
        <div>
          <h1>Edges</h1>
          <p>The RTMP/HTTP edge fleet. Health and load come from each edge's heartbeat.</p>
        </div>
      </div>
      <PagedList
        view={edges}
        what="edges"
        empty={
          <EmptyState title="No edges registered">
            Register an edge below, then start it with the token shown once as EDGE_API_TOKEN.
          </EmptyState>
        }
      >
        {(rows) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Region</th>
                  <th>Health</th>
                  <th>Load</th>
                  <th>Publishers</th>
                  <th>Viewers</th>
                  <th>Egress</th>
                  <th>Last heartbeat</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={e.id} data-testid="edge-row">
                    <td>
                      <div>{e.name}</div>
                      <div className="muted mono">{e.rtmpUrl}</div>
                      {e.rtmpsUrl ? (
                        <div className="muted mono" title="RTMP over TLS, from its heartbeats">
                          {e.rtmpsUrl}
                        </div>
                      ) : null}
                      {e.internalRtmpUrl ? (
                        <div className="muted mono" title="where other edges pull its streams from">
                          internal {e.internalRtmpUrl}
                        </div>
                      ) : null}
                    </td>
                    <td>{e.region}</td>
                    <td>
                      <StatusBadge status={e.status} />{' '}
                      {e.draining ? <StatusBadge status="draining" /> : null}
                    </td>
                    <td>
                      {formatCount(e.load.connections)} / {formatCount(e.capacity)} (
                      {Math.round((100 * e.load.connections) / Math.max(e.capacity, 1))}%)
                    </td>
                    <td>{formatCount(e.load.publishers)}</td>
                    <td data-testid="edge-viewers">
                      {formatCount(e.load.viewers)}
                      {e.load.maxViewers === null ? null : ` / ${formatCount(e.load.maxViewers)} max`}
                    </td>
                    <td>{formatBitrate(e.load.egressBps / 1000)}</td>
                    <td>{formatRelative(e.lastHeartbeatAt, now)}</td>
                    <td>
                      <ActionButton
                        action={removeEdge.bind(null, e.id)}
                        label="Remove"
                        variant="danger"
                        size="small"
                        confirm={`Remove "${e.name}"? Its credential stops working.`}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedList>
      <section className="card" style={{ marginTop: 16 }}>
        <h2>Register an edge</h2>
        <CreateEdgeForm />
      </section>
    </>
  );
}
