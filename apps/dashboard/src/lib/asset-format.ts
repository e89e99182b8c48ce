import type { Asset } from '@tributary/contracts';

/** m:ss (h:mm:ss past an hour) of a duration in milliseconds; — when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "h264 640×360 25 fps · aac 48 kHz mono", — when the asset has no tracks (yet). */
export function formatTracks(a: Pick<Asset, 'tracks'>): string {
  const parts: string[] = [];
  const v = a.tracks.video;
  if (v) parts.push(`${v.codec} ${v.width}×${v.height}${v.frameRate ? ` ${v.frameRate} fps` : ''}`);
  const au = a.tracks.audio;
  if (au)
    parts.push(`${au.codec} ${au.sampleRate / 1000} kHz ${au.channels === 1 ? 'mono' : `${au.channels} ch`}`);
  return parts.join(' · ') || '—';
}
