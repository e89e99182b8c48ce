// A live HLS rendition built once per stream and served from memory (issue 7): samples in, segments
// (and LL-HLS parts) out, a sliding window of them kept for the playlist and for fetching.
//
// Timeline rules (RFC 8216 §3, §6.2.1-6.2.2; draft-pantos-hls-rfc8216bis §6.2.5 for LL-HLS):
// - a segment starts with a video keyframe (any audio frame when there is no video) and is cut at the
//   first such point at least the target duration after its start;
// - a segment that reaches its bound (maxSegmentDurationMs of media or maxSegmentBytes of samples)
//   without such a point is cut anyway, before the next sample: a publisher that stops sending
//   keyframes cannot grow one segment without end, and the playlist keeps advancing. The segment after
//   such a cut starts mid-GOP (RFC 8216 allows it, as the playlist declares no
//   EXT-X-INDEPENDENT-SEGMENTS); its first LL-HLS part is not INDEPENDENT;
// - a publisher restart, a timestamp jump in a track or a track change the container cannot follow
//   ends the open segment, and the next one carries EXT-X-DISCONTINUITY;
// - in low-latency mode each segment is also cut into parts no longer than the part target.
import { MuxError, MuxErrorCode } from '../errors';
import { sameTracks, sampleDefect } from '../track-config';
import type { MediaSample, TrackSet } from '../types';
import { type ChunkWriter, createChunkWriter, type SegmentFormat } from './chunk-writer';
import { type PlaylistSegment, renderMediaPlaylist, type UriDecorator } from './playlist';
import { ReloadWaiters } from './reload-waiters';

export interface LiveSegmenterOptions {
  /** Segment container, default 'mpegts'. fMP4 is needed for AV1 and Opus. */
  readonly format?: SegmentFormat;
  /** Segments are cut at the first keyframe at least this long after their start. Default 2000 ms. */
  readonly targetDurationMs?: number;
  /** Segments listed in the playlist (at least, see slideWindow). Default 6. */
  readonly windowSize?: number;
  /** LL-HLS parts and blocking reload. `true` uses the default part target. */
  readonly lowLatency?: boolean | { readonly partTargetMs?: number };
  /**
   * A segment with no keyframe to cut at is cut anyway once it holds this much media. Default 5 target
   * durations (10 s), above the keyframe interval of common encoder defaults (OBS: about 8 s).
   */
  readonly maxSegmentDurationMs?: number;
  /** ... or once its samples add up to this many bytes. Default 32 MiB (10 s at 25 Mbps). */
  readonly maxSegmentBytes?: number;
}

export interface HlsResource {
  readonly data: Buffer;
  readonly contentType: string;
}

export interface SegmenterStats {
  segments: number;
  parts: number;
  discontinuities: number;
  droppedSamples: number;
  /** Segments cut at their bound, not at a keyframe (a publisher that stopped sending keyframes). */
  forcedCuts: number;
  /** Last reason a sample was dropped, for the edge's aggregated warning. */
  lastDropReason: string | undefined;
}

export interface SegmentInfo {
  readonly msn: number;
  readonly uri: string;
  readonly startDts: number;
  readonly durationMs: number;
  readonly discontinuity: boolean;
  readonly bytes: number;
}

export const HLS_CONTENT_TYPES = {
  playlist: 'application/vnd.apple.mpegurl',
  mpegts: 'video/mp2t',
  fmp4: 'video/mp4',
} as const;

const DEFAULT_TARGET_DURATION_MS = 2000;
/** With 2 s segments, 6 give a 12 s window: 3 target durations (RFC 8216 §6.2.2) plus room to join. */
const DEFAULT_WINDOW_SIZE = 6;
/** 4 parts per default segment; PART-HOLD-BACK is then 1.5 s, which keeps a browser within ~2 s. */
const DEFAULT_PART_TARGET_MS = 500;
const MIN_TARGET_DURATION_MS = 100;
/** RFC 8216 §6.2.2: a segment stays listed while the rest of the playlist is under 3 target durations. */
const MIN_PLAYLIST_TARGET_DURATIONS = 3;
/**
 * A forward jump larger than this within one track is a new timeline (an encoder that paused, or a
 * clock reset upwards), flagged as a discontinuity rather than stretched into one long segment.
 */
const MAX_TIMESTAMP_GAP_MS = 10_000;
/**
 * At start, samples are held until both tracks have shown up or this much media time has passed with
 * one: the segmenter learns of a track from its first sample, and audio and video do not start at the
 * same instant. A track that appears later costs a discontinuity (MPEG-TS PMT, fMP4 init change).
 */
const TRACK_DISCOVERY_MS = 1000;
/** The frame interval assumed before two frames have been seen (30 fps). */
const DEFAULT_FRAME_INTERVAL_MS = 1000 / 30;
/** Default bound of one segment's media, in target durations, when no keyframe comes to cut at. */
const DEFAULT_MAX_SEGMENT_TARGET_DURATIONS = 5;
/** Default bound of one segment's sample bytes. */
const DEFAULT_MAX_SEGMENT_BYTES = 32 * 1024 * 1024;
/** _HLS_msn may be at most 2 beyond the last segment (rfc8216bis §6.2.5.2). */
const MAX_MSN_AHEAD = 2;

interface Part {
  readonly uri: string;
  data: Buffer;
  readonly durationMs: number;
  readonly independent: boolean;
}

interface InitSection {
  readonly uri: string;
  readonly data: Buffer;
}

interface Segment {
  readonly msn: number;
  readonly uri: string;
  readonly startDts: number;
  readonly durationMs: number;
  readonly discontinuity: boolean;
  readonly init: InitSection | undefined;
  readonly parts: readonly Part[];
  readonly data: Buffer;
}

interface OpenSegment {
  readonly msn: number;
  readonly startDts: number;
  readonly discontinuity: boolean;
  readonly init: InitSection | undefined;
  readonly parts: Part[];
  partStartDts: number;
  partIndependent: boolean;
  /** Sample bytes muxed into it so far. */
  bytes: number;
}

/** The tracks a container can carry out of the ones the publisher sends. */
function carriedTracks(format: SegmentFormat, tracks: TrackSet): TrackSet {
  if (format === 'fmp4') return tracks;
  const video =
    tracks.video && (tracks.video.codec === 'h264' || tracks.video.codec === 'hevc')
      ? tracks.video
      : undefined;
  const audio =
    tracks.audio && (tracks.audio.codec === 'aac' || tracks.audio.codec === 'mp3') ? tracks.audio : undefined;
  return { ...(video ? { video } : {}), ...(audio ? { audio } : {}) };
}

/** Whether a writer built for `current` can take samples of `next` (MPEG-TS carries new SPS/PPS in band). */
function writerFits(format: SegmentFormat, current: TrackSet, next: TrackSet): boolean {
  if (format === 'fmp4') return sameTracks(current, next);
  const sameVideo = current.video?.codec === next.video?.codec;
  const sameAudio =
    current.audio?.codec === next.audio?.codec && current.audio?.sampleRate === next.audio?.sampleRate;
  return sameVideo && sameAudio;
}

function positiveOption(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new MuxError(MuxErrorCode.InvalidOption, `${name} ${value} must be > 0`);
  return value;
}

export class LiveSegmenter {
  readonly format: SegmentFormat;
  readonly targetDurationMs: number;
  readonly windowSize: number;
  readonly partTargetMs: number | undefined;
  readonly maxSegmentDurationMs: number;
  readonly maxSegmentBytes: number;
  readonly stats: SegmenterStats = {
    segments: 0,
    parts: 0,
    discontinuities: 0,
    droppedSamples: 0,
    forcedCuts: 0,
    lastDropReason: undefined,
  };

  private readonly extension: string;
  private readonly resources = new Map<string, HlsResource>();
  private readonly waiters = new ReloadWaiters();
  private tracks: TrackSet = {};
  private writer: ChunkWriter | undefined;
  private init: InitSection | undefined;
  private initCount = 0;
  private segments: Segment[] = [];
  private retired: Segment[] = [];
  private open: OpenSegment | undefined;
  private nextMsn = 0;
  private discontinuitySequence = 0;
  private discontinuityPending = false;
  private maxSegmentMs = 0;
  private lastPublisherDts: { video?: number; audio?: number } = {};
  /** Rendition time minus publisher time; recomputed at the first sample of a new timeline. */
  private offsetMs: number | undefined = 0;
  /** Where the last segment ended, in rendition time. */
  private timelineEndMs = 0;
  /** Latest decode time muxed, in rendition time. */
  private latestDtsMs = 0;
  private lastCutDts: number | undefined;
  private cutIntervalMs = DEFAULT_FRAME_INTERVAL_MS;
  private pending: MediaSample[] = [];
  private ended = false;
  private closed = false;

  constructor(options: LiveSegmenterOptions = {}) {
    this.format = options.format ?? 'mpegts';
    this.extension = this.format === 'mpegts' ? 'ts' : 'm4s';
    this.targetDurationMs = positiveOption(
      'targetDurationMs',
      options.targetDurationMs ?? DEFAULT_TARGET_DURATION_MS,
    );
    if (this.targetDurationMs < MIN_TARGET_DURATION_MS) {
      throw new MuxError(
        MuxErrorCode.InvalidOption,
        `targetDurationMs ${this.targetDurationMs} < ${MIN_TARGET_DURATION_MS}`,
      );
    }
    this.windowSize = positiveOption('windowSize', options.windowSize ?? DEFAULT_WINDOW_SIZE);
    this.maxSegmentDurationMs = positiveOption(
      'maxSegmentDurationMs',
      options.maxSegmentDurationMs ?? DEFAULT_MAX_SEGMENT_TARGET_DURATIONS * this.targetDurationMs,
    );
    if (this.maxSegmentDurationMs < this.targetDurationMs) {
      throw new MuxError(MuxErrorCode.InvalidOption, `maxSegmentDurationMs is below targetDurationMs`);
    }
    this.maxSegmentBytes = positiveOption(
      'maxSegmentBytes',
      options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES,
    );
    const ll = options.lowLatency;
    if (ll) {
      const part = positiveOption(
        'partTargetMs',
        (ll === true ? undefined : ll.partTargetMs) ?? DEFAULT_PART_TARGET_MS,
      );
      if (part > this.targetDurationMs) {
        throw new MuxError(MuxErrorCode.InvalidOption, `partTargetMs ${part} exceeds targetDurationMs`);
      }
      this.partTargetMs = part;
    }
  }

  /** Takes one sample. Never throws for bad media: unusable samples are dropped and counted in `stats`. */
  push(sample: MediaSample): void {
    if (this.closed) return;
    const defect = sampleDefect(sample);
    if (defect !== undefined) {
      this.drop(defect);
      return;
    }
    if (this.ended) this.restart();
    this.followTracks(sample);
    sample = this.toOutputTime(sample);

    const carried = this.writer?.tracks ?? carriedTracks(this.format, this.tracks);
    if (sample.kind === 'video' ? !carried.video : !carried.audio) {
      this.drop(`${sample.config.codec} ${sample.kind} not carried in ${this.format}`);
      return;
    }
    if (this.open === undefined) {
      this.discover(sample);
      return;
    }
    this.cutBefore(sample);
    this.addToWriter(sample);
  }

  /** A new publisher on the same stream: what follows is a new timeline, after EXT-X-DISCONTINUITY. */
  restart(): void {
    this.interrupt();
    this.tracks = {};
    this.ended = false;
  }

  /** The publisher left: closes the open segment and ends the playlist (EXT-X-ENDLIST). */
  end(): void {
    if (this.ended || this.closed) return;
    this.interrupt();
    this.ended = true;
    this.notify();
  }

  /** Frees everything; pending waits reject with MUX_ERR_ABORTED. For streams nobody watches. */
  close(): void {
    this.closed = true;
    this.waiters.rejectAll(new MuxError(MuxErrorCode.Aborted, 'segmenter closed'));
    this.resources.clear();
    this.segments = [];
    this.retired = [];
    this.open = undefined;
  }

  /** The media playlist, each URI passed through `decorate` (e.g. `tokenDecorator(token)`). */
  playlist(decorate?: UriDecorator): string {
    const listed: PlaylistSegment[] = this.segments.map((segment) => ({
      msn: segment.msn,
      uri: segment.uri,
      durationMs: segment.durationMs,
      discontinuity: segment.discontinuity,
      mapUri: segment.init?.uri,
      parts: segment.parts,
    }));
    const open = this.open;
    if (this.partTargetMs !== undefined && open !== undefined) {
      listed.push({
        msn: open.msn,
        uri: undefined,
        durationMs: open.parts.reduce((sum, part) => sum + part.durationMs, 0),
        discontinuity: open.discontinuity,
        mapUri: open.init?.uri,
        parts: open.parts,
      });
    }
    return renderMediaPlaylist(
      {
        targetDurationS: this.targetDurationS(),
        mediaSequence: this.segments[0]?.msn ?? this.open?.msn ?? this.nextMsn,
        discontinuitySequence: this.discontinuitySequence,
        segments: listed,
        ...(this.partTargetMs !== undefined
          ? { lowLatency: { partTargetMs: this.partTargetMs, preloadHintUri: this.nextPartUri() } }
          : {}),
        ended: this.ended,
      },
      decorate,
    );
  }

  /** A segment, part or init section by the URI the playlist lists, while it is retained. */
  get(uri: string): HlsResource | undefined {
    return this.resources.get(uri);
  }

  /**
   * Like `get`, but a part or segment that is announced (preload hint) or about to be waits until it
   * exists. Resolves undefined for anything that will not appear.
   */
  async fetch(uri: string, signal?: AbortSignal): Promise<HlsResource | undefined> {
    const ready = this.resources.get(uri);
    if (ready !== undefined) return ready;
    const match = /^(?:seg-(\d+)|part-(\d+)\.(\d+))\.(?:ts|m4s)$/.exec(uri);
    if (match === null) return undefined;
    const msn = Number(match[1] ?? match[2]);
    const part = match[3] === undefined ? undefined : Number(match[3]);
    if (msn < this.nextMsn - 1 || msn > this.liveMsn() + 1) return undefined;
    await this.waitFor(msn, part, signal);
    return this.resources.get(uri);
  }

  /**
   * Resolves when the playlist holds segment `msn` (or, with `part`, that part of it or anything later):
   * the blocking reload of rfc8216bis §6.2.5.2 (_HLS_msn/_HLS_part). Resolves at once after the end.
   * Rejects MUX_ERR_REQUEST_TOO_FAR_AHEAD beyond 2 segments past the live edge (the HTTP layer answers
   * 400) and MUX_ERR_ABORTED when `signal` fires or the segmenter closes.
   */
  waitFor(msn: number, part?: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(new MuxError(MuxErrorCode.Aborted, 'segmenter closed'));
    if (this.ended || this.available(msn, part)) return Promise.resolve();
    if (msn > this.liveMsn() + MAX_MSN_AHEAD) {
      return Promise.reject(
        new MuxError(
          MuxErrorCode.RequestTooFarAhead,
          `_HLS_msn ${msn} is beyond ${this.liveMsn()} + ${MAX_MSN_AHEAD}`,
        ),
      );
    }
    return this.waiters.wait(msn, part, signal);
  }

  /** The segments listed in the playlist, for diagnostics and tests. */
  segmentInfo(): SegmentInfo[] {
    return this.segments.map(({ msn, uri, startDts, durationMs, discontinuity, data }) => ({
      msn,
      uri,
      startDts,
      durationMs,
      discontinuity,
      bytes: data.length,
    }));
  }

  private drop(reason: string): void {
    this.stats.droppedSamples++;
    this.stats.lastDropReason = reason;
  }

  /**
   * Maps publisher time to the rendition's time. A backwards or too large forward step within a track
   * starts a new timeline: it gets a discontinuity, and its samples are shifted to continue where the
   * last segment ended, so timestamps never go back in the segments either. (hls.js and Safari reset
   * on EXT-X-DISCONTINUITY; ffmpeg's HLS reader and some MSE players do not.)
   */
  private toOutputTime(sample: MediaSample): MediaSample {
    const last = this.lastPublisherDts[sample.kind];
    if (last !== undefined && (sample.dts < last || sample.dts - last > MAX_TIMESTAMP_GAP_MS)) {
      this.interrupt();
    }
    this.lastPublisherDts[sample.kind] = sample.dts;
    // Whole milliseconds, like publisher timestamps, so the shift adds no rounding error.
    this.offsetMs ??= Math.ceil(this.timelineEndMs) - sample.dts;
    const offset = this.offsetMs;
    if (offset === 0) return sample;
    return sample.kind === 'video'
      ? { ...sample, dts: sample.dts + offset, pts: sample.pts + offset }
      : { ...sample, dts: sample.dts + offset };
  }

  /** Records config changes; one the current writer cannot follow ends the open segment. */
  private followTracks(sample: MediaSample): void {
    if ((sample.kind === 'video' ? this.tracks.video : this.tracks.audio) === sample.config) return;
    const next: TrackSet =
      sample.kind === 'video'
        ? { ...this.tracks, video: sample.config }
        : { ...this.tracks, audio: sample.config };
    this.tracks = next;
    if (this.writer && !writerFits(this.format, this.writer.tracks, carriedTracks(this.format, next))) {
      this.interrupt();
      this.writer = undefined;
    }
  }

  /**
   * With no open segment: holds samples until the track set is known (both tracks seen, or one alone
   * for TRACK_DISCOVERY_MS), then opens the first segment at the first keyframe (at the first audio
   * frame without video). Samples before that keyframe cannot be decoded and are let go.
   */
  private discover(sample: MediaSample): void {
    this.pending.push(sample);
    const tracks = carriedTracks(this.format, this.tracks);
    const first = this.pending[0]!;
    if (!(tracks.video && tracks.audio) && sample.dts - first.dts < TRACK_DISCOVERY_MS) return;
    const pending = this.pending;
    this.pending = [];
    const start = tracks.video ? pending.findIndex((s) => s.kind === 'video' && s.keyframe) : 0;
    if (start < 0 || !this.openSegment(pending[start]!.dts)) return;
    for (const queued of pending.slice(start)) {
      this.cutBefore(queued);
      this.addToWriter(queued);
    }
  }

  /** Closes the segment or part that `sample` must not join. */
  private cutBefore(sample: MediaSample): void {
    const open = this.open!;
    if (
      sample.dts - open.startDts >= this.maxSegmentDurationMs ||
      (open.bytes > 0 && open.bytes + sample.data.length > this.maxSegmentBytes)
    ) {
      // No keyframe came within the bound: cut here, mid-GOP, so the segment cannot grow without end.
      this.stats.forcedCuts++;
      const independent = sample.kind === 'audio' ? !this.writer?.tracks.video : sample.keyframe;
      this.closeSegment(sample.dts, sample.kind === 'video' ? sample.dts : undefined);
      this.openSegment(sample.dts, independent);
      return;
    }
    const cutKind = this.writer?.tracks.video ? 'video' : 'audio';
    if (sample.kind !== cutKind) return;
    const independent = sample.kind === 'audio' || sample.keyframe;
    if (independent && sample.dts - open.startDts >= this.targetDurationMs) {
      this.closeSegment(sample.dts, sample.kind === 'video' ? sample.dts : undefined);
      // The writer fits the tracks (followTracks drops it otherwise), so this reuses it and cannot fail.
      this.openSegment(sample.dts);
    } else if (
      this.partTargetMs !== undefined &&
      sample.dts > open.partStartDts &&
      sample.dts - open.partStartDts + this.cutIntervalMs > this.partTargetMs
    ) {
      this.closePart(open, sample.dts, sample.kind === 'video' ? sample.dts : undefined, independent);
    }
    if (this.lastCutDts !== undefined && sample.dts > this.lastCutDts)
      this.cutIntervalMs = sample.dts - this.lastCutDts;
    this.lastCutDts = sample.dts;
  }

  private addToWriter(sample: MediaSample): void {
    try {
      this.writer!.add(sample);
      if (this.open) this.open.bytes += sample.data.length;
      this.latestDtsMs = Math.max(this.latestDtsMs, sample.dts);
    } catch (error) {
      if (!(error instanceof MuxError)) throw error;
      this.drop(error.message);
    }
  }

  /**
   * Opens the next segment; its first sample is a keyframe (or audio), so its first part is independent,
   * unless a cut at the segment bound opened it mid-GOP (`independent` false).
   * False when no writer can be built for the tracks (a config the container cannot express).
   */
  private openSegment(startDts: number, independent = true): boolean {
    const tracks = carriedTracks(this.format, this.tracks);
    if (this.writer === undefined || !writerFits(this.format, this.writer.tracks, tracks)) {
      try {
        this.writer = createChunkWriter(this.format, tracks);
      } catch (error) {
        if (!(error instanceof MuxError)) throw error;
        this.writer = undefined;
        this.drop(error.message);
        return false;
      }
      const initData = this.writer.initSegment;
      this.init = initData && { uri: `init-${this.initCount++}.mp4`, data: initData };
      if (this.init)
        this.resources.set(this.init.uri, { data: this.init.data, contentType: HLS_CONTENT_TYPES.fmp4 });
    }
    this.writer.beginSegment();
    this.open = {
      msn: this.nextMsn++,
      startDts,
      discontinuity: this.discontinuityPending,
      init: this.init,
      parts: [],
      partStartDts: startDts,
      partIndependent: independent,
      bytes: 0,
    };
    if (this.discontinuityPending) this.stats.discontinuities++;
    this.discontinuityPending = false;
    this.lastCutDts = startDts;
    return true;
  }

  private closePart(
    open: OpenSegment,
    endDts: number,
    nextVideoDts: number | undefined,
    nextIndependent: boolean,
  ): void {
    const data = this.writer!.flush(nextVideoDts);
    if (data !== undefined) {
      const uri = `part-${open.msn}.${open.parts.length}.${this.extension}`;
      const part: Part = {
        uri,
        data,
        durationMs: endDts - open.partStartDts,
        independent: open.partIndependent,
      };
      open.parts.push(part);
      this.resources.set(uri, { data, contentType: this.contentType() });
      this.stats.parts++;
    }
    open.partStartDts = endDts;
    open.partIndependent = nextIndependent;
    this.notify();
  }

  private closeSegment(endDts: number, nextVideoDts: number | undefined): void {
    const open = this.open!;
    this.open = undefined;
    let data: Buffer;
    if (this.partTargetMs !== undefined) {
      this.closePart(open, endDts, nextVideoDts, true);
      data = Buffer.concat(open.parts.map((part) => part.data));
      // Parts become views of the segment so each byte is held once.
      let at = 0;
      for (const part of open.parts) {
        part.data = data.subarray(at, at + part.data.length);
        at += part.data.length;
        this.resources.set(part.uri, { data: part.data, contentType: this.contentType() });
      }
    } else {
      data = this.writer!.flush(nextVideoDts) ?? Buffer.alloc(0);
    }
    if (data.length === 0) {
      this.nextMsn = open.msn; // nothing was muxed (all samples dropped): the number is reused
      return;
    }
    const segment: Segment = {
      msn: open.msn,
      uri: `seg-${open.msn}.${this.extension}`,
      startDts: open.startDts,
      durationMs: Math.max(0, endDts - open.startDts),
      discontinuity: open.discontinuity,
      init: open.init,
      parts: open.parts,
      data,
    };
    this.segments.push(segment);
    this.resources.set(segment.uri, { data, contentType: this.contentType() });
    this.maxSegmentMs = Math.max(this.maxSegmentMs, segment.durationMs);
    this.timelineEndMs = segment.startDts + segment.durationMs;
    this.stats.segments++;
    this.slideWindow();
    this.notify();
  }

  /**
   * Ends the open segment where its last frame is expected to end. The next segment carries a
   * discontinuity and starts a new timeline: the publisher clock is re-anchored at the next sample,
   * after everything muxed so far, so a guessed end can never make time go back.
   */
  private interrupt(): void {
    if (this.open !== undefined) {
      const end = (this.lastCutDts ?? this.open.startDts) + this.cutIntervalMs;
      this.closeSegment(end, undefined);
    }
    if (this.nextMsn > 0) this.discontinuityPending = true;
    // Audio often runs a little past the last video frame: the new timeline starts after both.
    this.timelineEndMs = Math.max(this.timelineEndMs, this.latestDtsMs + this.cutIntervalMs);
    this.lastPublisherDts = {};
    this.offsetMs = undefined;
    this.lastCutDts = undefined;
    this.cutIntervalMs = DEFAULT_FRAME_INTERVAL_MS;
    this.pending = [];
  }

  /**
   * Drops the oldest segments beyond the window, but never below 3 target durations of playlist
   * (RFC 8216 §6.2.2). Removed segments stay fetchable for another window's worth, since players
   * that loaded an older playlist still ask for them (§6.2.2: available for the playlist duration).
   */
  private slideWindow(): void {
    const minimumMs = MIN_PLAYLIST_TARGET_DURATIONS * this.targetDurationS() * 1000;
    let totalMs = this.segments.reduce((sum, segment) => sum + segment.durationMs, 0);
    while (this.segments.length > this.windowSize && totalMs - this.segments[0]!.durationMs >= minimumMs) {
      const oldest = this.segments.shift()!;
      totalMs -= oldest.durationMs;
      if (oldest.discontinuity) this.discontinuitySequence++;
      this.retired.push(oldest);
    }
    while (this.retired.length > this.windowSize) {
      const gone = this.retired.shift()!;
      this.resources.delete(gone.uri);
      for (const part of gone.parts) this.resources.delete(part.uri);
      const initInUse =
        gone.init === this.init || this.retired.concat(this.segments).some((s) => s.init === gone.init);
      if (gone.init && !initInUse) this.resources.delete(gone.init.uri);
    }
  }

  /**
   * EXT-X-TARGETDURATION: the configured target, raised to the longest segment rounded to the nearest
   * second (RFC 8216 §4.3.3.1) when a publisher's keyframe interval is longer. It never decreases.
   */
  private targetDurationS(): number {
    return Math.max(Math.ceil(this.targetDurationMs / 1000), Math.round(this.maxSegmentMs / 1000));
  }

  private contentType(): string {
    return this.format === 'mpegts' ? HLS_CONTENT_TYPES.mpegts : HLS_CONTENT_TYPES.fmp4;
  }

  /** MSN of the segment at the live edge: the open one, else the last completed. */
  private liveMsn(): number {
    return this.open?.msn ?? this.nextMsn - 1;
  }

  private nextPartUri(): string | undefined {
    const open = this.open;
    return open && `part-${open.msn}.${open.parts.length}.${this.extension}`;
  }

  private available(msn: number, part: number | undefined): boolean {
    const lastComplete = this.segments[this.segments.length - 1]?.msn ?? -1;
    if (msn <= lastComplete) return true;
    if (part === undefined || this.open === undefined) return false;
    return this.open.msn > msn || (this.open.msn === msn && this.open.parts.length > part);
  }

  private notify(): void {
    this.waiters.release((msn, part) => this.ended || this.available(msn, part));
  }
}
