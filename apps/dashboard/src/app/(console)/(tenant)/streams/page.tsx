import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '@/components/auto-refresh';
import { EmptyState } from '@/components/empty-state';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { Thumbnail } from '@/components/thumbnail';
import { formatBitrate, formatCount, formatRelative } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { api } from '@/server/api-client';
import { requireViewer } from '@/server/session';

export const metadata: Metadata = { title: 'Live streams' };

export default async function StreamsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { caller } = await requireViewer();
  const streams = await loadListView(
    { path: '/streams', params: await searchParams, param: 'page', pageSize: PAGE_SIZE },
    (cursor) => api.liveStreams.list(caller, cursor, PAGE_SIZE),
  );
  const now = new Date();
  return (
    <>
      <AutoRefresh />
      <div className="page-header">
        <div>
          <h1>Live streams</h1>
          <p>Status, viewers and bitrate refresh every few seconds.</p>
        </div>
        <Link className="button" href="/streams/new">
          New live stream
        </Link>
      </div>
      <PagedList
        view={streams}
        what="live streams"
        empty={
          <EmptyState
            title="No live streams yet"
            action={
              <Link className="button" href="/streams/new">
                Create your first live stream
              </Link>
            }
          >
            Create a live stream to get an RTMP server URL and stream key for OBS or ffmpeg.
          </EmptyState>
        }
      >
        {(rows) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th />
                  <th>Name</th>
                  <th>Status</th>
                  <th>Viewers</th>
                  <th>Bitrate</th>
                  <th>Playback</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => (
                  <tr key={s.id} data-testid="stream-row">
                    <td>
                      <Thumbnail
                        src={s.status === 'active' ? `/streams/${encodeURIComponent(s.id)}/thumbnail` : null}
                        label={s.name}
                      />
                    </td>
                    <td>
                      <Link href={`/streams/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={s.status} label={s.status === 'active' ? 'live' : s.status} />
                    </td>
                    <td>{s.currentSession ? formatCount(s.currentSession.viewers) : '—'}</td>
                    <td>{formatBitrate(s.currentSession?.bitrateKbps ?? null)}</td>
                    <td>{s.playbackPolicy}</td>
                    <td className="muted">{formatRelative(s.createdAt, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedList>
    </>
  );
}
