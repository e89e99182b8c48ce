import type { Asset, IngestSession, LiveStream, PublishCredential } from '@tributary/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ActionButton } from '@/components/action-button';
import { AutoRefresh } from '@/components/auto-refresh';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { formatDuration } from '@/lib/asset-format';
import { formatBitrate, formatBytes, formatCount, formatDateTime } from '@/lib/format';
import { DETAIL_PAGE_SIZE, type ListView, loadListView, type SearchParams } from '@/lib/pagination';
import { api } from '@/server/api-client';
import { ApiError } from '@/server/api-error';
import { requireViewer } from '@/server/session';
import { deleteStream, setStreamEnabled, updateStream } from '../actions';
import { StreamForm } from '../stream-form';
import { EncoderSetup } from './encoder-setup';
import { PlaybackPanel } from './playback-panel';
import { PublishCredentials } from './publish-credentials';
import { Renditions } from './renditions';

type Params = { params: Promise<{ id: string }>; searchParams: Promise<SearchParams> };

export const metadata: Metadata = { title: 'Live stream' };

async function loadStream(
  id: string,
  query: SearchParams,
): Promise<{
  stream: LiveStream;
  sessions: ListView<IngestSession>;
  credential: PublishCredential | null;
  recordings: ListView<Asset>;
}> {
  const { caller } = await requireViewer();
  const path = `/streams/${encodeURIComponent(id)}`;
  try {
    const [stream, sessions, credential, recordings] = await Promise.all([
      api.liveStreams.get(caller, id),
      // Its own search parameter each: a page of one list keeps the other's.
      loadListView({ path, params: query, param: 'sessions', pageSize: DETAIL_PAGE_SIZE }, (cursor) =>
        api.sessions.list(caller, id, cursor, DETAIL_PAGE_SIZE),
      ),
      // 404: publishing needs no credentials.
      api.liveStreams.publishCredential(caller, id).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
      loadListView({ path, params: query, param: 'recordings', pageSize: DETAIL_PAGE_SIZE }, (cursor) =>
        api.assets.recordingsOf(caller, id, cursor, DETAIL_PAGE_SIZE),
      ),
    ]);
    return { stream, sessions, credential, recordings };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
}

export default async function StreamPage({ params, searchParams }: Params) {
  const { id } = await params;
  const { stream, sessions, credential, recordings } = await loadStream(id, await searchParams);
  const session = stream.currentSession;
  return (
    <>
      <AutoRefresh />
      <div className="page-header">
        <div>
          <p>
            <Link href="/streams">Live streams</Link> /
          </p>
          <h1 className="row">
            {stream.name}{' '}
            <StatusBadge status={stream.status} label={stream.status === 'active' ? 'live' : stream.status} />
          </h1>
        </div>
        <div className="row">
          {stream.status === 'disabled' ? (
            <ActionButton action={setStreamEnabled.bind(null, stream.id, true)} label="Enable" />
          ) : (
            <ActionButton
              action={setStreamEnabled.bind(null, stream.id, false)}
              label="Disable"
              confirm="Disable this stream? A live broadcast is cut and publishing is refused until you enable it."
            />
          )}
          <ActionButton
            action={deleteStream.bind(null, stream.id)}
            label="Delete"
            variant="danger"
            confirm="Delete this live stream and its stream key? This cannot be undone."
          />
        </div>
      </div>

      {session && (
        <div className="stats" data-testid="live-stats">
          <Stat label="Viewers" value={formatCount(session.viewers)} />
          <Stat label="Peak viewers" value={formatCount(session.peakViewers)} />
          <Stat label="Bitrate" value={formatBitrate(session.bitrateKbps)} />
          <Stat
            label="Video"
            value={
              session.width && session.height
                ? `${session.width}×${session.height}${session.frameRate ? ` @ ${Math.round(session.frameRate)}` : ''}`
                : (session.videoCodec ?? '—')
            }
          />
          <Stat label="Received" value={formatBytes(session.bytesIn)} />
          <Stat label="Live since" value={formatDateTime(session.startedAt)} />
        </div>
      )}

      <section className="card">
        <h2>Connect your encoder</h2>
        <EncoderSetup streamId={stream.id} ingest={stream.ingest} />
      </section>

      <section className="card">
        <h2>Renditions (dynamic streaming)</h2>
        <Renditions stream={stream} />
      </section>

      <section className="card">
        <h2>Publish credentials</h2>
        <PublishCredentials
          streamId={stream.id}
          server={stream.ingest[0]?.server ?? null}
          credential={credential}
        />
      </section>

      <section className="card">
        <h2>Playback and preview</h2>
        <PlaybackPanel stream={stream} />
      </section>

      <section className="card">
        <h2>Recent sessions</h2>
        <PagedList
          view={sessions}
          what="sessions"
          empty={
            <p className="muted">No broadcast yet: sessions appear here each time an encoder publishes.</p>
          }
        >
          {(rows) => (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Started</th>
                    <th>Ended</th>
                    <th>Peak viewers</th>
                    <th>Received</th>
                    <th>Sent</th>
                    <th>End reason</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((s) => (
                    <tr key={s.id} data-testid="session-row">
                      <td>{formatDateTime(s.startedAt)}</td>
                      <td>{s.endedAt ? formatDateTime(s.endedAt) : <StatusBadge status="live" />}</td>
                      <td>{formatCount(s.peakViewers)}</td>
                      <td>{formatBytes(s.bytesIn)}</td>
                      <td>{formatBytes(s.bytesOut)}</td>
                      <td>{s.endReason ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </PagedList>
      </section>

      <section className="card">
        <h2>Recordings</h2>
        <PagedList
          view={recordings}
          what="recordings"
          empty={
            <p className="muted">
              {stream.record
                ? 'No recording yet: each session is recorded and appears here, playable, once it ends.'
                : 'Recording is off: turn on "Record sessions" in the settings below to keep each session as an asset.'}
            </p>
          }
        >
          {(rows) => (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Recording</th>
                    <th>Status</th>
                    <th>Duration</th>
                    <th>Size</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((a) => (
                    <tr key={a.id} data-testid="recording-row">
                      <td>
                        <Link href={`/assets/${encodeURIComponent(a.id)}`}>{a.name}</Link>
                      </td>
                      <td>
                        <StatusBadge status={a.status} />
                        {a.error ? <div className="muted">{a.error}</div> : null}
                      </td>
                      <td>{formatDuration(a.durationMs)}</td>
                      <td>{formatBytes(a.sizeBytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </PagedList>
      </section>

      <section className="card">
        <h2>Settings</h2>
        <StreamForm action={updateStream.bind(null, stream.id)} stream={stream} submitLabel="Save settings" />
      </section>
    </>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
    </div>
  );
}
