import { SAFE_NAME, VOD_RTMP_APP } from '@tributary/contracts';
import { env, loadConfig, parseConfig } from '@tributary/service-kit';
import { z } from 'zod';

/**
 * The edge's configuration, parsed once at start (DEVELOPERS.md "Runtime conventions").
 * Every limit has its reason next to it; README.md has the same table for operators.
 */
export const EdgeConfigSchema = z
  .object({
    /** Base URL of the control plane (apps/api). */
    EDGE_API_URL: env.url().default('http://127.0.0.1:4000'),
    /** The credential issued when an operator registered this edge (POST /v1/edges). */
    EDGE_API_TOKEN: z.string({ error: 'required: the edge credential from POST /v1/edges' }).min(8),
    EDGE_VERSION: z.string().max(64).default('0.1.0'),

    RTMP_HOST: env.host('0.0.0.0'),
    RTMP_PORT: env.port(1935),
    HTTP_HOST: env.host('0.0.0.0'),
    HTTP_PORT: env.port(8080),
    /**
     * RTMPS (RTMP inside TLS, README "RTMPS"): on when RTMPS_CERT_FILE and RTMPS_KEY_FILE name a PEM
     * certificate (chain, leaf first) and its key; off otherwise. 443 is the usual RTMPS port but needs
     * root, so the edge listens on 1936 (the chart's Service maps 443 to it). Host: RTMP_HOST unless set.
     */
    RTMPS_HOST: z.string().min(1).optional(),
    RTMPS_PORT: env.port(1936),
    RTMPS_CERT_FILE: z.string().min(1).optional(),
    RTMPS_KEY_FILE: z.string().min(1).optional(),
    /**
     * From TCP accept to a finished TLS handshake, however slowly the bytes come (an absolute deadline,
     * unlike an idle timer); the RTMP handshake's own HANDSHAKE_TIMEOUT_MS starts after it.
     */
    RTMPS_HANDSHAKE_TIMEOUT_MS: env.int(5000, 500, 60_000),
    /** How often the certificate files are looked at for a renewal (applied without a restart). */
    RTMPS_CERT_CHECK_INTERVAL_MS: env.int(5000, 100, 3_600_000),
    /**
     * Highest TLS version RTMPS offers (1.2 is always the lowest). TLSv1.2 by default: librtmp 2.4 built on
     * GnuTLS (rtmpdump; GStreamer's rtmpsrc/rtmpsink and other tools link the same library) fails its RTMP
     * handshake after a TLS 1.3 one; ffmpeg and our client speak both.
     */
    RTMPS_MAX_TLS_VERSION: z
      .enum(['TLSv1.2', 'TLSv1.3'], { error: 'expected TLSv1.2 or TLSv1.3' })
      .default('TLSv1.2'),
    /**
     * RTMPT (README "RTMPT"): RTMP tunnelled through HTTP POSTs (/open/1, /send, /idle, /close) on
     * HTTP_PORT, for players behind proxies that pass only HTTP. Each session is one RTMP connection
     * (MAX_CONNECTIONS and MAX_CONNECTIONS_PER_IP count it too).
     */
    RTMPT_ENABLED: env.bool(true),
    /** Open RTMPT sessions edge-wide; /open/1 past it is 503. */
    RTMPT_MAX_SESSIONS: env.int(10_000, 1),
    /** Open RTMPT sessions from one client address (a NAT hides a few dozen players, not thousands). */
    RTMPT_MAX_SESSIONS_PER_IP: env.int(100, 1),
    /** A session with no request for this long is reaped (clients poll every few hundred ms at most). */
    RTMPT_IDLE_TIMEOUT_MS: env.int(15_000, 1000, 300_000),
    /** Largest RTMPT request body (a send carries RTMP bytes: a keyframe of a high bitrate stream fits). */
    RTMPT_MAX_BODY_BYTES: env.int(2 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    /** A request body must arrive whole within this (slow-body bound; 408 and the socket closes). */
    RTMPT_BODY_TIMEOUT_MS: env.int(5000, 100, 60_000),
    /**
     * An idle poll finding nothing to send waits up to this long for bytes (answered as soon as they
     * come): without it librtmp polls in a tight loop. Sends are never held.
     */
    RTMPT_HOLD_MS: env.int(200, 0, 5000),
    /**
     * A held poll whose bytes came is answered at most this long later, so the audio and video frames
     * written meanwhile share one answer (0: at once): about 16 polls per viewer-second at 50 ms, 41 at
     * 20 ms, 70 at 0 for a 30 fps stream with AAC. Each poll is a request and an answer (bench:rtmpt).
     */
    RTMPT_COALESCE_MS: env.int(50, 0, 500),
    /** The RTMP application name in rtmp://edge/<app>/<name>; names follow contracts/names.ts. */
    RTMP_APP: z.string().regex(SAFE_NAME, 'must match [A-Za-z0-9_-]{1,64}').default('live'),
    /**
     * The application FMLE-style encoders publish to with a username and password (authmod=adobe):
     * rtmp://user:pass@edge/<RTMP_AUTH_APP>/<stream key>. Every connect to it runs Adobe's challenge;
     * a connect to RTMP_APP runs it only when its query says `authmod=adobe`.
     */
    RTMP_AUTH_APP: z.string().regex(SAFE_NAME, 'must match [A-Za-z0-9_-]{1,64}').default('live-auth'),

    /** Edge-wide cap on viewers of one stream; the api's per-tenant maxViewers applies on top. */
    MAX_VIEWERS_PER_STREAM: env.int(5000, 1),
    /** Edge-wide cap on RTMP connections (each costs a socket and its buffers). */
    MAX_CONNECTIONS: env.int(20000, 1),
    /**
     * RTMP connections from one client address: a NAT may hide a few dozen viewers, one host opening
     * thousands is a flood (waiting viewers included: they hold a socket each).
     */
    MAX_CONNECTIONS_PER_IP: env.int(200, 1),
    /** Viewers waiting (edge-wide) for a stream that is not live yet; each holds a socket and a broadcast slot. */
    MAX_WAITING_VIEWERS: env.int(2000, 1),
    /**
     * Commands one RTMP connection may send: RTMP_COMMAND_BURST at once, RTMP_COMMANDS_PER_SECOND on
     * average; past it the connection is closed. Real encoders and players send a handful.
     */
    RTMP_COMMANDS_PER_SECOND: env.int(50, 1),
    RTMP_COMMAND_BURST: env.int(200, 1),
    /**
     * Bytes written to one RTMP peer and not yet read by it, past which it is dropped. Media for a slow
     * viewer skips to the next keyframe at VIEWER_QUEUE_MAX_BYTES, well below this.
     */
    RTMP_MAX_WRITE_BUFFER_BYTES: env.int(8 * 1024 * 1024, 256 * 1024),
    /** Log lines one RTMP connection may cause: a burst, then this many per second ('opened'/'closed' always). */
    RTMP_LOG_BURST: env.int(20, 1),
    RTMP_LOG_LINES_PER_SECOND: env.int(1, 1),
    /**
     * Per-viewer send queue bound in bytes: 2 MiB is about 6 s of a 2.5 Mbit/s stream, enough to ride
     * out a short network stall, small enough that 1,000 stalled viewers cannot exhaust memory.
     */
    VIEWER_QUEUE_MAX_BYTES: env.int(2 * 1024 * 1024, 64 * 1024),
    /**
     * A viewer that has been dropping frames (queue full) for this long is disconnected: it is not
     * catching up (docs/reliability.md: slow-viewer: disconnected after a ≤ 10 s write stall).
     */
    VIEWER_MAX_LAG_MS: env.int(10_000, 1000),
    /**
     * When the RTMP fan-out writes a viewer's messages (rtmp-core Broadcast `coalesce`; `adaptive` by
     * default: the latency of `turn` and, at 950 viewers, 0.58x its CPU, bench in README): `turn` writes what
     * one turn of the event loop queued right after it (no added wait); `adaptive` is `turn` until one
     * write pass over the viewers takes ≥ 1 ms, then holds the next pass for twice that (at most
     * FANOUT_MAX_HOLD_MS) so more messages share a write, and audio waits for the next video frame's
     * write (at most FANOUT_AUDIO_HOLD_MS): about one write per viewer per video frame; `interval` writes
     * every FANOUT_MERGE_WRITE_MS (fewest writes, every message waits); `off` writes each message at once.
     */
    FANOUT_COALESCE: z
      .enum(['turn', 'adaptive', 'interval', 'off'], { error: 'expected turn, adaptive, interval or off' })
      .default('adaptive'),
    /** The `adaptive` policy's longest hold: a message waits at most this long plus one write pass. */
    FANOUT_MAX_HOLD_MS: env.int(15, 1, 1000),
    /**
     * The `adaptive` policy under load: how long audio (and data) of a stream with video waits for the next
     * video frame's write. 45 ms is a little more than one frame at 24 fps, so it rides with the next frame.
     */
    FANOUT_AUDIO_HOLD_MS: env.int(45, 1, 1000),
    /** The `interval` policy's period: every message waits up to this long (SRS's default is 350 ms). */
    FANOUT_MERGE_WRITE_MS: env.int(50, 1, 1000),
    /**
     * play2 switching between renditions (issue 13): the rendition left runs this far behind for the
     * viewer until the new one's keyframe, so its frames from that instant on are never sent (renditions
     * of one encoder arrive a few frames apart; without it one instant can show twice). 0: no hold.
     */
    RENDITION_SWITCH_HOLD_MS: env.int(250, 0, 2000),
    /** `renditionSource: transcode` ladders (issue 13): one supervised ffmpeg per live stream makes them. */
    TRANSCODE_ENABLED: env.bool(true),
    TRANSCODE_FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
    /** Ladders transcoding at once on this edge; past it a stream plays its source only (each takes cores). */
    TRANSCODE_MAX_STREAMS: env.int(2, 0, 64),
    /** x264 preset of the renditions: CPU against quality. */
    TRANSCODE_PRESET: z
      .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'])
      .default('veryfast'),
    /** Threads per rendition encoder. */
    TRANSCODE_THREADS: env.int(1, 1, 16),
    /** Keyframe every this many seconds of source time, at the same instants in every rendition. */
    TRANSCODE_GOP_SECONDS: env.int(2, 1, 10),
    /** Live thumbnails (`/live/<id>/thumbnail.jpg`) and asset posters (`/vod/<id>/poster.jpg`), thumbnails/. */
    THUMBNAILS_ENABLED: env.bool(true),
    THUMBNAIL_FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
    /** ffmpeg decodes at once on this edge; THUMBNAIL_QUEUE more wait, past that a request gets 503 (or the last picture). */
    THUMBNAIL_DECODERS: env.int(1, 1, 16),
    THUMBNAIL_QUEUE: env.int(16, 0, 1024),
    /** A decode still running after this is killed. */
    THUMBNAIL_TIMEOUT_MS: env.int(5000, 100, 60_000),
    /** A picture larger than this is refused (and its decoder killed); it also bounds the caches' memory. */
    THUMBNAIL_MAX_BYTES: env.int(256 * 1024, 4096, 8 * 1024 * 1024),
    /** Pictures are scaled down to at most this width. */
    THUMBNAIL_WIDTH: env.int(640, 16, 3840),
    /** A live thumbnail older than this is decoded again from the stream's latest keyframe (if it changed). */
    THUMBNAIL_REFRESH_SECONDS: env.int(5, 1, 300),

    /** Handshake plus connect/publish/play must finish within this (docs/reliability.md: handshake: ≤ 10 s). */
    HANDSHAKE_TIMEOUT_MS: env.int(10_000, 1000),
    /** A connection with no byte in either direction for this long is gone (half-open TCP). */
    CONNECTION_IDLE_TIMEOUT_MS: env.int(30_000, 5000),
    /**
     * A publisher that sends no media for this long is considered gone: its stream ends, and a new
     * publisher with the same key may take over (docs/reliability.md: duplicate-publisher: takeover within ≤ 10 s).
     */
    PUBLISHER_IDLE_TIMEOUT_MS: env.int(8000, 1000),

    /** Upper bound on one api call; publish authorisation fails closed after it (docs/reliability.md: api-down-publish: ≤ 5 s). */
    API_TIMEOUT_MS: env.int(3000, 100, 5000),
    /** Largest api response body accepted; anything bigger is a fault and denies (docs/reliability.md: api-down-play). */
    API_MAX_RESPONSE_BYTES: env.int(256 * 1024, 1024),
    /**
     * Concurrent publish authorisations waiting on the api; beyond this new publishers are refused at
     * once instead of queueing (docs/reliability.md: api-down-publish: no unbounded pending-auth queue).
     */
    AUTH_MAX_PENDING: env.int(256, 1),
    /** Ceiling on the api's cacheTtlSeconds for publish answers (a bound on staleness; revocations themselves arrive through the control feed at once). */
    AUTH_CACHE_MAX_TTL_SECONDS: env.int(30, 0, 30),
    /**
     * When the api is unreachable, a key it allowed within this many seconds is still allowed, so an
     * encoder that reconnects during an api outage keeps streaming. Unknown keys always fail closed.
     */
    AUTH_STALE_IF_ERROR_SECONDS: env.int(300, 0),
    /** Failed publish attempts per IP before each further attempt is slowed (docs/reliability.md: broken-credentials: after the 5th). */
    AUTH_FAILURES_BEFORE_DELAY: env.int(5, 1),
    /**
     * Long-poll length on the api's control feed (revocations, key changes). Events arrive as soon as
     * they commit; this only bounds how long one idle request stays open.
     */
    CONTROL_FEED_WAIT_SECONDS: env.int(25, 1, 30),
    /** Seconds between session stats reports to the api. */
    STATS_INTERVAL_SECONDS: env.int(10, 1),
    /** First heartbeat interval; afterwards the api's heartbeatIntervalSeconds applies. */
    HEARTBEAT_INTERVAL_SECONDS: env.int(10, 1),

    /**
     * HLS segment container (issue 7): MPEG-TS for H.264 + AAC/MP3, or fMP4/CMAF. A stream whose video is
     * HEVC or AV1 is always segmented as fMP4 (browsers play neither from MPEG-TS; AV1 has no TS mapping).
     */
    HLS_FORMAT: z.enum(['mpegts', 'fmp4'], { error: 'expected mpegts or fmp4' }).default('mpegts'),
    /** Segments are cut at the first keyframe at least this long after their start (RFC 8216 target duration). */
    HLS_TARGET_DURATION_MS: env.int(2000, 500, 10_000),
    /** Segments listed in the playlist (the segmenter keeps at least 3 target durations, RFC 8216 §6.2.2). */
    HLS_WINDOW_SEGMENTS: env.int(6, 3, 30),
    /** LL-HLS: partial segments, preload hints and blocking playlist reload (draft-pantos-hls-rfc8216bis). */
    HLS_LOW_LATENCY: env.bool(false),
    /** LL-HLS part target; 500 ms gives PART-HOLD-BACK 1.5 s, a browser ~2 s behind the encoder. */
    HLS_PART_TARGET_MS: env.int(500, 100, 2000),
    /**
     * A stream's segmenter starts on its first HLS request and stops after this long without one, so a
     * stream nobody watches over HLS costs nothing (its segments are freed).
     */
    HLS_IDLE_TIMEOUT_SECONDS: env.int(30, 5, 600),
    /**
     * An HLS viewer (one client address + token) counts as watching from its first request until this long
     * after its last one. Players reload the playlist every target duration, so 10 s is several missed polls.
     */
    HLS_VIEWER_WINDOW_SECONDS: env.int(10, 2, 300),

    /**
     * Distribution (issue 11, README "Distribution"): the RTMP application URL other edges pull this
     * edge's streams from (rtmp://<internal address>:<port>/<app>), sent in the heartbeat. Unset: the
     * api gives pulling edges the URL this edge was registered with.
     */
    EDGE_INTERNAL_RTMP_URL: z.string().url().startsWith('rtmp://').max(512).optional(),
    /**
     * Mid-tier: every relayed stream is pulled from this edge (rtmp://mid:port/app) instead of from its
     * origin, with the same relay token; the mid-tier pulls it from the origin in turn. Unset: pull from
     * the origin.
     */
    EDGE_UPSTREAM_URL: z.string().url().startsWith('rtmp://').max(512).optional(),
    /** Pull relayed streams at all (off: an edge plays only what is published to it, as before issue 11). */
    RELAY_ENABLED: env.bool(true),
    /** A pull whose last viewer left stops after this long (a viewer coming back meanwhile shares it). */
    RELAY_LINGER_MS: env.int(5000, 0, 600_000),
    /**
     * A pull that has brought no media for this long (upstream gone, link cut, publisher silent) is dropped
     * and the origin asked again; its viewers stay connected meanwhile.
     */
    RELAY_STALL_TIMEOUT_MS: env.int(4000, 1000, 60_000),
    /** While viewers wait for a stream live nowhere, the api is asked again this often. */
    RELAY_RETRY_MS: env.int(2000, 250, 60_000),
    /** Playback ids pulled or waited for at once (each costs a socket upstream and a broadcast here). */
    RELAY_MAX_STREAMS: env.int(1000, 1),
    /** Origin lookups in flight to the api at once; more wait for the next retry. */
    RELAY_MAX_LOOKUPS: env.int(64, 1),

    /**
     * Load balancing (issue 11, README "Load balancing"): viewers across all streams at which a new RTMP
     * connect is redirected (302) to the least-loaded other edge. Unset: no edge-wide viewer cap.
     */
    EDGE_MAX_VIEWERS: z.coerce
      .number({ error: 'expected a number' })
      .int('expected a whole number')
      .min(1, 'expected at least 1')
      .optional(),
    /** Egress (RTMP + HTTP, megabits per second) at which new connects are redirected. Unset: no cap. */
    EDGE_MAX_EGRESS_MBPS: z.coerce.number({ error: 'expected a number' }).positive('expected > 0').optional(),
    /** This edge's region (as registered): redirects and SMIL prefer other edges of the same region. */
    EDGE_REGION: z.string().min(1).max(64).optional(),
    /**
     * The RTMP application URL players reach this edge at (rtmp://host[:port]/<app>), named as the base of
     * the SMIL this edge serves while it has room. Unset: the request's Host name with the RTMP port.
     */
    EDGE_PUBLIC_RTMP_URL: z.string().url().startsWith('rtmp://').max(512).optional(),
    /**
     * The RTMPS application URL encoders reach this edge at (rtmps://host[:port]/<app>), sent in the
     * heartbeat so the api offers it beside the RTMP ingest URL. Also for TLS ending at a load balancer
     * in front of a plain-RTMP edge. Unset: none is offered.
     */
    EDGE_PUBLIC_RTMPS_URL: z.string().url().startsWith('rtmps://').max(512).optional(),

    /** On demand (issue 12, README "On demand"): bytes of asset file blocks (1 MiB each) held in memory. */
    VOD_CACHE_BYTES: env.int(64 * 1024 * 1024, 1024 * 1024),
    /** On-demand HLS segments are cut at the first keyframe at least this long after their start. */
    VOD_SEGMENT_TARGET_MS: env.int(4000, 1000, 30_000),
    /**
     * The RTMP application on-demand assets play under: rtmp://<edge>/<VOD_APP>/<playbackId> (mp4:/flv: names
     * too). The api names the default (contracts VOD_RTMP_APP) in assets' playback.rtmp.
     */
    VOD_APP: z.string().regex(SAFE_NAME, 'must match [A-Za-z0-9_-]{1,64}').default(VOD_RTMP_APP),
    /**
     * On-demand RTMP: one timer for every viewer; each tick sends each viewer what it is owed, as one write.
     * Viewers are sent a buffer ahead, so 100 ms costs nothing in smoothness; it is about half the CPU of
     * 25 ms (fewer, larger writes: bench:vod-rtmp).
     */
    VOD_RTMP_TICK_MS: env.int(100, 5, 200),
    /** On-demand RTMP: a viewer is sent at least this far ahead of its playhead, whatever buffer it set. */
    VOD_RTMP_MIN_BUFFER_MS: env.int(1000, 100, 30_000),
    /** On-demand RTMP: sent this much past the viewer's buffer (SetBufferLength), so a late tick never drains it. */
    VOD_RTMP_MARGIN_MS: env.int(500, 0, 10_000),

    /** On SIGTERM: time given to sessions to close and to report their end before exit (docs/reliability.md: graceful-drain: < 25 s). */
    DRAIN_TIMEOUT_MS: env.int(10_000, 0, 20_000),

    /** Where recordings of sessions whose stream has `record` on are written, then handed to the api. */
    RECORDINGS_DIR: z.string().min(1).default('.data/recordings'),
    /** One recording's cap in bytes; past it the recording ends (failed: too large), the stream goes on. */
    RECORDING_MAX_BYTES: env.int(16 * 1024 * 1024 * 1024, 1024 * 1024),
    LOG_LEVEL: env.logLevel(),
    LOG_FORMAT: env.logFormat(),
  })
  .refine((c) => (c.RTMPS_CERT_FILE === undefined) === (c.RTMPS_KEY_FILE === undefined), {
    path: ['RTMPS_KEY_FILE'],
    message: 'RTMPS_CERT_FILE and RTMPS_KEY_FILE go together (both for RTMPS, neither without)',
  })
  .refine((c) => c.RTMP_AUTH_APP !== c.RTMP_APP, {
    path: ['RTMP_AUTH_APP'],
    message: 'must differ from RTMP_APP (plain stream keys and viewers use RTMP_APP)',
  })
  .refine((c) => c.VOD_APP !== c.RTMP_APP && c.VOD_APP !== c.RTMP_AUTH_APP, {
    path: ['VOD_APP'],
    message: 'must differ from RTMP_APP and RTMP_AUTH_APP (live names and asset names are apart)',
  })
  .refine((c) => c.RTMP_MAX_WRITE_BUFFER_BYTES > c.VIEWER_QUEUE_MAX_BYTES, {
    path: ['RTMP_MAX_WRITE_BUFFER_BYTES'],
    message: 'must exceed VIEWER_QUEUE_MAX_BYTES (slow viewers skip to a keyframe before being dropped)',
  })
  .refine((c) => c.HLS_PART_TARGET_MS <= c.HLS_TARGET_DURATION_MS, {
    path: ['HLS_PART_TARGET_MS'],
    message: 'must not exceed HLS_TARGET_DURATION_MS',
  })
  .refine((c) => c.HLS_VIEWER_WINDOW_SECONDS < c.HLS_IDLE_TIMEOUT_SECONDS, {
    path: ['HLS_VIEWER_WINDOW_SECONDS'],
    message:
      'must be shorter than HLS_IDLE_TIMEOUT_SECONDS (viewers of a stopped segmenter would still count)',
  });

export type EdgeConfig = z.infer<typeof EdgeConfigSchema>;

/** For main(): prints every bad variable and exits 1. */
export function loadEdgeConfig(): EdgeConfig {
  return loadConfig('edge', EdgeConfigSchema);
}

/** For tests and embedding: throws ConfigError instead of exiting. */
export function parseEdgeConfig(vars: Record<string, string | undefined>): EdgeConfig {
  return parseConfig('edge', EdgeConfigSchema, vars);
}
