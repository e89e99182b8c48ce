import type { Broadcast, BroadcastSink, FourCcSupport } from '@tributary/rtmp-core';
import type { PublishGrant } from '../control-plane/publish-authorizer';
import type { CodecGate } from './codec-gate';
import { type CodecIds, ladderOf, streamNameOf } from './renditions';
import type { AudioTrackInfo, VideoTrackInfo } from './track-info';

/** The publisher of a live stream and what its session has done so far. */
export interface PublisherSlot {
  /** Identifies the publisher's connection in logs and in takeovers. */
  readonly connId: string;
  /** SHA-256 of the stream key: a takeover is only ever by the same key (docs/reliability.md: duplicate-publisher). */
  readonly keyDigest: string;
  readonly grant: PublishGrant;
  readonly startedAt: number;
  lastMediaAt: number;
  video: VideoTrackInfo | null;
  audio: AudioTrackInfo | null;
  /** broadcast.stats.bytesOut when this session began; the session's RTMP egress is the difference. */
  bytesOutAtStart: number;
  /** Bytes sent to HTTP viewers (HLS, HTTP-FLV) during this session. */
  httpBytesOut: number;
  /** Viewer-milliseconds of viewers who already left during this session. */
  viewerMsClosed: number;
  /** Ends the publisher's connection (takeover, idle, drain). */
  readonly close: (reason: string) => void;
  /**
   * A pull from another edge (relay/), not an encoder: it reports no session, is not counted among
   * this edge's publishers, and gives way at once to a local publisher of the stream.
   */
  readonly relay?: boolean;
  /** The Enhanced RTMP codecs the session sends now (codec-gate.ts CodecGate), set when it starts. */
  codecs?: CodecGate;
  /** RFC 6381 ids of its tracks, from their sequence headers (renditions.ts), for HLS and SMIL manifests. */
  codecIds?: CodecIds;
}

/** What a viewer proved at play time, checked again when the publisher (and so the tenant) is known. */
export interface ViewerAdmission {
  /** undefined: no token presented; otherwise the tenant of the key that signed the valid token. */
  readonly tokenKeyTenantId: string | null | undefined;
  /** The signing key (kid) of that token: a viewer is cut when its key is revoked. */
  readonly tokenKid?: string;
  /** The playback id that token names (`sub`): for a rendition, its stream's id. */
  readonly tokenSubject?: string;
  /**
   * Another edge pulling the stream with a valid relay token: one viewer that serves many, admitted
   * whatever the stream's policy and viewer limits (its own viewers are checked where they play).
   */
  readonly relay?: boolean;
  /** RTMP viewers: the Enhanced RTMP codecs their connect announced (codec-gate.ts checks them). */
  readonly fourCcs?: FourCcSupport;
}

interface ViewerSlot extends ViewerAdmission {
  readonly joinedAt: number;
}

/** A viewer over HTTP: an HTTP-FLV response or an HLS session (http-playback/hls-sessions.ts). */
export interface HttpViewer {
  readonly protocol: 'http-flv' | 'hls';
  close(reason: string): void;
}

/** RTMP viewers are their broadcast sinks; HTTP viewers count the same but are fed by their own code. */
export type Viewer = BroadcastSink | HttpViewer;

export function isHttpViewer(viewer: Viewer): viewer is HttpViewer {
  return 'protocol' in viewer;
}

/** One playback id on this edge: its broadcast, its publisher if live, its viewers (live or waiting). */
export class StreamEntry {
  publisher: PublisherSlot | undefined;
  readonly viewers = new Map<Viewer, ViewerSlot>();

  constructor(
    readonly playbackId: string,
    readonly broadcast: Broadcast,
  ) {}

  get isLive(): boolean {
    return this.publisher !== undefined;
  }

  /** Viewer-seconds of the current session so far (viewers count only while the stream is live). */
  viewerSeconds(now: number): number {
    const slot = this.publisher;
    if (!slot) return 0;
    let ms = slot.viewerMsClosed;
    for (const v of this.viewers.values()) ms += now - Math.max(v.joinedAt, slot.startedAt);
    return ms / 1000;
  }
}

export type ClaimResult =
  | { ok: true; entry: StreamEntry; replaced: PublisherSlot | undefined }
  | { ok: false; reason: 'already_publishing' };

export interface StreamRegistryOptions {
  createBroadcast: (playbackId: string) => Broadcast;
  /** A publisher silent for longer than this may be replaced by a new one with the same key. */
  publisherIdleTimeoutMs: number;
  /**
   * Playback ids with waiting viewers but no publisher; each costs a Broadcast, so a flood of
   * invented ids must stop somewhere.
   */
  maxWaitingStreams: number;
  /**
   * Viewers (edge-wide) waiting on streams that are not live: they are admitted before any tenant's
   * viewer limit can apply (the publisher brings it), so this caps what they can hold meanwhile.
   */
  maxWaitingViewers?: number;
  now?: () => number;
}

/**
 * Playback id → stream. Enforces one publisher per live stream (a second one is refused while the
 * first is healthy, and replaces it once the first has been silent past the idle timeout: a crashed
 * encoder or a half-open TCP connection must not lock its stream). Viewers may arrive before the
 * publisher; the Broadcast keeps them waiting until start().
 */
export class StreamRegistry {
  private readonly entries = new Map<string, StreamEntry>();
  /** Playback id → the entries its ladder's renditions are published to here (liveRenditionsOf, no scan). */
  private readonly renditionEntries = new Map<string, Set<StreamEntry>>();
  /** Drop figures of broadcasts already closed, so the metrics totals never go backwards. */
  private readonly retired = { droppedMessages: 0, slowDisconnects: 0 };
  private readonly now: () => number;

  constructor(private readonly opts: StreamRegistryOptions) {
    this.now = opts.now ?? Date.now;
  }

  get(playbackId: string): StreamEntry | undefined {
    return this.entries.get(playbackId);
  }

  all(): IterableIterator<StreamEntry> {
    return this.entries.values();
  }

  /** Streams published to this edge (pulls from other edges excluded). */
  get publisherCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.publisher && !e.publisher.relay) n += 1;
    return n;
  }

  /**
   * The live renditions of an encoder ladder (renditions.ts), in the ladder's order: each with the
   * entry it is published to. Empty when the stream has no rendition live on this edge.
   */
  liveRenditionsOf(playbackId: string): { name: string; entry: StreamEntry; grant: PublishGrant }[] {
    const found = new Map<string, { entry: StreamEntry; grant: PublishGrant }>();
    let ladderGrant: PublishGrant | undefined;
    for (const entry of this.renditionEntries.get(playbackId) ?? []) {
      const grant = entry.publisher?.grant;
      if (!grant || grant.playbackId !== playbackId || grant.rendition === undefined) continue;
      found.set(grant.rendition, { entry, grant });
      ladderGrant = grant;
    }
    if (!ladderGrant) return [];
    return ladderOf(ladderGrant).flatMap((r) => {
      const hit = found.get(r.name);
      return hit ? [{ name: r.name, ...hit }] : [];
    });
  }

  /** Media messages dropped for slow viewers and slow viewers disconnected, since start. */
  dropTotals(): { droppedMessages: number; slowDisconnects: number } {
    const totals = { ...this.retired };
    for (const e of this.entries.values()) {
      totals.droppedMessages += e.broadcast.stats.droppedMessages;
      totals.slowDisconnects += e.broadcast.stats.slowDisconnects;
    }
    return totals;
  }

  get viewerCount(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.viewers.size;
    return n;
  }

  /**
   * Makes `slot` the stream's publisher, or refuses. The replaced publisher (a takeover) is closed
   * here; the caller starts the broadcast once its own publish is confirmed. A local publisher always
   * replaces a pull (the stream has moved here); a pull never replaces anything.
   */
  claimPublisher(slot: PublisherSlot): ClaimResult {
    const playbackId = streamNameOf(slot.grant);
    const entry = this.entries.get(playbackId) ?? this.create(playbackId);
    const current = entry.publisher;
    if (current) {
      const silentFor = this.now() - current.lastMediaAt;
      const pullGivesWay = current.relay === true && slot.relay !== true;
      if (
        !pullGivesWay &&
        (slot.relay === true ||
          current.keyDigest !== slot.keyDigest ||
          silentFor <= this.opts.publisherIdleTimeoutMs)
      ) {
        return { ok: false, reason: 'already_publishing' };
      }
      // Not releasePublisher: that would drop the (empty) entry that the new publisher is taking.
      entry.publisher = undefined;
      entry.broadcast.stop();
      current.close('taken_over');
    }
    entry.publisher = slot;
    if (slot.grant.rendition !== undefined) {
      let set = this.renditionEntries.get(slot.grant.playbackId);
      if (!set) {
        set = new Set();
        this.renditionEntries.set(slot.grant.playbackId, set);
      }
      set.add(entry);
    }
    return { ok: true, entry, replaced: current };
  }

  /** The publisher left (or was replaced): waiting viewers stay, an empty entry goes. Idempotent. */
  releasePublisher(entry: StreamEntry, slot: PublisherSlot): void {
    if (entry.publisher !== slot) return;
    entry.publisher = undefined;
    const set = this.renditionEntries.get(slot.grant.playbackId);
    if (set?.delete(entry) && set.size === 0) this.renditionEntries.delete(slot.grant.playbackId);
    entry.broadcast.stop();
    this.dropIfEmpty(entry);
  }

  /** Admits a viewer (live or waiting); undefined when too many ids or viewers are waiting. */
  addViewer(playbackId: string, sink: BroadcastSink, admission: ViewerAdmission): StreamEntry | undefined {
    let entry = this.entries.get(playbackId);
    if (
      !entry?.publisher &&
      this.waitingViewerCount() >= (this.opts.maxWaitingViewers ?? Number.POSITIVE_INFINITY)
    )
      return undefined;
    if (!entry) {
      if (this.waitingCount() >= this.opts.maxWaitingStreams) return undefined;
      entry = this.create(playbackId);
    }
    entry.viewers.set(sink, { ...admission, joinedAt: this.now() });
    entry.broadcast.subscribe(sink);
    return entry;
  }

  /**
   * Counts an HTTP viewer of a live stream (viewer figures, viewer-seconds, viewer limits). It is fed by
   * its own code (a broadcast listener or the HLS rendition), not subscribed here.
   */
  addHttpViewer(entry: StreamEntry, viewer: HttpViewer, admission: ViewerAdmission): void {
    entry.viewers.set(viewer, { ...admission, joinedAt: this.now() });
  }

  removeViewer(entry: StreamEntry, sink: Viewer): void {
    const viewer = entry.viewers.get(sink);
    if (!viewer) return;
    entry.viewers.delete(sink);
    if (!isHttpViewer(sink)) entry.broadcast.unsubscribe(sink);
    if (entry.publisher) {
      entry.publisher.viewerMsClosed += this.now() - Math.max(viewer.joinedAt, entry.publisher.startedAt);
    }
    this.dropIfEmpty(entry);
  }

  /** Viewers of streams that are not live here. */
  waitingViewerCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.publisher) n += e.viewers.size;
    return n;
  }

  private waitingCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.publisher) n += 1;
    return n;
  }

  private create(playbackId: string): StreamEntry {
    const entry = new StreamEntry(playbackId, this.opts.createBroadcast(playbackId));
    this.entries.set(playbackId, entry);
    return entry;
  }

  private dropIfEmpty(entry: StreamEntry): void {
    if (entry.publisher || entry.viewers.size > 0) return;
    this.retired.droppedMessages += entry.broadcast.stats.droppedMessages;
    this.retired.slowDisconnects += entry.broadcast.stats.slowDisconnects;
    entry.broadcast.close();
    this.entries.delete(entry.playbackId);
  }
}
