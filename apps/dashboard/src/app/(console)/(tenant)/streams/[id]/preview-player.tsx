'use client';

import { useEffect, useRef, useState } from 'react';

type Sources = { hls: string | null; flv: string | null };
type PlayerState =
  | { kind: 'offline' }
  | { kind: 'waiting-token' }
  | { kind: 'no-http-playback' }
  | { kind: 'connecting' }
  | { kind: 'playing' }
  | { kind: 'failed'; reason: string };

/**
 * The in-browser preview of a live stream (issue 7): hls.js on the HLS URL, else mpegts.js
 * on the HTTP-FLV URL, both loaded only when needed. Whether the edge serves browser
 * playback is found out by trying: a failure shows why, never a fake player.
 */
export function PreviewPlayer({ live, sources }: { live: boolean; sources: Sources | null }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [failure, setFailure] = useState<{ key: string; reason: string } | null>(null);
  const [playingKey, setPlayingKey] = useState<string | null>(null);
  const hls = sources?.hls ?? null;
  const flv = sources?.flv ?? null;
  const key = `${hls}|${flv}`;
  const attempt = live && (hls !== null || flv !== null);

  useEffect(() => {
    const video = videoRef.current;
    if (!attempt || !video) return;
    let disposed = false;
    let dispose = () => {};
    const fail = (reason: string) => {
      if (!disposed) setFailure({ key, reason });
    };
    const playing = () => {
      if (!disposed) setPlayingKey(key);
      video.play().catch(() => {
        // Autoplay can be refused; the controls let the user start it.
      });
    };

    /** `earlier`: why HLS failed first, so the message names both attempts. */
    const playFlv = async (url: string, earlier?: string) => {
      const failWith = (reason: string) => fail(earlier ? `${earlier}; ${reason}` : reason);
      const { default: mpegts } = await import('mpegts.js');
      if (disposed) return;
      if (!mpegts.isSupported())
        return failWith('this browser cannot play HTTP-FLV (no Media Source Extensions)');
      const player = mpegts.createPlayer({ type: 'flv', isLive: true, url });
      dispose = () => player.destroy();
      player.on(mpegts.Events.ERROR, (type: string, detail: string) =>
        failWith(`HTTP-FLV: ${type} (${detail})`),
      );
      player.on(mpegts.Events.MEDIA_INFO, playing);
      player.attachMediaElement(video);
      player.load();
    };

    const playHls = async (url: string) => {
      const { default: Hls } = await import('hls.js');
      if (disposed) return;
      if (!Hls.isSupported()) {
        if (video.canPlayType('application/vnd.apple.mpegurl')) {
          // Safari plays HLS natively.
          video.src = url;
          video.addEventListener('loadedmetadata', playing, { once: true });
          video.addEventListener('error', () => fail('the browser could not load the HLS stream'), {
            once: true,
          });
          dispose = () => video.removeAttribute('src');
          return;
        }
        return flv ? playFlv(flv) : fail('this browser cannot play HLS');
      }
      const player = new Hls({ lowLatencyMode: true });
      dispose = () => player.destroy();
      player.on(Hls.Events.MANIFEST_PARSED, playing);
      player.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        player.destroy();
        const status = data.response?.code ? ` (HTTP ${data.response.code})` : '';
        const reason = `HLS: ${data.details}${status}`;
        if (flv && !disposed) {
          void playFlv(flv, reason);
          return;
        }
        fail(reason);
      });
      player.loadSource(url);
      player.attachMedia(video);
    };

    void (hls ? playHls(hls) : playFlv(flv as string)).catch((err: unknown) =>
      fail(err instanceof Error ? err.message : 'the player could not start'),
    );
    return () => {
      disposed = true;
      dispose();
    };
  }, [attempt, hls, flv, key]);

  let state: PlayerState;
  if (!live) state = { kind: 'offline' };
  else if (sources === null) state = { kind: 'waiting-token' };
  else if (!attempt) state = { kind: 'no-http-playback' };
  else if (failure?.key === key) state = { kind: 'failed', reason: failure.reason };
  else if (playingKey === key) state = { kind: 'playing' };
  else state = { kind: 'connecting' };

  return (
    <div className="preview" data-testid="preview" data-state={state.kind}>
      {attempt && (
        <video
          ref={videoRef}
          muted
          playsInline
          controls
          style={{ display: state.kind === 'playing' ? 'block' : 'none' }}
        />
      )}
      {state.kind !== 'playing' && <p className="preview-state">{message(state)}</p>}
    </div>
  );
}

function message(state: Exclude<PlayerState, { kind: 'playing' }>): string {
  switch (state.kind) {
    case 'offline':
      return 'Offline. Start your encoder with the settings above; the preview appears once the stream is live.';
    case 'waiting-token':
      return 'Minting a playback token for the preview…';
    case 'no-http-playback':
      return 'Preview needs browser playback: the edge carrying this stream serves RTMP only (no HLS or HTTP-FLV URL yet).';
    case 'connecting':
      return 'Connecting to the edge…';
    case 'failed':
      return `Preview needs browser playback: the edge did not serve this stream to the browser (${state.reason}).`;
  }
}
