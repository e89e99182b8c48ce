'use client';

import type { LiveStream, PlaybackToken } from '@tributary/contracts';
import { useCallback, useEffect, useState, useTransition } from 'react';
import { CopyButton } from '@/components/copy-button';
import { ffplayCommand, withToken } from '@/lib/encoder-settings';
import { formatDateTime } from '@/lib/format';
import { mintPlaybackToken } from '../actions';
import { PreviewPlayer } from './preview-player';

type Urls = { rtmp: string; hls: string | null; flv: string | null };

/**
 * Playback URLs, a fresh signed token for signed streams (minted once per visit and on
 * demand: not on every live refresh, which would restart the preview), and the preview.
 */
export function PlaybackPanel({
  stream,
}: {
  stream: Pick<LiveStream, 'playbackId' | 'playbackPolicy' | 'status' | 'playback'>;
}) {
  const signed = stream.playbackPolicy === 'signed';
  const [token, setToken] = useState<PlaybackToken | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const mint = useCallback(
    () =>
      startTransition(async () => {
        const state = await mintPlaybackToken(stream.playbackId);
        if (state.status === 'ok') {
          setToken(state.result);
          setError(null);
        } else if (state.status === 'error') setError(state.message);
      }),
    [stream.playbackId],
  );
  useEffect(() => {
    if (signed) mint();
  }, [signed, mint]);

  const urls: Urls | null = !signed
    ? stream.playback
    : token
      ? {
          rtmp: withToken(stream.playback.rtmp, token.token),
          hls: stream.playback.hls && withToken(stream.playback.hls, token.token),
          flv: stream.playback.flv && withToken(stream.playback.flv, token.token),
        }
      : null;

  return (
    <div className="grid-2">
      <div className="stack">
        <dl className="kv">
          <dt>Playback id</dt>
          <dd className="mono">{stream.playbackId}</dd>
          {(['hls', 'flv', 'rtmp'] as const).map((kind) => {
            const url = urls?.[kind] ?? stream.playback[kind];
            return (
              url && (
                <div key={kind} style={{ display: 'contents' }}>
                  <dt>{kind.toUpperCase()}</dt>
                  <dd className="secret">
                    <code className="truncate" title={url}>
                      {url}
                    </code>
                    <CopyButton value={url} label="Copy URL" />
                  </dd>
                </div>
              )
            );
          })}
          {signed && (
            <>
              <dt>Token</dt>
              <dd className="secret">
                {token ? (
                  <>
                    <code className="truncate" title={token.token} data-testid="playback-token">
                      {token.token}
                    </code>
                    <CopyButton value={token.token} label="Copy token" />
                  </>
                ) : (
                  <span className="muted">{pending ? 'Minting…' : 'No token'}</span>
                )}
                <button type="button" className="secondary small" disabled={pending} onClick={mint}>
                  New token
                </button>
              </dd>
              {token && (
                <>
                  <dt>Expires</dt>
                  <dd>{formatDateTime(token.expiresAt)}</dd>
                </>
              )}
            </>
          )}
        </dl>
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
        {urls && (
          <>
            <span className="muted">Play it from a terminal:</span>
            <pre>{ffplayCommand(urls.rtmp)}</pre>
          </>
        )}
      </div>
      <PreviewPlayer live={stream.status === 'active'} sources={urls && { hls: urls.hls, flv: urls.flv }} />
    </div>
  );
}
