// MPEG-TS muxer (ISO/IEC 13818-1) for HLS segments (RFC 8216 §3.2): one program, one video PID (H.264
// or HEVC) and one audio PID (AAC in ADTS, or MP3). Each sample becomes one PES packet, returned as
// whole 188-byte packets; PAT/PMT are written on demand (at every segment start).
import { MuxError, MuxErrorCode } from '../errors';
import type { AudioConfig, AudioSample, MediaSample, TrackSet, VideoConfig, VideoSample } from '../types';
import { adtsHeader, adtsHeaderTemplate } from './adts';
import { annexBAccessUnit } from './annexb';
import { ContinuityCounters, packetizePes } from './packetizer';
import { MAX_BOUNDED_PES_PAYLOAD, StreamId, writePesHeader } from './pes';
import { type PmtStream, patPacket, pmtPacket, StreamType } from './psi';
import { MAX_USER_PID, MIN_USER_PID, msTo90k, PID_PAT, TIMESTAMP_MODULO } from './ts-packet';

export interface TsMuxerOptions {
  readonly pmtPid?: number;
  readonly videoPid?: number;
  readonly audioPid?: number;
  /**
   * Ticks (90 kHz) added to every PTS/DTS. PCR runs PCR_LEAD behind DTS, and a publisher's clock
   * starts at 0, so without an offset the first PCRs would be negative and wrap. 1.4 s is what
   * ffmpeg's mpegts muxer uses, so our segments line up with what players already see.
   */
  readonly timestampOffset?: number;
}

/** Default PIDs: the values ffmpeg and most packagers use, which makes captures easy to compare. */
const DEFAULT_PMT_PID = 0x1000;
const DEFAULT_VIDEO_PID = 0x100;
const DEFAULT_AUDIO_PID = 0x101;
const DEFAULT_TIMESTAMP_OFFSET = 126_000;
/**
 * PCR is sent this far (90 kHz ticks, 0.7 s) ahead of the DTS of the access unit it travels with, so the
 * T-STD model (§2.4.2) has the unit in its buffer before it is due (ffmpeg's default muxdelay).
 */
const PCR_LEAD = 63_000;
/** MPEG-1 audio (layer III) covers 32-48 kHz; lower rates are the MPEG-2 extension (ISO/IEC 13818-3). */
const MPEG1_AUDIO_MIN_RATE = 32_000;

function videoStreamType(config: VideoConfig): StreamType {
  switch (config.codec) {
    case 'h264':
      return StreamType.H264;
    case 'hevc':
      return StreamType.Hevc;
    default:
      throw new MuxError(MuxErrorCode.UnsupportedCodec, `MPEG-TS cannot carry ${config.codec} video`);
  }
}

function audioStreamType(config: AudioConfig): StreamType {
  switch (config.codec) {
    case 'aac':
      return StreamType.AdtsAac;
    case 'mp3':
      return config.sampleRate >= MPEG1_AUDIO_MIN_RATE ? StreamType.Mpeg1Audio : StreamType.Mpeg2Audio;
    default:
      throw new MuxError(MuxErrorCode.UnsupportedCodec, `MPEG-TS cannot carry ${config.codec} audio`);
  }
}

function checkPid(name: string, pid: number): number {
  if (!Number.isInteger(pid) || pid < MIN_USER_PID || pid > MAX_USER_PID) {
    throw new MuxError(MuxErrorCode.InvalidOption, `${name} ${pid} outside ${MIN_USER_PID}..${MAX_USER_PID}`);
  }
  return pid;
}

export class TsMuxer {
  private readonly counters = new ContinuityCounters();
  private readonly pmtPid: number;
  private readonly videoPid: number;
  private readonly audioPid: number;
  private readonly pcrPid: number;
  private readonly streams: PmtStream[] = [];
  private readonly offset: number;
  private adtsTemplate: { config: AudioConfig; header: Buffer } | undefined;

  constructor(
    readonly tracks: TrackSet,
    options: TsMuxerOptions = {},
  ) {
    this.pmtPid = checkPid('pmtPid', options.pmtPid ?? DEFAULT_PMT_PID);
    this.videoPid = checkPid('videoPid', options.videoPid ?? DEFAULT_VIDEO_PID);
    this.audioPid = checkPid('audioPid', options.audioPid ?? DEFAULT_AUDIO_PID);
    if (new Set([this.pmtPid, this.videoPid, this.audioPid]).size !== 3) {
      throw new MuxError(MuxErrorCode.InvalidOption, 'pmtPid, videoPid and audioPid must differ');
    }
    this.offset = options.timestampOffset ?? DEFAULT_TIMESTAMP_OFFSET;
    if (tracks.video) this.streams.push({ streamType: videoStreamType(tracks.video), pid: this.videoPid });
    if (tracks.audio) this.streams.push({ streamType: audioStreamType(tracks.audio), pid: this.audioPid });
    if (this.streams.length === 0) throw new MuxError(MuxErrorCode.InvalidOption, 'TsMuxer needs a track');
    // The PCR rides on video when there is video (frames are regular and keyframes carry it),
    // else on audio (§2.4.4.9: PCR_PID is any PID of the program).
    this.pcrPid = tracks.video ? this.videoPid : this.audioPid;
  }

  /** PAT then PMT, two packets: what a segment starts with so each can be decoded alone (RFC 8216 §3.2). */
  tables(): Buffer {
    return Buffer.concat([
      patPacket(this.pmtPid, this.counters.take(PID_PAT)),
      pmtPacket(this.pmtPid, this.pcrPid, this.streams, 0, this.counters.take(this.pmtPid)),
    ]);
  }

  /** One PES for the sample as whole transport packets. Throws MuxError for a sample it cannot mux. */
  write(sample: MediaSample): Buffer {
    if (sample.data.length === 0)
      throw new MuxError(MuxErrorCode.MalformedSample, `empty ${sample.kind} sample`);
    return sample.kind === 'video' ? this.writeVideo(sample) : this.writeAudio(sample);
  }

  private writeVideo(sample: VideoSample): Buffer {
    const track = this.tracks.video;
    if (track === undefined || sample.config.codec !== track.codec) {
      throw new MuxError(MuxErrorCode.TrackMismatch, `no ${sample.config.codec} video track in this program`);
    }
    const { parts, length } = annexBAccessUnit(sample);
    const dts = msTo90k(sample.dts, this.offset);
    const pts = msTo90k(Math.max(sample.pts, sample.dts), this.offset);
    parts.unshift(writePesHeader(StreamId.Video, pts, dts, length));
    return packetizePes(
      parts,
      { pid: this.videoPid, pcr: this.pcrFor(this.videoPid, dts), randomAccess: sample.keyframe },
      this.counters,
    );
  }

  private writeAudio(sample: AudioSample): Buffer {
    const track = this.tracks.audio;
    if (track === undefined || sample.config.codec !== track.codec) {
      throw new MuxError(MuxErrorCode.TrackMismatch, `no ${sample.config.codec} audio track in this program`);
    }
    const parts: Buffer[] = [];
    if (sample.config.codec === 'aac')
      parts.push(adtsHeader(this.adtsTemplateFor(sample.config), sample.data.length));
    parts.push(sample.data);
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    if (length > MAX_BOUNDED_PES_PAYLOAD) {
      throw new MuxError(MuxErrorCode.MalformedSample, `audio frame of ${length} bytes exceeds one PES`);
    }
    const pts = msTo90k(sample.dts, this.offset);
    parts.unshift(writePesHeader(StreamId.Audio, pts, pts, length));
    // Every audio frame is a random access point; flag it only where it matters, on audio-only programs.
    const randomAccess = this.pcrPid === this.audioPid;
    return packetizePes(
      parts,
      { pid: this.audioPid, pcr: this.pcrFor(this.audioPid, pts), randomAccess },
      this.counters,
    );
  }

  private pcrFor(pid: number, dts: number): number | undefined {
    return pid === this.pcrPid ? (dts - PCR_LEAD + TIMESTAMP_MODULO) % TIMESTAMP_MODULO : undefined;
  }

  /** The ADTS fields depend only on the config, so they are computed once per config object. */
  private adtsTemplateFor(config: AudioConfig): Buffer {
    if (this.adtsTemplate?.config !== config)
      this.adtsTemplate = { config, header: adtsHeaderTemplate(config) };
    return this.adtsTemplate.header;
  }
}
