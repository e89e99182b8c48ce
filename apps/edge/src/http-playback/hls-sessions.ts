import { normalizeIp } from '../auth/client-ip';
import type { HttpViewer, StreamEntry } from '../streams/stream-registry';

/**
 * One HLS viewer. HLS has no connection per viewer, so a viewer is a session: requests from one client
 * address with one token (or none), counted from its first request until the activity window after its
 * last one (README "HLS viewers"). Its token was verified when the session opened; like an RTMP viewer
 * it is not cut when that token expires later (docs/reliability.md: playback-tokens policy), but a session that lapses must
 * present a valid token again.
 */
export interface HlsSession extends HttpViewer {
  readonly protocol: 'hls';
  readonly key: string;
  /** The stream entry it is counted in (registry viewers). */
  readonly entry: StreamEntry;
  lastSeen: number;
}

export class HlsSessions {
  private readonly byKey = new Map<string, HlsSession>();

  constructor(private readonly windowMs: number) {}

  static keyOf(clientIp: string, token: string | undefined): string {
    return `${normalizeIp(clientIp)} ${token ?? ''}`;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The live session for `key`, marked active at `now`. */
  touch(key: string, now: number): HlsSession | undefined {
    const session = this.byKey.get(key);
    if (session) session.lastSeen = now;
    return session;
  }

  open(key: string, entry: StreamEntry, now: number): HlsSession {
    const session: HlsSession = {
      protocol: 'hls',
      key,
      entry,
      lastSeen: now,
      // The registry calls this when the stream's policy refuses the session (a new publisher).
      close: () => {
        this.byKey.delete(key);
      },
    };
    this.byKey.set(key, session);
    return session;
  }

  /** Removes and returns the sessions with no request within the window. */
  expire(now: number): HlsSession[] {
    const gone: HlsSession[] = [];
    for (const session of this.byKey.values()) {
      if (now - session.lastSeen > this.windowMs) gone.push(session);
    }
    for (const session of gone) this.byKey.delete(session.key);
    return gone;
  }

  /** Removes and returns every session (the segmenter stops). */
  clear(): HlsSession[] {
    const all = [...this.byKey.values()];
    this.byKey.clear();
    return all;
  }
}
