// Media playlist text (RFC 8216 §4.3; LL-HLS tags from draft-pantos-hls-rfc8216bis §4.4.3.7-4.4.5.3).
// A pure function of a snapshot, so the text can be tested line by line and rendered per request with
// each viewer's token.

export interface PlaylistPart {
  readonly uri: string;
  readonly durationMs: number;
  /** Starts with a keyframe: a player may begin decoding here (rfc8216bis §4.4.4.9 INDEPENDENT). */
  readonly independent: boolean;
}

export interface PlaylistSegment {
  readonly msn: number;
  /** Undefined for the segment still being written (LL-HLS lists its parts only). */
  readonly uri: string | undefined;
  readonly durationMs: number;
  readonly discontinuity: boolean;
  /** URI of the init segment this segment needs (fMP4), written as EXT-X-MAP where it changes. */
  readonly mapUri: string | undefined;
  readonly parts: readonly PlaylistPart[];
}

export interface PlaylistSnapshot {
  readonly targetDurationS: number;
  readonly mediaSequence: number;
  readonly discontinuitySequence: number;
  readonly segments: readonly PlaylistSegment[];
  /** Present in low-latency mode. */
  readonly lowLatency?: {
    readonly partTargetMs: number;
    /** The part the server will publish next (EXT-X-PRELOAD-HINT), unless the stream ended. */
    readonly preloadHintUri: string | undefined;
  };
  readonly ended: boolean;
}

/** Rewrites a URI for one viewer, e.g. to carry a playback token. */
export type UriDecorator = (uri: string) => string;

/** A decorator that appends `token` as the `token` query parameter (issue 7: "carried to segment URLs"). */
export function tokenDecorator(token: string): UriDecorator {
  const query = `token=${encodeURIComponent(token)}`;
  return (uri) => `${uri}${uri.includes('?') ? '&' : '?'}${query}`;
}

/**
 * EXT-X-VERSION: 3 for decimal EXTINF (RFC 8216 §7), 6 for EXT-X-MAP in a playlist that is not
 * I-frames only (RFC 8216 §4.3.2.5, §7). LL-HLS tags need no higher version.
 */
const VERSION_MPEGTS = 3;
const VERSION_FMP4 = 6;
/**
 * Parts are listed only for segments within this many target durations of the playlist end
 * (rfc8216bis §4.4.4.9: older Partial Segments SHOULD be removed).
 */
const PART_WINDOW_TARGET_DURATIONS = 3;
/** PART-HOLD-BACK: at least 2 part targets, 3 recommended (rfc8216bis §4.4.3.8). */
const PART_HOLD_BACK_PART_TARGETS = 3;

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

export function renderMediaPlaylist(
  snapshot: PlaylistSnapshot,
  decorate: UriDecorator = (uri) => uri,
): string {
  const fmp4 = snapshot.segments.some((segment) => segment.mapUri !== undefined);
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${fmp4 ? VERSION_FMP4 : VERSION_MPEGTS}`];
  lines.push(`#EXT-X-TARGETDURATION:${snapshot.targetDurationS}`);
  const ll = snapshot.lowLatency;
  if (ll) {
    const holdBack = seconds(ll.partTargetMs * PART_HOLD_BACK_PART_TARGETS);
    lines.push(`#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${holdBack}`);
    lines.push(`#EXT-X-PART-INF:PART-TARGET=${seconds(ll.partTargetMs)}`);
  }
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${snapshot.mediaSequence}`);
  if (snapshot.discontinuitySequence > 0) {
    lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${snapshot.discontinuitySequence}`);
  }

  // Segments whose parts are still listed: those ending within the part window of the playlist end.
  let partsFrom = snapshot.segments.length;
  if (ll) {
    let fromEnd = 0;
    const window = PART_WINDOW_TARGET_DURATIONS * snapshot.targetDurationS * 1000;
    while (partsFrom > 0 && fromEnd < window) {
      partsFrom--;
      fromEnd += snapshot.segments[partsFrom]!.durationMs;
    }
  }

  let mapUri: string | undefined;
  snapshot.segments.forEach((segment, index) => {
    if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (segment.mapUri !== undefined && segment.mapUri !== mapUri) {
      mapUri = segment.mapUri;
      lines.push(`#EXT-X-MAP:URI="${decorate(mapUri)}"`);
    }
    if (index >= partsFrom) {
      for (const part of segment.parts) {
        const independent = part.independent ? ',INDEPENDENT=YES' : '';
        lines.push(
          `#EXT-X-PART:DURATION=${seconds(part.durationMs)},URI="${decorate(part.uri)}"${independent}`,
        );
      }
    }
    if (segment.uri !== undefined)
      lines.push(`#EXTINF:${seconds(segment.durationMs)},`, decorate(segment.uri));
  });

  if (ll?.preloadHintUri !== undefined && !snapshot.ended) {
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${decorate(ll.preloadHintUri)}"`);
  }
  if (snapshot.ended) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}
