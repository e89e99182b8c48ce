import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import {
  Broadcast,
  type ConnectRequest,
  type HookDecision,
  RateLimitedLogger,
  type RtmpServerConnection,
  type ServerConnection,
  StatusCode,
} from '@tributary/rtmp-core';
import { RtmpServer, SocketTransport } from '@tributary/rtmp-core/node';
import type { Logger } from '@tributary/service-kit';
import { signInAppUrl, withoutExchange } from './auth/adobe-auth';
import { AdobeAuthenticator } from './auth/adobe-authenticator';
import { Authorizer } from './auth/authorizer';
import { FailureThrottle } from './auth/failure-throttle';
import type { EdgeConfig } from './config';
import { ApiClient } from './control-plane/api-client';
import { ControlFeedFollower } from './control-plane/control-feed';
import { Heartbeat } from './control-plane/heartbeat';
import { PlaybackKeyStore } from './control-plane/playback-keys';
import { PublishAuthorizer } from './control-plane/publish-authorizer';
import { Revocations } from './control-plane/revocations';
import { EdgeMetrics } from './http/edge-metrics';
import { EdgeHttpServer } from './http/http-server';
import { HttpPlayback } from './http-playback/http-playback';
import { selfBaseFromHost, withApp } from './http-playback/smil-route';
import { EgressMeter } from './lb/capacity';
import { clientUrlOf, redirectUrl } from './lb/choose-edge';
import { LoadBalancer } from './lb/load-balancer';
import { Recordings } from './recording/flv-recorder';
import { RecordingUploader } from './recording/recording-uploader';
import { RelayManager } from './relay/relay-manager';
import { relayConnect, verifyRelayToken } from './relay/relay-token';
import { ConnectionsPerIp } from './rtmp/connections-per-ip';
import { PlayHandler } from './rtmp/play-handler';
import { PublishHandler } from './rtmp/publish-handler';
import { RtmpsListener } from './rtmps/rtmps-listener';
import { EdgeRtmpt } from './rtmpt/edge-rtmpt';
import { StreamRegistry } from './streams/stream-registry';
import { admitWaitingViewers } from './streams/waiting-viewers';
import { FrameGrabber, registerFrameGrabberMetrics } from './thumbnails/frame-grabber';
import { LiveThumbnails } from './thumbnails/live-thumbnails';
import { Transcoder } from './transcode/transcoder';
import { RtmpVodPlayer } from './vod/rtmp-vod-player';
import { VodPlayback } from './vod/vod-playback';

/** How often silent publishers are looked for; a quarter of a second keeps the takeover of a silent publisher
 * well inside 10 s (docs/reliability.md: duplicate-publisher). */
const IDLE_SWEEP_INTERVAL_MS = 250;
/** A recording whose writes queue past this (the disk does not keep up) is ended; the stream goes on. */
const RECORDING_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** A recording hand-over that makes no progress for this long is retried later. */
const RECORDING_UPLOAD_IDLE_MS = 60_000;
const RECORDING_RETRY_MS = 5_000;
/** Waiting (not yet live) playback ids with viewers; see StreamRegistryOptions.maxWaitingStreams. */
const MAX_WAITING_STREAMS = 10_000;
/**
 * An HTTP-FLV or HLS request for a stream live on another edge waits this long for its pull to bring
 * media (an api lookup and an RTMP connect); HLS then waits for its first segment, all below hls.js's
 * 10 s manifest timeout.
 */
const HTTP_PULL_WAIT_MS = 5000;
/** Live streams whose thumbnails are kept (each at most THUMBNAIL_MAX_BYTES). */
const LIVE_THUMBNAIL_MAX_ENTRIES = 256;

export type EdgeOptions = Omit<EdgeConfig, 'LOG_LEVEL' | 'LOG_FORMAT'>;

export interface EdgeAddresses {
  rtmp: AddressInfo;
  http: AddressInfo;
  /** With RTMPS_CERT_FILE and RTMPS_KEY_FILE set. */
  rtmps?: AddressInfo;
}

/**
 * The edge: RTMP ingest and playback on rtmp-core, authorised by the control plane, observable over
 * HTTP. One instance per process (main.ts); tests start it in-process on port 0.
 */
export class Edge {
  readonly metrics: EdgeMetrics;
  readonly registry: StreamRegistry;
  private readonly api: ApiClient;
  private readonly keys: PlaybackKeyStore;
  private readonly feed: ControlFeedFollower;
  private readonly rtmp: RtmpServer;
  private readonly http: EdgeHttpServer;
  /** RTMPT (rtmpt/): RTMP sessions tunnelled through the HTTP port; undefined with RTMPT_ENABLED off. */
  readonly rtmpt: EdgeRtmpt | undefined;
  private readonly heartbeat: Heartbeat;
  readonly playback: HttpPlayback;
  /** On-demand HLS (issue 12): assets read through the api, cached in bounded blocks (vod/). */
  readonly vod: VodPlayback;
  /** On-demand RTMP (issue 12): rtmp://<edge>/<VOD_APP>/<playbackId>, paced from one shared tick (vod/). */
  readonly vodRtmp: RtmpVodPlayer;
  private readonly publishing: PublishHandler;
  private readonly recordingUploader: RecordingUploader;
  private readonly closedTotals = { bytesIn: 0, bytesOut: 0 };
  private readonly playing: PlayHandler;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly connectionsPerIp: ConnectionsPerIp;
  /** Distribution (issue 11): pulls of streams live on other edges; undefined with RELAY_ENABLED off. */
  readonly relay: RelayManager | undefined;
  /** `transcode` ladders (transcode/), when TRANSCODE_ENABLED. */
  readonly transcoder: Transcoder | undefined;
  /** This edge's own RTMP application URLs (never pulled from): the internal one, then the bound address. */
  private readonly selfUrls: string[] = [];
  private ready = false;
  /** Load balancing (issue 11): capacity, draining and the fleet to redirect to (lb/). */
  readonly lb: LoadBalancer;
  private rtmpPort = 0;
  /** FMLE publish authentication (authmod=adobe): the connect-time exchange, identities for publish. */
  private readonly adobe: AdobeAuthenticator;
  /** RTMPS (rtmps/): TLS in front of the same RTMP server; made in start() (a bad certificate is a start-up error). */
  private rtmps: RtmpsListener | undefined;

  constructor(
    private readonly cfg: EdgeOptions,
    private readonly logger: Logger,
  ) {
    this.api = new ApiClient({
      baseUrl: cfg.EDGE_API_URL,
      token: cfg.EDGE_API_TOKEN,
      timeoutMs: cfg.API_TIMEOUT_MS,
      maxResponseBytes: cfg.API_MAX_RESPONSE_BYTES,
    });
    this.keys = new PlaybackKeyStore({
      fetchPage: (after) => this.api.playbackKeys(after),
      fetchOne: (kid) => this.api.playbackKey(kid),
      onError: (err, during) =>
        logger.warn(
          { err: errorText(err), during },
          'playback keys from the api failed; keeping the known set',
        ),
    });
    const publish = new PublishAuthorizer({
      ask: (req) => this.api.authorizePublish(req),
      maxCacheTtlSeconds: cfg.AUTH_CACHE_MAX_TTL_SECONDS,
      staleIfErrorSeconds: cfg.AUTH_STALE_IF_ERROR_SECONDS,
      maxPending: cfg.AUTH_MAX_PENDING,
    });
    // One brake for every credential: wrong stream keys, tokens and authmod passwords count together.
    const throttle = new FailureThrottle(cfg.AUTH_FAILURES_BEFORE_DELAY);
    const authorizer = new Authorizer({
      app: cfg.RTMP_APP,
      publish,
      keys: this.keys,
      throttle,
      maxViewersPerStream: cfg.MAX_VIEWERS_PER_STREAM,
      authApp: cfg.RTMP_AUTH_APP,
    });
    this.adobe = new AdobeAuthenticator({
      authApp: cfg.RTMP_AUTH_APP,
      app: cfg.RTMP_APP,
      challenge: (req) => this.api.publishAuthChallenge(req),
      verify: (req) => this.api.publishAuthVerify(req),
      throttle,
    });
    this.registry = new StreamRegistry({
      createBroadcast: (playbackId) =>
        new Broadcast({
          name: playbackId,
          // Rate-limited like a connection's lines: its viewers' comings and goings are theirs to cause.
          logger: RateLimitedLogger.wrap(logger.child({ playbackId }), {
            burst: cfg.RTMP_LOG_BURST,
            perSecond: cfg.RTMP_LOG_LINES_PER_SECOND,
          }),
          maxQueueBytes: cfg.VIEWER_QUEUE_MAX_BYTES,
          maxLagMs: cfg.VIEWER_MAX_LAG_MS,
          coalesce: cfg.FANOUT_COALESCE,
          mergeWriteMs: cfg.FANOUT_MERGE_WRITE_MS,
          maxHoldMs: cfg.FANOUT_MAX_HOLD_MS,
          audioHoldMs: cfg.FANOUT_AUDIO_HOLD_MS,
          switchHoldMs: cfg.RENDITION_SWITCH_HOLD_MS,
        }),
      publisherIdleTimeoutMs: cfg.PUBLISHER_IDLE_TIMEOUT_MS,
      maxWaitingStreams: MAX_WAITING_STREAMS,
      maxWaitingViewers: cfg.MAX_WAITING_VIEWERS,
    });
    this.connectionsPerIp = new ConnectionsPerIp(cfg.MAX_CONNECTIONS_PER_IP);
    this.lb = new LoadBalancer({
      limits: {
        maxViewers: cfg.EDGE_MAX_VIEWERS,
        maxEgressBps: cfg.EDGE_MAX_EGRESS_MBPS === undefined ? undefined : cfg.EDGE_MAX_EGRESS_MBPS * 1e6,
      },
      region: cfg.EDGE_REGION,
      // On-demand RTMP viewers take capacity like live ones (EDGE_MAX_VIEWERS, the fleet's choice).
      viewers: () => this.registry.viewerCount + this.vodRtmp.viewers,
      egress: new EgressMeter(() => this.liveBytes('bytesOut') + this.playback.stats.bytesSent),
      // An answer is at most one interval old; past three missed answers the api has us unhealthy anyway.
      fleetMaxAgeMs: () => 3 * this.heartbeat.interval * 1000,
    });
    this.metrics = new EdgeMetrics({
      ready: () => this.ready,
      connections: () => this.rtmp.connections.size,
      publishers: () => this.registry.publisherCount,
      viewers: () => this.registry.viewerCount,
      bytesIn: () => this.liveBytes('bytesIn'),
      bytesOut: () => this.liveBytes('bytesOut'),
      droppedMessages: () => this.registry.dropTotals().droppedMessages,
      slowViewerDisconnects: () => this.registry.dropTotals().slowDisconnects,
      httpBytesOut: () => this.playback.stats.bytesSent,
      hlsRenditions: () => this.playback.renditionCount,
      flvDroppedMessages: () => this.playback.stats.flvDroppedMessages,
      flvSlowDisconnects: () => this.playback.stats.flvSlowDisconnects,
    });
    const revocations = new Revocations({
      registry: this.registry,
      publish,
      keys: this.keys,
      closeHls: (playbackId) => this.playback.revoke(playbackId),
      checkLiveStreams: (ids) => this.api.liveStreamChecks(ids),
      logger: logger.child({ component: 'control-feed' }),
      metrics: this.metrics,
    });
    this.feed = new ControlFeedFollower({
      changes: (after, waitSeconds) => this.api.changes(after, waitSeconds),
      apply: (events) => revocations.apply(events),
      resync: () => revocations.resync(),
      waitSeconds: cfg.CONTROL_FEED_WAIT_SECONDS,
      logger: logger.child({ component: 'control-feed' }),
    });
    const isVod = (conn: ServerConnection) => conn.connectRequest?.app === cfg.VOD_APP;
    this.rtmp = new RtmpServer({
      // rtmp-core logs a fingerprint of publishing names (stream keys), never the names or tokens.
      logger,
      handshakeTimeoutMs: cfg.HANDSHAKE_TIMEOUT_MS,
      idleTimeoutMs: cfg.CONNECTION_IDLE_TIMEOUT_MS,
      commandRate: { perSecond: cfg.RTMP_COMMANDS_PER_SECOND, burst: cfg.RTMP_COMMAND_BURST },
      maxWriteBufferBytes: cfg.RTMP_MAX_WRITE_BUFFER_BYTES,
      // A viewer whose backlog is past its media queue bound is not reading: its commands wait too.
      readPauseBytes: cfg.VIEWER_QUEUE_MAX_BYTES,
      logRate: { burst: cfg.RTMP_LOG_BURST, perSecond: cfg.RTMP_LOG_LINES_PER_SECOND },
      hooks: {
        onConnect: (conn, req) => {
          // On demand: players only (no authmod exchange); each play is admitted like asset HLS.
          if (req.app === cfg.VOD_APP) return this.balanceConnect(req);
          const verdict = authorizer.authorizeConnect(req.app);
          return verdict.allow
            ? this.authenticateConnect(conn, req)
            : { allow: false, code: verdict.code, description: verdict.description };
        },
        onPublish: (stream, req) =>
          isVod(stream.connection)
            ? { allow: false, code: StatusCode.PublishDenied, description: `Publish to /${cfg.RTMP_APP}.` }
            : this.publishing.authorize(stream, req),
        onPlay: (stream, req) =>
          isVod(stream.connection)
            ? this.vodRtmp.authorize(stream, req)
            : this.playing.authorize(stream, req),
        onStreamLength: (conn, req) => (isVod(conn) ? this.vodRtmp.streamLength(conn, req) : 0),
        // Live subscription: live here, or (with distribution) anywhere in the fleet.
        onSubscribe: (_conn, req) =>
          this.relay
            ? this.relay.isLiveAnywhere(req.name)
            : this.registry.get(req.name)?.publisher !== undefined,
      },
    });
    // Recording (issue 12): sessions of streams with `record` on are written here, then handed to the api.
    const recordings = new Recordings({
      dir: cfg.RECORDINGS_DIR,
      maxBytes: cfg.RECORDING_MAX_BYTES,
      maxQueuedBytes: RECORDING_MAX_QUEUED_BYTES,
      logger: logger.child({ component: 'recording' }),
      metrics: this.metrics.registry,
    });
    this.recordingUploader = new RecordingUploader({
      recordings,
      upload: (query, file) => this.api.uploadRecording(query, file, RECORDING_UPLOAD_IDLE_MS),
      logger: logger.child({ component: 'recording' }),
      metrics: this.metrics.registry,
      retryMs: RECORDING_RETRY_MS,
    });
    const waitingContext = {
      authorizer,
      registry: this.registry,
      metrics: this.metrics,
      maxViewersPerStream: cfg.MAX_VIEWERS_PER_STREAM,
    };
    this.transcoder = cfg.TRANSCODE_ENABLED
      ? new Transcoder({
          registry: this.registry,
          spawn: (args, outputs) =>
            spawn(cfg.TRANSCODE_FFMPEG_PATH, args, {
              stdio: ['pipe', 'ignore', 'pipe', ...Array.from({ length: outputs }, () => 'pipe' as const)],
            }),
          preset: cfg.TRANSCODE_PRESET,
          threads: cfg.TRANSCODE_THREADS,
          gopSeconds: cfg.TRANSCODE_GOP_SECONDS,
          maxStreams: cfg.TRANSCODE_MAX_STREAMS,
          maxInputBufferBytes: cfg.VIEWER_QUEUE_MAX_BYTES,
          restartMinMs: 500,
          restartMaxMs: 10_000,
          admitWaiting: (entry) => admitWaitingViewers(entry, waitingContext),
          logger: logger.child({ component: 'transcoder' }),
        })
      : undefined;
    this.publishing = new PublishHandler({
      transcoder: this.transcoder,
      authorizer,
      maxViewersPerStream: cfg.MAX_VIEWERS_PER_STREAM,
      registry: this.registry,
      api: this.api,
      metrics: this.metrics,
      statsIntervalMs: cfg.STATS_INTERVAL_SECONDS * 1000,
      logger,
      recording: { recordings, uploader: this.recordingUploader },
      identityOf: (conn) => this.adobe.identityOf(conn),
    });
    // Distribution (issue 11): streams live on other edges are pulled from there (relay/).
    if (cfg.EDGE_INTERNAL_RTMP_URL !== undefined) this.selfUrls.push(cfg.EDGE_INTERNAL_RTMP_URL);
    this.relay = cfg.RELAY_ENABLED
      ? new RelayManager({
          registry: this.registry,
          ask: (playbackId) => this.api.streamOrigin(playbackId),
          upstreamUrl: cfg.EDGE_UPSTREAM_URL,
          selfUrls: () => this.selfUrls,
          lingerMs: cfg.RELAY_LINGER_MS,
          stallTimeoutMs: cfg.RELAY_STALL_TIMEOUT_MS,
          retryMs: cfg.RELAY_RETRY_MS,
          maxStreams: cfg.RELAY_MAX_STREAMS,
          maxLookups: cfg.RELAY_MAX_LOOKUPS,
          admitWaiting: (entry) =>
            admitWaitingViewers(entry, {
              authorizer,
              registry: this.registry,
              metrics: this.metrics,
              maxViewersPerStream: cfg.MAX_VIEWERS_PER_STREAM,
            }),
          metrics: {
            pullStarted: (result) => this.metrics.relayPullStarts.inc({ result }),
            pullEnded: (reason) => this.metrics.relayPullsEnded.inc({ reason }),
          },
          logger: logger.child({ component: 'relay' }),
        })
      : undefined;
    const relay = this.relay;
    if (relay) this.metrics.relayActivePulls = () => relay.activePulls;
    this.playing = new PlayHandler({
      authorizer,
      registry: this.registry,
      metrics: this.metrics,
      maxViewersPerStream: cfg.MAX_VIEWERS_PER_STREAM,
      verifyRelay: (token, playbackId) =>
        verifyRelayToken(token, playbackId, (kid) => this.keys.resolve(kid)),
      onWaiting: relay ? (playbackId) => relay.demand(playbackId) : undefined,
      fleetGrant: relay ? (playbackId) => relay.grantOf(playbackId) : undefined,
    });
    this.rtmp.on('connection', (conn: RtmpServerConnection) => this.admitConnection(conn));
    this.rtmp.on('publish', (stream) => this.publishing.started(stream));
    this.rtmp.on('play', (stream) =>
      stream.recorded !== null ? this.vodRtmp.started(stream) : this.playing.started(stream),
    );
    this.rtmp.on('close', (conn: RtmpServerConnection) => {
      this.closedTotals.bytesIn += conn.stats.bytesIn;
      this.closedTotals.bytesOut += conn.stats.bytesOut;
    });
    // Thumbnails and posters (thumbnails/): one bounded ffmpeg pool for the edge.
    const frames = cfg.THUMBNAILS_ENABLED
      ? new FrameGrabber({
          ffmpegPath: cfg.THUMBNAIL_FFMPEG_PATH,
          decoders: cfg.THUMBNAIL_DECODERS,
          maxQueued: cfg.THUMBNAIL_QUEUE,
          timeoutMs: cfg.THUMBNAIL_TIMEOUT_MS,
          maxBytes: cfg.THUMBNAIL_MAX_BYTES,
          maxWidth: cfg.THUMBNAIL_WIDTH,
          logger: logger.child({ component: 'thumbnails' }),
        })
      : undefined;
    if (frames) registerFrameGrabberMetrics(this.metrics.registry, frames);
    this.playback = new HttpPlayback({
      authorizer,
      thumbnails: frames
        ? new LiveThumbnails({
            grabber: frames,
            refreshMs: cfg.THUMBNAIL_REFRESH_SECONDS * 1000,
            maxEntries: LIVE_THUMBNAIL_MAX_ENTRIES,
          })
        : undefined,
      registry: this.registry,
      metrics: this.metrics,
      hls: {
        format: cfg.HLS_FORMAT,
        targetDurationMs: cfg.HLS_TARGET_DURATION_MS,
        windowSize: cfg.HLS_WINDOW_SEGMENTS,
        partTargetMs: cfg.HLS_LOW_LATENCY ? cfg.HLS_PART_TARGET_MS : undefined,
        idleTimeoutMs: cfg.HLS_IDLE_TIMEOUT_SECONDS * 1000,
        sessionWindowMs: cfg.HLS_VIEWER_WINDOW_SECONDS * 1000,
      },
      flv: {
        maxQueueBytes: cfg.VIEWER_QUEUE_MAX_BYTES,
        maxLagMs: cfg.VIEWER_MAX_LAG_MS,
        // the RTMP viewers' write policy (above), so both protocols add the same latency
        writes: {
          coalesce: cfg.FANOUT_COALESCE,
          mergeWriteMs: cfg.FANOUT_MERGE_WRITE_MS,
          maxHoldMs: cfg.FANOUT_MAX_HOLD_MS,
          audioHoldMs: cfg.FANOUT_AUDIO_HOLD_MS,
        },
      },
      pullFromFleet: relay ? (playbackId) => relay.waitLive(playbackId, HTTP_PULL_WAIT_MS) : undefined,
      fleetGrant: relay ? (playbackId) => relay.grantOf(playbackId) : undefined,
      transcoding: (playbackId) => this.transcoder?.isTranscoding(playbackId) === true,
      smil: {
        baseFor: (req, region) =>
          this.lb.smilBase(
            cfg.EDGE_PUBLIC_RTMP_URL ?? selfBaseFromHost(req.headers.host, this.rtmpPort, cfg.RTMP_APP),
            region,
          ),
      },
      logger: logger.child({ component: 'http-playback' }),
    });
    // On demand (vod/): every asset plays from every edge, its file read by range through the api.
    this.vod = new VodPlayback({
      authorizer,
      lookup: (playbackId) => this.api.asset(playbackId),
      readRange: (playbackId, offset, length) => this.api.assetRange(playbackId, offset, length),
      cacheBytes: cfg.VOD_CACHE_BYTES,
      segmentTargetMs: cfg.VOD_SEGMENT_TARGET_MS,
      // The live SMIL's choice of edge, naming its on-demand application instead of the live one.
      smilBase: (req) =>
        withApp(
          this.lb.smilBase(
            cfg.EDGE_PUBLIC_RTMP_URL ?? selfBaseFromHost(req.headers.host, this.rtmpPort, cfg.RTMP_APP),
          ),
          cfg.VOD_APP,
        ),
      metrics: this.metrics.registry,
      frames,
      logger: logger.child({ component: 'vod' }),
    });
    this.vodRtmp = new RtmpVodPlayer({
      vod: this.vod,
      tickMs: cfg.VOD_RTMP_TICK_MS,
      minBufferMs: cfg.VOD_RTMP_MIN_BUFFER_MS,
      marginMs: cfg.VOD_RTMP_MARGIN_MS,
      metrics: this.metrics.registry,
      logger: logger.child({ component: 'vod-rtmp' }),
    });
    // Each RTMPT session is one more connection of the same RTMP server: same hooks, caps and limits.
    this.rtmpt = cfg.RTMPT_ENABLED
      ? new EdgeRtmpt(cfg, (t) => this.rtmp.accept(t), this.metrics.registry, logger)
      : undefined;
    this.http = new EdgeHttpServer({
      metrics: this.metrics.registry,
      // Readiness reflects capacity: a balancer in front (a Service, DNS health checks) skips a full edge.
      isReady: () => this.ready && this.lb.hasRoom,
      playback: this.playback,
      vod: this.vod,
      rtmpt: this.rtmpt,
      maxConnections: cfg.MAX_CONNECTIONS,
    });
    this.heartbeat = new Heartbeat({
      api: this.api,
      version: cfg.EDGE_VERSION,
      internalRtmpUrl: cfg.EDGE_INTERNAL_RTMP_URL,
      initialIntervalSeconds: cfg.HEARTBEAT_INTERVAL_SECONDS,
      logger,
      onFleet: (fleet) => this.lb.setFleet(fleet),
      read: () => ({
        maxViewers: cfg.EDGE_MAX_VIEWERS ?? null,
        rtmpsUrl: cfg.EDGE_PUBLIC_RTMPS_URL,
        egressBps: Math.round(this.lb.egressBps()),
        draining: this.lb.draining,
        connections: this.rtmp.connections.size,
        publishers: this.registry.publisherCount,
        viewers: this.registry.viewerCount + this.vodRtmp.viewers,
        bytesInTotal: this.liveBytes('bytesIn'),
        bytesOutTotal: this.liveBytes('bytesOut') + this.playback.stats.bytesSent,
      }),
    });
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Reloads the playback keys now (the control feed keeps them current on its own). */
  async refreshPlaybackKeys(): Promise<void> {
    await this.keys.sync();
  }

  /** Listens on both ports, loads the playback keys and registers with the api (an api outage is not fatal). */
  async start(): Promise<EdgeAddresses> {
    const http = await this.http.listen(this.cfg.HTTP_PORT, this.cfg.HTTP_HOST);
    // Takes the feed's head cursor and loads the key set, then follows the feed in the background.
    await this.feed.start();
    const rtmp = await this.rtmp.listen(this.cfg.RTMP_PORT, this.cfg.RTMP_HOST);
    this.rtmpPort = rtmp.port;
    const rtmps = await this.startRtmps();
    this.selfUrls.push(`rtmp://${hostForUrl(rtmp.address)}:${rtmp.port}/${this.cfg.RTMP_APP}`);
    this.relay?.start();
    this.playback.start();
    this.vodRtmp.start();
    this.rtmpt?.start();
    void this.heartbeat.start();
    // Hands over what an earlier run recorded and did not (a crash, an api outage), then new ones.
    void this.recordingUploader.start();
    this.sweepTimer = setInterval(
      () => this.publishing.sweepIdle(this.cfg.PUBLISHER_IDLE_TIMEOUT_MS),
      IDLE_SWEEP_INTERVAL_MS,
    );
    this.sweepTimer.unref();
    this.ready = true;
    this.logger.info(
      {
        rtmp: `${rtmp.address}:${rtmp.port}`,
        rtmps: rtmps === undefined ? undefined : `${rtmps.address}:${rtmps.port}`,
        http: `${http.address}:${http.port}`,
        app: this.cfg.RTMP_APP,
      },
      'edge ready',
    );
    return { rtmp, http, rtmps };
  }

  /** RTMPS when a certificate is configured: each finished TLS handshake becomes an RTMP connection here. */
  private async startRtmps(): Promise<AddressInfo | undefined> {
    const { RTMPS_CERT_FILE: certFile, RTMPS_KEY_FILE: keyFile } = this.cfg;
    if (certFile === undefined || keyFile === undefined) return undefined;
    this.rtmps = new RtmpsListener({
      certFile,
      keyFile,
      handshakeTimeoutMs: this.cfg.RTMPS_HANDSHAKE_TIMEOUT_MS,
      certCheckIntervalMs: this.cfg.RTMPS_CERT_CHECK_INTERVAL_MS,
      maxTlsVersion: this.cfg.RTMPS_MAX_TLS_VERSION,
      maxConnections: this.cfg.MAX_CONNECTIONS,
      takeSlot: (ip) => this.connectionsPerIp.take(ip),
      accept: (socket) => this.rtmp.accept(new SocketTransport(socket, 'tls')),
      logger: this.logger.child({ component: 'rtmps' }),
      metrics: this.metrics.registry,
    });
    return this.rtmps.listen(this.cfg.RTMPS_PORT, this.cfg.RTMPS_HOST ?? this.cfg.RTMP_HOST);
  }

  /**
   * Graceful drain (docs/reliability.md: graceful-drain): readiness goes false and the RTMP listener closes at once;
   * viewers get UnpublishNotify, every connection gets its onStatus and a FIN, session ends are
   * reported; whatever is still running when DRAIN_TIMEOUT_MS runs out is abandoned.
   */
  async stop(): Promise<void> {
    this.ready = false;
    clearInterval(this.sweepTimer);
    // Draining first: the api stops offering this edge, and connects meanwhile are redirected (302).
    // All of it fits in DRAIN_TIMEOUT_MS: the beat gets a quarter, the publishers' moves half, the
    // sessions' ends what is left (main.ts exits unconditionally 5 s past the window).
    const drainStart = Date.now();
    this.lb.startDraining();
    await withTimeout(this.heartbeat.beatNow(), this.cfg.DRAIN_TIMEOUT_MS / 4);
    this.heartbeat.stop();
    await this.movePublishers();
    // Recordings ended by the drain stay on disk; the next start hands them over.
    this.recordingUploader.stop();
    // Pulls end first: their viewers are told the stream stopped with everyone else's below.
    this.relay?.stop();
    this.transcoder?.stopAll('shutdown');
    // Not awaited: its long-poll in flight ends when api.close() below destroys the connection.
    void this.feed.stop();
    const drained = Promise.all([this.publishing.endAll('shutdown'), this.rtmp.close(), this.rtmps?.close()]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(
        () => resolve('timeout'),
        Math.max(0, this.cfg.DRAIN_TIMEOUT_MS - (Date.now() - drainStart)),
      );
    });
    const outcome = await Promise.race([drained.then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout')
      this.logger.warn({ drainTimeoutMs: this.cfg.DRAIN_TIMEOUT_MS }, 'drain timed out');
    this.playback.stop();
    this.vodRtmp.stop();
    this.rtmpt?.stop();
    await this.http.close();
    this.api.close();
  }

  private admitConnection(conn: RtmpServerConnection): void {
    this.metrics.connectionsOpened.inc();
    // While draining, a connect is still read so that it can be redirected (balanceConnect).
    if (!this.ready && !this.lb.draining) conn.close('shutting_down');
    else if (this.rtmp.connections.size > this.cfg.MAX_CONNECTIONS) conn.close('too_many_connections');
    else if (!this.connectionsPerIp.admit(conn)) conn.close('too_many_connections_from_address');
  }

  /**
   * Drain without dropping encoders (Enhanced RTMP v2): each publisher whose connect announced
   * `capsEx` Reconnect gets a ReconnectRequest naming the least-loaded other edge (its connect query
   * kept), and is given until it leaves (at most half of DRAIN_TIMEOUT_MS) to republish there. A player
   * that announced Reconnect gets the same request (not waited for); other publishers and viewers (no
   * common RTMP player acts on such a request) are ended as before; viewers of the
   * stream on other edges keep playing through the relay once the publisher is back, and connects
   * arriving meanwhile are redirected (302).
   */
  private async movePublishers(): Promise<void> {
    const leaving: Promise<unknown>[] = [];
    for (const conn of this.rtmp.connections) {
      if (!conn.supportsReconnect) continue;
      const states = [...conn.streams.values()].map((s) => s.state);
      const publishing = states.includes('publishing');
      if (!publishing && !states.includes('playing')) continue;
      // Over RTMPS: only to an edge that serves it, at its rtmps:// URL (never downgraded to plain RTMP).
      const tls = conn.transportKind === 'tls';
      const target = this.lb.target(undefined, tls);
      const base = target === undefined ? undefined : clientUrlOf(target, tls);
      // A publisher that signed in (authmod=adobe) is sent to the other edge's sign-in application,
      // without its spent answer: it signs in afresh there.
      const signedIn = this.adobe.identityOf(conn) !== undefined;
      const query = conn.connectRequest?.query ?? new URLSearchParams();
      const url =
        base === undefined
          ? undefined
          : signedIn
            ? redirectUrl(
                signInAppUrl(base, this.cfg.RTMP_APP, this.cfg.RTMP_AUTH_APP),
                withoutExchange(query),
              )
            : redirectUrl(base, query);
      if (url === undefined) continue;
      conn.requestReconnect(url, 'This edge is draining; reconnect to the named edge.');
      this.metrics.connectRedirects.inc({ reason: 'reconnect_request' });
      // A player that announced Reconnect is told too, but only publishers are waited for: a viewer
      // that stays is ended with everyone else below.
      if (publishing) leaving.push(new Promise((resolve) => conn.once('close', resolve)));
    }
    if (leaving.length === 0) return;
    this.logger.info({ publishers: leaving.length }, 'drain: publishers asked to reconnect elsewhere');
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      Promise.all(leaving).then(() => 'moved' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.cfg.DRAIN_TIMEOUT_MS / 2);
      }),
    ]);
    clearTimeout(timer);
    this.logger.info({ outcome: waited }, 'drain: publisher moves done');
  }

  /**
   * FMLE authentication (authmod=adobe, auth/adobe-authenticator.ts) before anything else: a connect
   * that is not part of the exchange is balanced as usual; the first refusal of the exchange (need
   * auth) is balanced too, so an encoder is sent to an edge with room before it signs in there. A
   * connect that authenticates is accepted here (it was balanced on its first try).
   */
  private async authenticateConnect(conn: ServerConnection, req: ConnectRequest): Promise<HookDecision> {
    const rawApp = typeof req.command.app === 'string' ? req.command.app : '';
    const auth = await this.adobe.connect({ app: req.app, rawApp, tcUrl: req.tcUrl }, conn.remoteAddress);
    if (auth.kind === 'pass') return this.balanceConnect(req);
    if (auth.kind === 'authenticated') {
      this.adobe.bind(conn, auth.identity);
      this.metrics.publishAuth.inc({ result: 'authmod_authenticated' });
      conn.logger.info({ user: auth.identity.user }, 'signed in (authmod=adobe)');
      return { allow: true };
    }
    if (auth.result === 'authmod_need_auth') {
      const balanced = await this.balanceConnect(req);
      // Sent on to the other edge's sign-in application, where it is asked for its credentials again.
      if (!balanced.allow)
        return balanced.redirect !== undefined && req.app === this.cfg.RTMP_AUTH_APP
          ? {
              ...balanced,
              redirect: signInAppUrl(balanced.redirect, this.cfg.RTMP_APP, this.cfg.RTMP_AUTH_APP),
            }
          : balanced;
    }
    this.metrics.publishAuth.inc({ result: auth.result });
    conn.logger.info({ result: auth.result }, 'connect refused (authmod=adobe)');
    return { allow: false, code: StatusCode.ConnectRejected, description: auth.description };
  }

  /**
   * RTMP 302 (Wowza/FMS load balancing): at capacity or draining, a connect is answered `_error`
   * NetConnection.Connect.Rejected with `ex.code` 302 and `ex.redirect` naming the least-loaded other edge
   * (lb/ LoadBalancer.connect has the policy). Another edge's pull (a valid relay token in the connect
   * query) is never redirected: one pull serves many viewers here.
   */
  private async balanceConnect(req: ConnectRequest): Promise<HookDecision> {
    // A client that connected to an rtmps:// URL is redirected to another edge's RTMPS only (lb/ clientUrlOf).
    const verdict = this.lb.connect(req.query, /^rtmps:/i.test(req.tcUrl));
    if (verdict.kind === 'accept') return { allow: true };
    if ((await relayConnect(req.query, (kid) => this.keys.resolve(kid))) === 'valid') return { allow: true };
    if (verdict.kind === 'reject')
      return { allow: false, code: StatusCode.ConnectRejected, description: 'Edge is shutting down.' };
    this.metrics.connectRedirects.inc({ reason: verdict.reason });
    return {
      allow: false,
      code: StatusCode.ConnectRejected,
      description:
        verdict.reason === 'draining' ? 'Edge is draining; redirected.' : 'Edge is at capacity; redirected.',
      redirect: verdict.url,
    };
  }

  private liveBytes(which: 'bytesIn' | 'bytesOut'): number {
    let total = this.closedTotals[which];
    for (const conn of this.rtmp.connections) total += conn.stats[which];
    return total;
  }
}

/** Waits for `promise` at most `ms` (it keeps running past that; its outcome is ignored). */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** An address as the host part of a URL (IPv6 in brackets). */
function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
