import { RELAY_TOKEN_PARAM, type StreamOriginResponse } from '@tributary/contracts';
import {
  type AmfObject,
  type MediaMessage,
  type OnStatusInfo,
  type RtmpClientStream,
  StatusCode,
} from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import type { Logger } from '@tributary/service-kit';
import type { PublishGrant } from '../control-plane/publish-authorizer';
import { gateMedia } from '../streams/codec-gate';
import { playerMetadata } from '../streams/player-metadata';
import type { PublisherSlot, StreamEntry, StreamRegistry } from '../streams/stream-registry';
import { audioInfoOf, videoCodecOf, withMetadata } from '../streams/track-info';
import { OriginLookup, OriginLookupBusy } from './origin-lookup';

/** FLV TagType (FLV spec §E.4.1): 9 video. */
const VIDEO_TYPE_ID = 9;
/** Pulls are looked after (demand, linger, stalls, retries) this often. */
const SWEEP_INTERVAL_MS = 250;
/** A lost upstream is asked for again after this, doubling per failure up to RELAY_RETRY_MS. */
const FIRST_RETRY_MS = 250;
/** An origin answer is reused this long (a burst of viewers, or FCSubscribe then play, asks once). */
const ORIGIN_CACHE_MS = 1000;

export type Live = Extract<StreamOriginResponse, { live: true }>;

/** Why a pull attempt ended before or after media (the `result` label of pull starts). */
export type PullResult = 'live' | 'not_live' | 'self' | 'failed' | 'busy';

export interface RelayMetricsSink {
  pullStarted(result: PullResult): void;
  pullEnded(reason: string): void;
}

export interface RelayManagerOptions {
  registry: StreamRegistry;
  /** ApiClient.streamOrigin. */
  ask: (playbackId: string) => Promise<StreamOriginResponse>;
  /** EDGE_UPSTREAM_URL: pull every stream from this edge instead of its origin. */
  upstreamUrl: string | undefined;
  /** RTMP application URLs that are this edge (EDGE_INTERNAL_RTMP_URL, its listening address): never pulled from. */
  selfUrls: () => readonly string[];
  lingerMs: number;
  stallTimeoutMs: number;
  retryMs: number;
  maxStreams: number;
  maxLookups: number;
  /** The viewers who waited for the stream: the policy and limits of the grant now apply to them. */
  admitWaiting: (entry: StreamEntry) => void;
  metrics: RelayMetricsSink;
  logger: Logger;
  now?: () => number;
}

type PullState = 'idle' | 'resolving' | 'connecting' | 'pulling';

/** One playback id pulled (or waited for) from another edge. */
class Pull {
  state: PullState = 'idle';
  /** Last time a viewer (or a lookup on a viewer's behalf) wanted the stream. */
  lastDemandAt: number;
  nextAttemptAt = 0;
  failures = 0;
  /** Bumped on every attempt: callbacks of an abandoned attempt do nothing. */
  attempt = 0;
  client: RtmpClient | undefined;
  slot: PublisherSlot | undefined;
  entry: StreamEntry | undefined;
  /** Since the connection was made, or the last media message. */
  lastMediaAt = 0;
  upstream: string | undefined;
  origin: Live | undefined;
  liveSince = 0;
  /** When the api last said the stream is live nowhere pullable (0: it has not). */
  notLiveAt = 0;
  readonly waiters = new Set<(live: boolean) => void>();

  constructor(
    readonly playbackId: string,
    now: number,
  ) {
    this.lastDemandAt = now;
  }

  settle(live: boolean): void {
    for (const w of this.waiters) w(live);
    this.waiters.clear();
  }
}

/**
 * Origin–edge distribution (issue 11), the pulling side. A playback id with viewers here but no
 * publisher is looked up with the api; when it is live on another edge, ONE RTMP pull per id (rtmp-core's
 * client: connect and play with the relay token, FCSubscribe first) feeds the local Broadcast as a
 * local publisher would (metadata, sequence headers, GOP cache), under a grant built from the api's
 * answer, so viewers here are checked as for a local publisher. Every further viewer shares that pull.
 * While the stream is live nowhere, the api is asked again every RELAY_RETRY_MS. The pull stops
 * RELAY_LINGER_MS after its last viewer left; when its upstream goes (unpublish, close, no media for
 * RELAY_STALL_TIMEOUT_MS) viewers stay (UnpublishNotify, then PublishNotify) while the origin is
 * looked up again with backoff and pulled from wherever it now is.
 */
export class RelayManager {
  private readonly pulls = new Map<string, Pull>();
  private readonly lookup: OriginLookup;
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: RelayManagerOptions) {
    this.now = opts.now ?? Date.now;
    this.lookup = new OriginLookup({
      ask: opts.ask,
      cacheMs: ORIGIN_CACHE_MS,
      maxInFlight: opts.maxLookups,
      now: this.now,
    });
  }

  /** Pulls with media flowing. */
  get activePulls(): number {
    let n = 0;
    for (const p of this.pulls.values()) if (p.slot) n += 1;
    return n;
  }

  /** Playback ids being pulled or waited for. */
  get size(): number {
    return this.pulls.size;
  }

  start(): void {
    this.stopped = false;
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** Ends every pull (drain). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    for (const pull of [...this.pulls.values()]) this.end(pull, 'shutdown');
  }

  /**
   * A viewer wants `playbackId` (RTMP play, HTTP-FLV, HLS, FCSubscribe): start or keep its pull. No-op
   * when it is published here, or when the bound on pulled ids is reached.
   */
  demand(playbackId: string): void {
    if (this.stopped) return;
    const local = this.opts.registry.get(playbackId)?.publisher;
    if (local && !local.relay) return;
    let pull = this.pulls.get(playbackId);
    if (!pull) {
      if (this.pulls.size >= this.opts.maxStreams) return;
      pull = new Pull(playbackId, this.now());
      this.pulls.set(playbackId, pull);
    }
    pull.lastDemandAt = this.now();
    if (pull.state === 'idle' && this.now() >= pull.nextAttemptAt) void this.attempt(pull);
  }

  /**
   * Demands `playbackId` and waits (at most `timeoutMs`) until its pull brings media: true then, false
   * when it is not live anywhere (or not pullable) or the wait ran out. HTTP playback uses it for a
   * stream not live here.
   */
  waitLive(playbackId: string, timeoutMs: number): Promise<boolean> {
    this.demand(playbackId);
    const pull = this.pulls.get(playbackId);
    if (!pull) return Promise.resolve(false);
    if (pull.slot) return Promise.resolve(true);
    // Just answered "live nowhere" and not asking again yet: say so now rather than at the next retry.
    if (pull.state === 'idle' && pull.notLiveAt > 0 && this.now() < pull.nextAttemptAt)
      return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const done = (live: boolean) => {
        clearTimeout(timer);
        pull.waiters.delete(done);
        resolve(live);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      pull.waiters.add(done);
    });
  }

  /**
   * The FCSubscribe question: is `playbackId` live here or on another edge? (A live answer also
   * starts the pull: the play follows.)
   */
  async isLiveAnywhere(playbackId: string): Promise<boolean> {
    const entry = this.opts.registry.get(playbackId);
    if (entry?.publisher) return true;
    let answer: StreamOriginResponse;
    try {
      answer = await this.lookup.lookup(playbackId);
    } catch {
      return false;
    }
    if (!answer.live || answer.isSelf) return false;
    this.demand(playbackId);
    return true;
  }

  /**
   * The grant of a stream live on another edge (from the api's answer, cached a moment), so a viewer
   * here is checked against its policy and limits at play time, as for a local publisher. undefined
   * when it is live nowhere else, or the api cannot say.
   */
  async grantOf(playbackId: string): Promise<PublishGrant | undefined> {
    try {
      const answer = await this.lookup.lookup(playbackId);
      return answer.live && !answer.isSelf ? grantFrom(answer) : undefined;
    } catch {
      return undefined;
    }
  }

  /** One round: new demand from waiting viewers, lingering and stalled pulls, retries due. */
  sweep(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const entry of this.opts.registry.all()) {
      if (!entry.publisher && entry.viewers.size > 0 && !this.pulls.has(entry.playbackId))
        this.demand(entry.playbackId);
    }
    for (const pull of [...this.pulls.values()]) {
      const entry = this.opts.registry.get(pull.playbackId);
      const publisher = entry?.publisher;
      if (publisher && !publisher.relay) {
        this.end(pull, 'published_here');
        continue;
      }
      if ((entry?.viewers.size ?? 0) > 0) pull.lastDemandAt = now;
      if (now - pull.lastDemandAt > this.opts.lingerMs) {
        this.end(pull, 'no_viewers');
        continue;
      }
      if (pull.state === 'pulling' && now - pull.lastMediaAt > this.opts.stallTimeoutMs) {
        this.lose(pull, 'stalled');
        continue;
      }
      if (pull.state === 'idle' && now >= pull.nextAttemptAt) void this.attempt(pull);
    }
  }

  private async attempt(pull: Pull): Promise<void> {
    const attempt = ++pull.attempt;
    pull.state = 'resolving';
    let answer: StreamOriginResponse;
    try {
      answer = await this.lookup.lookup(pull.playbackId, { fresh: pull.failures > 0 });
    } catch (err) {
      if (attempt !== pull.attempt) return;
      const busy = err instanceof OriginLookupBusy;
      this.opts.metrics.pullStarted(busy ? 'busy' : 'failed');
      if (!busy)
        this.opts.logger.warn(
          { playbackId: pull.playbackId, err: errorText(err) },
          'relay origin lookup failed',
        );
      this.retryLater(pull, busy ? FIRST_RETRY_MS : this.backoff(pull));
      return;
    }
    if (attempt !== pull.attempt || this.stopped) return;
    const upstream = answer.live ? this.upstreamFor(answer) : undefined;
    if (!answer.live || upstream === undefined) {
      this.opts.metrics.pullStarted(answer.live ? 'self' : 'not_live');
      pull.notLiveAt = this.now();
      pull.settle(false);
      this.retryLater(pull, this.opts.retryMs);
      return;
    }
    pull.notLiveAt = 0;
    await this.connect(pull, attempt, answer, upstream);
  }

  private async connect(pull: Pull, attempt: number, origin: Live, upstream: string): Promise<void> {
    pull.state = 'connecting';
    pull.upstream = upstream;
    pull.origin = origin;
    const token = encodeURIComponent(origin.relayToken);
    const url = new URL(upstream);
    url.searchParams.set(RELAY_TOKEN_PARAM, origin.relayToken);
    const log = this.opts.logger.child({
      playbackId: pull.playbackId,
      upstream: `${url.host}${url.pathname}`,
      originEdgeId: origin.origin.edgeId,
    });
    const client = new RtmpClient({
      url: url.toString(),
      timeoutMs: this.opts.stallTimeoutMs,
      flashVer: 'FMLE/3.0 (compatible; Tributary relay)',
    });
    pull.client = client;
    const current = () => attempt === pull.attempt && pull.client === client;
    client.on('close', () => {
      if (current()) this.lose(pull, 'upstream_closed');
    });
    const name = `${pull.playbackId}?${RELAY_TOKEN_PARAM}=${token}`;
    try {
      await client.connect();
      const stream = await client.createStream();
      const subscribed = await client.fcSubscribe(name);
      if (!current()) return;
      if (subscribed.code !== StatusCode.PlayStart) {
        // The upstream does not have it (the api was a moment ahead or behind): ask again shortly.
        this.opts.metrics.pullStarted('not_live');
        log.info({ code: subscribed.code }, 'relay upstream has no such stream yet');
        this.drop(pull, client);
        this.retryLater(pull, this.backoff(pull));
        return;
      }
      this.wire(pull, attempt, client, stream, origin, log);
      pull.lastMediaAt = this.now();
      pull.state = 'pulling';
      await client.play(name, { stream });
    } catch (err) {
      if (!current()) return;
      this.opts.metrics.pullStarted('failed');
      log.warn({ err: errorText(err) }, 'relay pull failed');
      this.drop(pull, client);
      this.retryLater(pull, this.backoff(pull));
    }
  }

  /** Media, metadata and status of the upstream play, into the local broadcast. */
  private wire(
    pull: Pull,
    attempt: number,
    client: RtmpClient,
    stream: RtmpClientStream,
    origin: Live,
    log: Logger,
  ): void {
    const current = () => attempt === pull.attempt && pull.client === client;
    const title = origin.eventTitle;
    const own: AmfObject = title === null ? {} : { title };
    stream.on('media', (msg: MediaMessage) => {
      if (!current()) return;
      const slot = pull.slot ?? this.goLive(pull, origin, log);
      if (!slot || !pull.entry) return;
      const now = this.now();
      pull.lastMediaAt = now;
      slot.lastMediaAt = now;
      if (msg.typeId === VIDEO_TYPE_ID) slot.video ??= trackOf(videoCodecOf(msg.payload));
      else slot.audio ??= audioInfoOf(msg.payload);
      // As for a local publisher: RTMP viewers here that did not announce a new Ex codec are cut first.
      gateMedia(slot, pull.entry, msg, this.opts.registry);
      pull.entry.broadcast.pushMedia(msg);
    });
    stream.on('metadata', (meta: AmfObject, timestamp: number) => {
      if (!current()) return;
      const slot = pull.slot ?? this.goLive(pull, origin, log);
      if (!slot || !pull.entry) return;
      const safe = playerMetadata(meta, own);
      Object.assign(slot, withMetadata(slot.video, slot.audio, safe));
      pull.entry.broadcast.setMetadata(safe, timestamp);
    });
    stream.on('status', (info: OnStatusInfo) => {
      if (!current()) return;
      if (info.code === StatusCode.PlayUnpublishNotify) this.lose(pull, 'unpublished');
      else if (info.level === 'error') this.lose(pull, 'upstream_refused');
    });
  }

  /** The first media of a pull: it becomes the stream's publisher here. */
  private goLive(pull: Pull, origin: Live, log: Logger): PublisherSlot | undefined {
    const now = this.now();
    const grant = grantFrom(origin);
    const slot: PublisherSlot = {
      connId: `relay:${pull.playbackId}`,
      keyDigest: 'relay',
      grant,
      startedAt: now,
      lastMediaAt: now,
      video: null,
      audio: null,
      bytesOutAtStart: 0,
      httpBytesOut: 0,
      viewerMsClosed: 0,
      relay: true,
      // Revocation, or a local publisher taking the stream over.
      close: (reason) => this.end(pull, reason),
    };
    const claim = this.opts.registry.claimPublisher(slot);
    if (!claim.ok) {
      // Published here meanwhile: the local publisher has it.
      this.end(pull, 'published_here');
      return undefined;
    }
    slot.bytesOutAtStart = claim.entry.broadcast.stats.bytesOut;
    pull.slot = slot;
    pull.entry = claim.entry;
    pull.failures = 0;
    pull.liveSince = now;
    this.opts.admitWaiting(claim.entry);
    claim.entry.broadcast.start();
    if (origin.eventTitle !== null) claim.entry.broadcast.setMetadata({ title: origin.eventTitle });
    this.opts.metrics.pullStarted('live');
    log.info(
      {
        tenantId: origin.tenantId,
        liveStreamId: origin.liveStreamId,
        viaUpstream: pull.upstream !== origin.origin.rtmpUrl,
      },
      'relay pull started',
    );
    pull.settle(true);
    return slot;
  }

  /** The upstream went away: viewers stay, the origin is looked up again with backoff. */
  private lose(pull: Pull, reason: string): void {
    const wasLive = pull.slot !== undefined;
    this.release(pull, reason);
    this.lookup.forget(pull.playbackId);
    if (wasLive) pull.failures = 0;
    this.retryLater(pull, this.backoff(pull));
  }

  /** Ends a pull for good (no viewers, published here, revoked, shutdown). */
  private end(pull: Pull, reason: string): void {
    if (this.pulls.get(pull.playbackId) !== pull) return;
    this.pulls.delete(pull.playbackId);
    pull.attempt += 1;
    this.release(pull, reason);
    pull.settle(false);
  }

  private release(pull: Pull, reason: string): void {
    const { client, slot, entry } = pull;
    pull.attempt += 1;
    pull.client = undefined;
    pull.slot = undefined;
    pull.entry = undefined;
    pull.state = 'idle';
    client?.close();
    if (slot && entry) {
      this.opts.registry.releasePublisher(entry, slot);
      this.opts.metrics.pullEnded(reason);
      this.opts.logger.info(
        {
          playbackId: pull.playbackId,
          reason,
          upstream: pull.upstream,
          seconds: Math.round((this.now() - pull.liveSince) / 1000),
        },
        'relay pull stopped',
      );
    }
  }

  private drop(pull: Pull, client: RtmpClient): void {
    if (pull.client === client) pull.client = undefined;
    pull.state = 'idle';
    client.close();
  }

  private retryLater(pull: Pull, ms: number): void {
    pull.state = 'idle';
    pull.failures += 1;
    pull.nextAttemptAt = this.now() + ms;
  }

  private backoff(pull: Pull): number {
    return Math.min(FIRST_RETRY_MS * 2 ** pull.failures, this.opts.retryMs);
  }

  /** Where to pull from: the mid-tier when one is set, else the origin; never this edge itself. */
  private upstreamFor(answer: Live): string | undefined {
    if (answer.isSelf) return undefined;
    const self = new Set(this.opts.selfUrls().map(hostOf));
    const up = this.opts.upstreamUrl;
    if (up !== undefined && !self.has(hostOf(up))) return up;
    if (self.has(hostOf(answer.origin.rtmpUrl))) return undefined;
    return answer.origin.rtmpUrl;
  }
}

/** The viewer-side facts of the api's answer, as the grant a local publisher would bring. */
function grantFrom(origin: Live): PublishGrant {
  return {
    allowed: true,
    tenantId: origin.tenantId,
    liveStreamId: origin.liveStreamId,
    playbackId: origin.playbackId,
    playbackPolicy: origin.playbackPolicy,
    record: false,
    eventTitle: origin.eventTitle,
    maxViewers: origin.maxViewers,
    cacheTtlSeconds: 0,
    // A ladder's rendition (`<playbackId>_<rendition>`): registered under that name, its ladder known here.
    ...(origin.renditionSource === undefined
      ? {}
      : { renditionSource: origin.renditionSource, renditions: origin.renditions }),
    ...(origin.rendition === undefined ? {} : { rendition: origin.rendition }),
  };
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname.toLowerCase()}:${u.port || '1935'}`;
  } catch {
    return url;
  }
}

function trackOf(codec: string | null) {
  return codec === null ? null : { codec, width: null, height: null, frameRate: null };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
