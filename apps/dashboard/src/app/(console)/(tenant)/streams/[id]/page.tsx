import { ActionButton } from '@/components/action-button';
import { AutoRefresh } from '@/components/auto-refresh';
import { StatusBadge } from '@/components/status-badge';
import { formatBitrate, formatBytes, formatCount, formatDateTime } from '@/lib/format';
import { api } from '@/server/api-client';
import { ApiError } from '@/server/api-error';
import { requireViewer } from '@/server/session';
import type { LiveStream } from '@tributary/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { deleteStream, setStreamEnabled, updateStream } from '../actions';
import { StreamForm } from '../stream-form';
import { EncoderSetup } from './encoder-setup';
import { PlaybackPanel } from './playback-panel';

type Params = { params: Promise<{ id: string }> };

export const metadata: Metadata = { title: 'Live stream' };

async function loadStream(id: string): Promise<LiveStream> {
  const { caller } = await requireViewer();
  try {
    return await api.liveStreams.get(caller, id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
}

export default async function StreamPage({ params }: Params) {
  const { id } = await params;
  const stream = await loadStream(id);
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
        <h2>Playback and preview</h2>
        <PlaybackPanel stream={stream} />
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
