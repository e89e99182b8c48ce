import type { EdgeAsset } from '@tributary/contracts';
import { ErrorCode } from '@tributary/contracts';
import { type MediaFileIndex, SAMPLE_VIDEO, tagBody } from '@tributary/media';
import {
  AmfEcmaArray,
  type AmfObject,
  Csid,
  encodeData,
  encodeMessageFmt0,
  type HookDecision,
  MessageType,
  type PlayRequest,
  type RtmpServerStream,
  type ServerConnection,
  StatusCode,
  type SubscribeRequest,
  statusInfo,
} from '@tributary/rtmp-core';
import type { Logger } from '@tributary/service-kit';
import type { Counter, MetricsRegistry } from '../http/metrics';
import { vodPlaybackIdOf } from './rtmp-vod-names';
import { aheadMsFor, type OwedSamples, VodPacer } from './rtmp-vod-pacer';
import { fileKey, type VodPlayback } from './vod-playback';

export interface RtmpVodPlayerOptions {
  /** The on-demand door shared with HLS: asset lookups, authorisation, indexes, the block cache. */
  vod: VodPlayback;
  /** VOD_RTMP_TICK_MS: one timer for every on-demand viewer; each tick sends each what it is owed. */
  tickMs: number;
  /** VOD_RTMP_MIN_BUFFER_MS: a viewer is sent at least this far ahead, whatever buffer it announced. */
  minBufferMs: number;
  /** VOD_RTMP_MARGIN_MS: sent this much past the buffer, so a tick's lateness never drains it. */
  marginMs: number;
  metrics: MetricsRegistry;
  logger: Logger;
  now?: () => number;
}

/** A player's SetBufferLength is honoured up to this (a minute): more is a hostile or confused peer. */
const MAX_BUFFER_MS = 60_000;
/** A viewer whose unsent bytes reach this is sent nothing more until they drain (a slow viewer costs no more). */
const MAX_WRITE_BACKLOG_BYTES = 512 * 1024;
/** At most this many sample bytes per viewer per tick (at least one sample): one viewer cannot hold the loop. */
const MAX_BATCH_BYTES = 1024 * 1024;
/** Samples that lie this close together in the file are read as one range (interleaved files: all of them). */
const MAX_SPAN_BYTES = 4 * 1024 * 1024;
/** onMetaData's keyframe index holds at most this many entries (every n-th keyframe past it). */
const MAX_INDEX_ENTRIES = 10_000;
/** Failed reads in a row (api down and the block not cached) before the play fails; one retry a second. */
const MAX_READ_FAILURES = 10;
const READ_RETRY_MS = 1000;

/** What onPlay granted, kept for the 'play' event that follows it. */
interface Granted {
  readonly asset: EdgeAsset;
  readonly index: MediaFileIndex;
}

/** One playing item of one NetStream. */
interface Session {
  readonly stream: RtmpServerStream;
  readonly item: PlayRequest;
  readonly asset: EdgeAsset;
  readonly index: MediaFileIndex;
  readonly pacer: VodPacer;
  reading: boolean;
  completed: boolean;
  failures: number;
  retryAt: number;
}

/**
 * On-demand RTMP (issue 12), as FMS and Wowza do it: rtmp://<edge>/<VOD_APP>/<name> plays the asset the
 * name gives (rtmp-vod-names.ts), admitted through VodPlayback (public, or a playback token in the play
 * name's or the connect's query, as for HLS). rtmp-core's recorded item does the statuses (StreamIsRecorded,
 * Play.Start, Seek.Notify, Pause.Notify, StreamEOF, Play.Complete, Play.Stop); this sends onMetaData (with
 * a keyframe index), the sequence headers, then the samples, paced by VodPacer from one shared timer and
 * read by range through the bounded block cache: a viewer costs its pacing state and nothing of the file.
 */
export class RtmpVodPlayer {
  private readonly granted = new WeakMap<RtmpServerStream, Granted>();
  private readonly sessions = new Map<RtmpServerStream, Session>();
  private readonly listening = new WeakSet<RtmpServerStream>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly plays: Counter<'result'>;
  private readonly commands: Counter<'command'>;
  /** Media bytes (tag bodies) sent to on-demand RTMP viewers. */
  bytesSent = 0;

  constructor(private readonly opts: RtmpVodPlayerOptions) {
    this.now = opts.now ?? (() => performance.now());
    const m = opts.metrics;
    this.plays = m.counter(
      'tributary_edge_vod_rtmp_plays_total',
      'On-demand RTMP plays, by result (ok, or why refused: not_found, unauthenticated, forbidden, ...).',
    );
    this.commands = m.counter(
      'tributary_edge_vod_rtmp_commands_total',
      'Seeks and pauses of on-demand RTMP viewers, by command.',
    );
    m.gauge('tributary_edge_vod_rtmp_viewers', 'On-demand RTMP items playing now.', () => this.sessions.size);
    m.observedCounter(
      'tributary_edge_vod_rtmp_sent_bytes_total',
      'Media bytes sent to on-demand RTMP viewers.',
      () => this.bytesSent,
    );
  }

  get viewers(): number {
    return this.sessions.size;
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.opts.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sessions.clear();
  }

  /** The onPlay hook for a connection to VOD_APP: the asset's length, or why it cannot play. */
  async authorize(stream: RtmpServerStream, req: PlayRequest): Promise<HookDecision> {
    const conn = stream.connection;
    const playbackId = vodPlaybackIdOf(req.name);
    if (playbackId === undefined) return this.refuse(conn, 'not_found', 'No asset has this name.');
    const token = req.query.get('token') ?? conn.connectRequest?.query.get('token') ?? undefined;
    try {
      const asset = await this.opts.vod.admit(playbackId, token, conn.remoteAddress);
      const { index } = await this.opts.vod.indexed(asset);
      this.granted.set(stream, { asset, index });
      this.plays.inc({ result: 'ok' });
      return { allow: true, recorded: { durationMs: index.durationMs } };
    } catch (err) {
      const failure = this.opts.vod.failure(err, `rtmp vod ${playbackId}`);
      // Not found (unknown, not ready, errored, unplayable): StreamNotFound; the rest (tokens, throttle,
      // the api down): Play.Failed with the same description HLS gives.
      const code =
        failure.code === ErrorCode.notFound ? StatusCode.PlayStreamNotFound : StatusCode.PlayFailed;
      return this.refuse(conn, failure.code, failure.message, code);
    }
  }

  /** getStreamLength (onStreamLength hook): the asset's length in seconds, 0 when it cannot be played. */
  async streamLength(conn: ServerConnection, req: SubscribeRequest): Promise<number> {
    const playbackId = vodPlaybackIdOf(req.name);
    if (playbackId === undefined) return 0;
    const token = req.query.get('token') ?? conn.connectRequest?.query.get('token') ?? undefined;
    try {
      const asset = await this.opts.vod.admit(playbackId, token, conn.remoteAddress);
      return (await this.opts.vod.indexed(asset)).index.durationMs / 1000;
    } catch {
      return 0;
    }
  }

  /** The server's 'play' event of a recorded item this granted: metadata, sequence headers, then pacing. */
  started(stream: RtmpServerStream): void {
    const granted = this.granted.get(stream);
    const item = stream.playRequest;
    if (granted === undefined || item === null) return;
    this.granted.delete(stream);
    const now = this.now();
    const pacer = new VodPacer(granted.index, { startMs: item.start, lenMs: item.duration }, now);
    const session: Session = {
      stream,
      item,
      asset: granted.asset,
      index: granted.index,
      pacer,
      reading: false,
      completed: false,
      failures: 0,
      retryAt: 0,
    };
    this.sessions.set(stream, session);
    this.listen(stream);
    stream.connection.send(
      encodeData(
        { name: 'onMetaData', values: [new AmfEcmaArray(metadataOf(granted.asset, granted.index))] },
        { csid: Csid.Data, messageStreamId: stream.messageStreamId, timestamp: 0 },
      ),
    );
    this.sendSequenceHeaders(session);
    stream.connection.logger.info(
      { playbackId: granted.asset.playbackId, startMs: item.start, lenMs: item.duration },
      'vod play started',
    );
    // The first buffer's worth goes now, not at the next tick.
    this.serve(session, now);
  }

  /** Seek, pause and stop of a stream, listened to once per stream (its items come and go). */
  private listen(stream: RtmpServerStream): void {
    if (this.listening.has(stream)) return;
    this.listening.add(stream);
    stream.on('seek', (timeMs) => {
      const session = this.sessions.get(stream);
      if (session === undefined || session.stream.playRequest !== session.item) return;
      this.commands.inc({ command: 'seek' });
      // Seek.Notify, StreamBegin and Play.Start are sent already: the new generation's samples follow them.
      session.pacer.seek(timeMs, this.now());
      session.completed = false;
      this.sendSequenceHeaders(session);
      if (!stream.paused) this.serve(session, this.now());
    });
    stream.on('pause', (paused, timeMs) => {
      const session = this.sessions.get(stream);
      if (session === undefined) return;
      this.commands.inc({ command: paused ? 'pause' : 'unpause' });
      if (paused) session.pacer.pause(this.now());
      else session.pacer.unpause(timeMs, this.now(), this.aheadMs(stream));
    });
    // closeStream, deleteStream, a replacing play, a play list moving on ('stop' comes before the next
    // item's 'play'), the end of the connection.
    stream.on('stop', () => this.sessions.delete(stream));
    stream.connection.once('close', () => this.sessions.delete(stream));
  }

  /** Forgets a session (only if it is still its stream's current one). */
  private drop(session: Session): void {
    if (this.sessions.get(session.stream) === session) this.sessions.delete(session.stream);
  }

  private aheadMs(stream: RtmpServerStream): number {
    return aheadMsFor(stream.bufferLengthMs, this.opts.minBufferMs, MAX_BUFFER_MS, this.opts.marginMs);
  }

  /** One tick for every viewer: each is sent what it is owed, unless its last batch is still being read. */
  private tick(): void {
    const now = this.now();
    for (const session of this.sessions.values()) this.serve(session, now);
  }

  private serve(session: Session, now: number): void {
    const { stream, pacer } = session;
    if (session.reading || session.completed) return;
    if (stream.connection.isClosed || stream.state !== 'playing' || stream.playRequest !== session.item) {
      this.drop(session);
      return;
    }
    if (stream.paused || now < session.retryAt) return;
    if (stream.writableLength > MAX_WRITE_BACKLOG_BYTES) return;
    if (pacer.done) {
      // Everything is sent and the peer has read it: StreamEOF, Play.Complete, Play.Stop (or the next item).
      if (stream.writableLength === 0) {
        session.completed = true;
        this.drop(session);
        stream.complete();
      }
      return;
    }
    const batch = pacer.owed(now, this.aheadMs(stream), MAX_BATCH_BYTES);
    if (batch === null) return;
    session.reading = true;
    this.read(session, batch).then(
      (bodies) => {
        session.reading = false;
        session.failures = 0;
        this.send(session, batch, bodies);
      },
      (err: unknown) => {
        session.reading = false;
        this.readFailed(session, err);
      },
    );
  }

  /** The batch's sample bytes through the block cache: one range when they lie together, else each. */
  private async read(session: Session, batch: OwedSamples): Promise<Uint8Array[]> {
    const s = session.index.samples;
    const key = fileKey(session.asset);
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    let total = 0;
    for (let i = batch.from; i < batch.to; i++) {
      const offset = s.offset[i] as number;
      const size = s.size[i] as number;
      first = Math.min(first, offset);
      last = Math.max(last, offset + size);
      total += size;
    }
    const span = last - first;
    if (span <= MAX_SPAN_BYTES && span <= 2 * total + 64 * 1024) {
      const bytes = await this.opts.vod.blocks.read(key, first, span);
      const out: Uint8Array[] = [];
      for (let i = batch.from; i < batch.to; i++) {
        const at = (s.offset[i] as number) - first;
        out.push(bytes.subarray(at, at + (s.size[i] as number)));
      }
      return out;
    }
    const out: Uint8Array[] = [];
    for (let i = batch.from; i < batch.to; i++)
      out.push(await this.opts.vod.blocks.read(key, s.offset[i] as number, s.size[i] as number));
    return out;
  }

  private send(session: Session, batch: OwedSamples, bodies: readonly Uint8Array[]): void {
    const { stream, pacer, index } = session;
    // A seek, a stop or another item came while the bytes were read: they are stale, never sent.
    if (batch.generation !== pacer.generation || stream.playRequest !== session.item) return;
    if (stream.state !== 'playing' || stream.connection.isClosed) return;
    const s = index.samples;
    const chunkSize = stream.outgoingChunkSize;
    const chunks: Buffer[] = [];
    let length = 0;
    for (let i = batch.from; i < batch.to; i++) {
      const bytes = bodies[i - batch.from] as Uint8Array;
      if (bytes.length !== (s.size[i] as number)) {
        this.readFailed(session, new Error(`sample ${i}: ${bytes.length} of ${s.size[i]} bytes`));
        return;
      }
      const video = ((s.flags[i] as number) & SAMPLE_VIDEO) !== 0;
      if (video ? !stream.receiveVideo : !stream.receiveAudio) continue;
      const payload = tagBody(index, i, bytes);
      for (const c of encodeMessageFmt0(
        {
          csid: video ? Csid.Video : Csid.Audio,
          timestamp: Math.max(0, Math.round(s.dts[i] as number)),
          typeId: video ? MessageType.Video : MessageType.Audio,
          messageStreamId: stream.messageStreamId,
          payload,
        },
        chunkSize,
      )) {
        chunks.push(c);
        length += c.length;
      }
      this.bytesSent += payload.length;
    }
    // One write for the batch (the socket's writev), as the live fan-out writes: fewer syscalls.
    if (chunks.length > 0) stream.writeChunks(chunks, length);
    pacer.commit(batch);
  }

  private readFailed(session: Session, err: unknown): void {
    session.failures++;
    session.retryAt = this.now() + READ_RETRY_MS;
    const { stream } = session;
    stream.connection.logger.warn(
      { playbackId: session.asset.playbackId, failures: session.failures, err: errorText(err) },
      'vod read failed',
    );
    if (session.failures < MAX_READ_FAILURES || this.sessions.get(stream) !== session) return;
    this.drop(session);
    stream.sendStatus(
      statusInfo(
        'error',
        StatusCode.PlayFailed,
        'On-demand playback is unavailable right now; try again shortly.',
      ),
    );
    stream.close('vod_read_failed');
  }

  private sendSequenceHeaders(session: Session): void {
    const { stream, index, pacer } = session;
    const timestamp = Math.max(0, Math.round(pacer.positionMs));
    const id = stream.messageStreamId;
    // Written like the frames (fmt 0, self-contained chunks): the audio and video chunk streams are only
    // ever written this way, so no header of the connection's own encoder refers to them.
    const headers: Buffer[] = [];
    const add = (csid: number, typeId: number, payload: Buffer) => {
      for (const c of encodeMessageFmt0(
        { csid, timestamp, typeId, messageStreamId: id, payload },
        stream.outgoingChunkSize,
      ))
        headers.push(c);
    };
    if (index.video) add(Csid.Video, MessageType.Video, index.video.sequenceHeader);
    if (index.audio?.sequenceHeader) add(Csid.Audio, MessageType.Audio, index.audio.sequenceHeader);
    if (headers.length > 0) stream.writeChunks(headers);
  }

  private refuse(
    conn: ServerConnection,
    result: string,
    description: string,
    code: string = StatusCode.PlayStreamNotFound,
  ): HookDecision {
    this.plays.inc({ result });
    conn.logger.info({ result }, 'vod play refused');
    return { allow: false, code, description };
  }
}

/**
 * onMetaData as FLV players expect it from a file: duration (s), size, the tracks' codec ids and shape,
 * and `keyframes` { times (s), filepositions (bytes) } for a seek bar that lands on keyframes.
 */
export function metadataOf(asset: EdgeAsset, index: MediaFileIndex): AmfObject {
  const meta: AmfObject = {
    duration: index.durationMs / 1000,
    filesize: asset.sizeBytes,
    canSeekToEnd: true,
  };
  if (index.video) {
    meta.width = index.video.width;
    meta.height = index.video.height;
    meta.videocodecid = 7;
    const fps = frameRateOf(index);
    if (fps !== null) meta.framerate = fps;
  }
  if (index.audio) {
    meta.audiocodecid = index.audio.codec === 'aac' ? 10 : 2;
    meta.audiosamplerate = index.audio.sampleRate;
    meta.audiochannels = index.audio.channels;
    meta.stereo = index.audio.channels > 1;
  }
  const k = index.keyframes;
  const step = Math.max(1, Math.ceil(k.timeMs.length / MAX_INDEX_ENTRIES));
  const times: number[] = [];
  const filepositions: number[] = [];
  for (let i = 0; i < k.timeMs.length; i += step) {
    times.push((k.timeMs[i] as number) / 1000);
    filepositions.push(index.samples.offset[k.sample[i] as number] as number);
  }
  meta.keyframes = { times, filepositions };
  return meta;
}

/**
 * Frames per second from the video samples' decoding times (frames less one over the time between the
 * first and the last), to a thousandth: players (FFmpeg) take `framerate` as the stream's rate, so one
 * computed over the file's whole duration (its last frame's length, the audio's end) would be off.
 */
export function frameRateOf(index: MediaFileIndex): number | null {
  const s = index.samples;
  let frames = 0;
  let first = 0;
  let last = 0;
  for (let i = 0; i < s.count; i++) {
    if (!((s.flags[i] as number) & SAMPLE_VIDEO)) continue;
    if (frames === 0) first = s.dts[i] as number;
    last = s.dts[i] as number;
    frames++;
  }
  if (frames < 2 || last <= first) return null;
  return Math.round(((frames - 1) * 1_000_000) / (last - first)) / 1000;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
