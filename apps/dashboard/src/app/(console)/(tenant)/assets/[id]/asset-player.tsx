'use client';

import type { PlaybackToken } from '@tributary/contracts';
import { useEffect, useRef, useState } from 'react';
import { formatDuration } from '@/lib/asset-format';
import { withToken } from '@/lib/encoder-settings';
import { mintAssetPlaybackToken } from '../actions';

type PlayerState =
  | { kind: 'waiting-token' }
  | { kind: 'loading' }
  | { kind: 'ready' }
  | { kind: 'failed'; reason: string };

/**
 * An asset's HLS (VOD playlist from the edge, issue 12) in hls.js, with the video's own controls and
 * a seek bar: seeking loads the segment holding the new time and plays on from there. A signed
 * asset's URL gets a token minted for this visit. A failure shows why, never a fake player.
 */
export function AssetPlayer({
  hls,
  playbackId,
  signed,
  durationMs,
}: {
  hls: string;
  playbackId: string;
  signed: boolean;
  durationMs: number | null;
}) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [token, setToken] = useState<PlaybackToken | null>(null);
  const [state, setState] = useState<PlayerState>(signed ? { kind: 'waiting-token' } : { kind: 'loading' });
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState((durationMs ?? 0) / 1000);

  useEffect(() => {
    if (!signed) return;
    let cancelled = false;
    void mintAssetPlaybackToken(playbackId).then((s) => {
      if (cancelled) return;
      if (s.status === 'ok') {
        setToken(s.result);
        setState({ kind: 'loading' });
      } else if (s.status === 'error') setState({ kind: 'failed', reason: s.message });
    });
    return () => {
      cancelled = true;
    };
  }, [signed, playbackId]);

  const src = signed ? (token ? withToken(hls, token.token) : null) : hls;

  useEffect(() => {
    const video = videoRef.current;
    if (!src || !video) return;
    let disposed = false;
    let dispose = () => {};
    const fail = (reason: string) => {
      if (!disposed) setState({ kind: 'failed', reason });
    };
    const ready = () => {
      if (disposed) return;
      setState({ kind: 'ready' });
      video.play().catch(() => {
        // Autoplay can be refused; the controls let the user start it.
      });
    };
    void (async () => {
      const { default: Hls } = await import('hls.js');
      if (disposed) return;
      if (!Hls.isSupported()) {
        if (!video.canPlayType('application/vnd.apple.mpegurl')) return fail('this browser cannot play HLS');
        video.src = src;
        video.addEventListener('loadedmetadata', ready, { once: true });
        video.addEventListener('error', () => fail('the browser could not load the HLS playlist'), {
          once: true,
        });
        dispose = () => video.removeAttribute('src');
        return;
      }
      const player = new Hls();
      dispose = () => player.destroy();
      player.on(Hls.Events.MANIFEST_PARSED, ready);
      player.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        const status = data.response?.code ? ` (HTTP ${data.response.code})` : '';
        player.destroy();
        fail(`HLS: ${data.details}${status}`);
      });
      player.loadSource(src);
      player.attachMedia(video);
    })().catch((err: unknown) => fail(err instanceof Error ? err.message : 'the player could not start'));
    return () => {
      disposed = true;
      dispose();
    };
  }, [src]);

  const seek = (to: number) => {
    const video = videoRef.current;
    if (video && Number.isFinite(to)) video.currentTime = Math.max(0, Math.min(to, duration || to));
  };

  return (
    <div className="stack" data-testid="asset-player" data-state={state.kind}>
      <div className="preview">
        <video
          ref={videoRef}
          muted
          playsInline
          controls
          data-testid="asset-video"
          onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
          onDurationChange={(e) => {
            if (Number.isFinite(e.currentTarget.duration)) setDuration(e.currentTarget.duration);
          }}
          style={{ display: state.kind === 'ready' ? 'block' : 'none' }}
        />
        {state.kind !== 'ready' && <p className="preview-state">{message(state)}</p>}
      </div>
      {state.kind === 'ready' && (
        <div className="row" style={{ flexWrap: 'nowrap' }}>
          <input
            type="range"
            aria-label="Seek"
            min={0}
            max={duration || 0}
            step={0.1}
            value={Math.min(time, duration || 0)}
            onChange={(e) => seek(Number(e.currentTarget.value))}
            style={{ flex: 1, minWidth: 0 }}
          />
          <span className="mono" data-testid="asset-time">
            {formatDuration(time * 1000)} / {formatDuration(duration * 1000)}
          </span>
        </div>
      )}
    </div>
  );
}

function message(state: Exclude<PlayerState, { kind: 'ready' }>): string {
  switch (state.kind) {
    case 'waiting-token':
      return 'Minting a playback token for this signed asset…';
    case 'loading':
      return 'Loading the asset from the edge…';
    case 'failed':
      return `The edge did not play this asset in the browser (${state.reason}).`;
  }
}
