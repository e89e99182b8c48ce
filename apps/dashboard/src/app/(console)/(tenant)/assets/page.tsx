import type { Metadata } from 'next';
import Link from 'next/link';
import { ActionButton } from '@/components/action-button';
import { AutoRefresh } from '@/components/auto-refresh';
import { EmptyState } from '@/components/empty-state';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { Thumbnail } from '@/components/thumbnail';
import { formatDuration, formatTracks } from '@/lib/asset-format';
import { formatBytes, formatDateTime } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { api } from '@/server/api-client';
import { requireViewer } from '@/server/session';
import { deleteAsset } from './actions';
import { UploadForm } from './upload-form';

export const metadata: Metadata = { title: 'Assets' };

export default async function AssetsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { caller } = await requireViewer();
  const assets = await loadListView(
    { path: '/assets', params: await searchParams, param: 'page', pageSize: PAGE_SIZE },
    (cursor) => api.assets.list(caller, cursor, PAGE_SIZE),
  );
  const preparing = assets.kind === 'rows' && assets.rows.some((a) => a.status === 'preparing');
  return (
    <>
      {preparing ? <AutoRefresh /> : null}
      <div className="page-header">
        <div>
          <h1>Assets</h1>
          <p>
            On-demand files: uploaded MP4 and FLV files and live streams' recordings, checked and indexed for
            playback.
          </p>
        </div>
      </div>
      <section className="card">
        <h2>Upload a file</h2>
        <UploadForm />
      </section>
      <PagedList
        view={assets}
        what="assets"
        empty={<EmptyState title="No assets yet">Upload an MP4 or FLV file above.</EmptyState>}
      >
        {(rows) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th />
                  <th>Name</th>
                  <th>Status</th>
                  <th>Duration</th>
                  <th>Tracks</th>
                  <th>Size</th>
                  <th>Uploaded</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <tr key={a.id} data-testid="asset-row">
                    <td>
                      <Thumbnail
                        src={a.status === 'ready' ? `/assets/${encodeURIComponent(a.id)}/poster` : null}
                        label={a.name}
                      />
                    </td>
                    <td>
                      <div>
                        <Link href={`/assets/${encodeURIComponent(a.id)}`}>{a.name}</Link>
                      </div>
                      <div className="muted mono">{a.playbackId}</div>
                    </td>
                    <td>
                      <StatusBadge status={a.status} />
                      {a.error ? (
                        <div className="muted" data-testid="asset-error">
                          {a.error}
                        </div>
                      ) : null}
                    </td>
                    <td data-testid="asset-duration">{formatDuration(a.durationMs)}</td>
                    <td data-testid="asset-tracks">{formatTracks(a)}</td>
                    <td>{formatBytes(a.sizeBytes)}</td>
                    <td>{formatDateTime(a.createdAt)}</td>
                    <td>
                      <ActionButton
                        action={deleteAsset.bind(null, a.id)}
                        label="Delete"
                        variant="danger"
                        size="small"
                        confirm={`Delete "${a.name}"? Its file is removed.`}
                      />
                    </td>
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
