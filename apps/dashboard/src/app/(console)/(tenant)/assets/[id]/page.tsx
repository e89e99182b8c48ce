import type { Asset } from '@tributary/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { AutoRefresh } from '@/components/auto-refresh';
import { CopyButton } from '@/components/copy-button';
import { StatusBadge } from '@/components/status-badge';
import { formatDuration, formatTracks } from '@/lib/asset-format';
import { formatBytes, formatDateTime } from '@/lib/format';
import { api } from '@/server/api-client';
import { ApiError } from '@/server/api-error';
import { requireViewer } from '@/server/session';
import { AssetPlayer } from './asset-player';

type Params = { params: Promise<{ id: string }> };

export const metadata: Metadata = { title: 'Asset' };

async function loadAsset(id: string): Promise<Asset> {
  const { caller } = await requireViewer();
  try {
    return await api.assets.get(caller, id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
}

/** One asset: what indexing found, its playback URLs, and a player with seek once it is ready. */
export default async function AssetPage({ params }: Params) {
  const { id } = await params;
  const asset = await loadAsset(id);
  return (
    <>
      {asset.status === 'preparing' ? <AutoRefresh /> : null}
      <div className="page-header">
        <div>
          <p>
            <Link href="/assets">Assets</Link> /
          </p>
          <h1 className="row">
            {asset.name} <StatusBadge status={asset.status} />
          </h1>
        </div>
      </div>

      <section className="card">
        <h2>Player</h2>
        {asset.playback ? (
          <AssetPlayer
            hls={asset.playback.hls}
            playbackId={asset.playbackId}
            signed={asset.playbackPolicy === 'signed'}
            durationMs={asset.durationMs}
          />
        ) : asset.status === 'errored' ? (
          <p className="muted" data-testid="asset-error">
            This asset cannot be played: {asset.error}
          </p>
        ) : (
          <p className="muted">The file is being checked and indexed; the player appears once it is ready.</p>
        )}
      </section>

      <section className="card">
        <h2>Details</h2>
        <dl className="kv">
          <dt>Source</dt>
          <dd>{asset.source === 'recording' ? 'Recording of a live session' : 'Upload'}</dd>
          <dt>Duration</dt>
          <dd data-testid="asset-duration">{formatDuration(asset.durationMs)}</dd>
          <dt>Tracks</dt>
          <dd data-testid="asset-tracks">{formatTracks(asset)}</dd>
          <dt>Size</dt>
          <dd>{formatBytes(asset.sizeBytes)}</dd>
          <dt>Playback policy</dt>
          <dd>{asset.playbackPolicy}</dd>
          <dt>Playback id</dt>
          <dd className="mono">{asset.playbackId}</dd>
          {asset.playback
            ? Object.entries(asset.playback).map(([kind, url]) => (
                <div key={kind} style={{ display: 'contents' }}>
                  <dt>{kind.toUpperCase()}</dt>
                  <dd className="secret">
                    <code className="truncate" title={url}>
                      {url}
                    </code>
                    <CopyButton value={url} label="Copy URL" />
                  </dd>
                </div>
              ))
            : null}
          <dt>Created</dt>
          <dd>{formatDateTime(asset.createdAt)}</dd>
        </dl>
      </section>
    </>
  );
}
