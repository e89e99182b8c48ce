// FLV (Adobe Flash Video File Format Specification v10.1, Annex E) to a MediaFileIndex: every tag
// header is read (in large blocks), never trusted metadata (onMetaData's keyframes are the writer's
// claim). Sample bytes are the tag bodies as stored, which are exactly the RTMP message payloads.
//
// A file that ends inside its last tag (a recording whose edge was killed) plays up to the last whole
// tag; anything else broken is refused with the byte it broke at.
import {
  parseAudioSpecificConfig,
  parseAvcDecoderConfigurationRecord,
  parseH264Sps,
  MediaError as RtmpMediaError,
} from '@tributary/rtmp-core';
import { MediaFileError, MediaFileErrorCode } from '../errors';
import { mp3FrameFormat } from '../flv/mp3-frame';
import {
  DEFAULT_INDEX_LIMITS,
  type IndexedAudioTrack,
  type IndexedVideoTrack,
  type IndexLimits,
  keyframesOf,
  type MediaFileIndex,
  type RandomAccessSource,
  SAMPLE_KEYFRAME,
  SAMPLE_VIDEO,
  type SampleTable,
} from './media-index';

const FLV_HEADER_MIN = 9;
const TAG_HEADER = 11;
const PREVIOUS_TAG_SIZE = 4;
/** Bytes read at a time while walking the tags. */
const BLOCK = 1 << 20;
/** Tags without a sample (script data, sequence headers) a file may have beyond its samples. */
const MAX_OTHER_TAGS = 100_000;
/** A sequence header is a few dozen bytes; one larger than this is not one. */
const MAX_SEQUENCE_HEADER = 64 * 1024;

const TAG_AUDIO = 8;
const TAG_VIDEO = 9;
const TAG_SCRIPT = 18;
const VIDEO_AVC = 7;
const AUDIO_MP3 = 2;
const AUDIO_AAC = 10;
const AUDIO_FORMAT_NAMES: Record<number, string> = {
  0: 'linear PCM',
  1: 'ADPCM',
  3: 'linear PCM (little endian)',
  4: 'Nellymoser 16 kHz',
  5: 'Nellymoser 8 kHz',
  6: 'Nellymoser',
  7: 'G.711 A-law',
  8: 'G.711 mu-law',
  9: 'enhanced (FourCC) audio',
  11: 'Speex',
  14: 'MP3 8 kHz',
  15: 'device-specific sound',
};
const VIDEO_CODEC_NAMES: Record<number, string> = {
  2: 'Sorenson H.263',
  3: 'Screen video',
  4: 'On2 VP6',
  5: 'On2 VP6 with alpha',
  6: 'Screen video 2',
  12: 'HEVC (legacy id 12)',
};

const malformed = (msg: string) => new MediaFileError(MediaFileErrorCode.Malformed, msg);
const unsupported = (msg: string) => new MediaFileError(MediaFileErrorCode.Unsupported, msg);

/** Reads a source through one cached block: tag headers are tiny and close together. */
class BlockReader {
  private block = Buffer.alloc(0);
  private blockAt = 0;

  constructor(private readonly src: RandomAccessSource) {}

  /** Up to n bytes at offset (fewer at the end of the file). */
  async bytes(offset: number, n: number): Promise<Buffer> {
    if (offset < this.blockAt || offset + n > this.blockAt + this.block.length) {
      this.blockAt = offset;
      this.block = Buffer.from(await this.src.read(offset, Math.max(n, BLOCK)));
    }
    const from = offset - this.blockAt;
    return this.block.subarray(from, Math.min(this.block.length, from + n));
  }
}

/** Grows parallel typed arrays as tags are found, up to the sample limit. */
class TableBuilder {
  count = 0;
  offset = new Float64Array(1024);
  size = new Uint32Array(1024);
  dts = new Float64Array(1024);
  cto = new Float64Array(1024);
  flags = new Uint8Array(1024);

  constructor(private readonly max: number) {}

  push(offset: number, size: number, dts: number, cto: number, flags: number): void {
    if (this.count >= this.max)
      throw new MediaFileError(MediaFileErrorCode.TooLarge, `more than the ${this.max} samples allowed`);
    if (this.count === this.offset.length) {
      const cap = Math.min(this.max, this.count * 2);
      this.offset = grow(this.offset, new Float64Array(cap));
      this.size = grow(this.size, new Uint32Array(cap));
      this.dts = grow(this.dts, new Float64Array(cap));
      this.cto = grow(this.cto, new Float64Array(cap));
      this.flags = grow(this.flags, new Uint8Array(cap));
    }
    const i = this.count++;
    this.offset[i] = offset;
    this.size[i] = size;
    this.dts[i] = dts;
    this.cto[i] = cto;
    this.flags[i] = flags;
  }

  table(): SampleTable {
    const n = this.count;
    return {
      count: n,
      offset: this.offset.slice(0, n),
      size: this.size.slice(0, n),
      dts: this.dts.slice(0, n),
      cto: this.cto.slice(0, n),
      flags: this.flags.slice(0, n),
      bare: false,
    };
  }
}

function grow<T extends Float64Array | Uint32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Indexes an FLV file. Throws MediaFileError with a reason an uploader can act on. */
export async function indexFlv(src: RandomAccessSource, limits: IndexLimits = {}): Promise<MediaFileIndex> {
  const lim = { ...DEFAULT_INDEX_LIMITS, ...limits };
  const reader = new BlockReader(src);
  const header = await reader.bytes(0, FLV_HEADER_MIN);
  if (header.length < 3 || header.toString('latin1', 0, 3) !== 'FLV')
    throw new MediaFileError(MediaFileErrorCode.UnknownFormat, 'not an FLV file (no "FLV" signature)');
  if (header.length < FLV_HEADER_MIN)
    throw new MediaFileError(MediaFileErrorCode.Truncated, 'the FLV header is cut short');
  if (header[3] !== 1) throw unsupported(`FLV version ${header[3]}`);
  const dataOffset = header.readUInt32BE(5);
  if (dataOffset < FLV_HEADER_MIN || dataOffset > src.size) throw malformed(`FLV header size ${dataOffset}`);

  const table = new TableBuilder(lim.maxSamples);
  let video: IndexedVideoTrack | null = null;
  let audio: IndexedAudioTrack | null = null;
  let videoSeq: Buffer | null = null;
  let audioSeq: Buffer | null = null;
  let first: number | null = null;
  const last = { video: Number.NEGATIVE_INFINITY, audio: Number.NEGATIVE_INFINITY };
  let at = dataOffset + PREVIOUS_TAG_SIZE;
  let prevVideoDts = 0;
  let lastVideoDelta = 0;
  // Tags that carry no sample (script data, sequence headers, empty tags) count too: a file of
  // nothing but those must not cost a walk of millions of tags.
  const maxTags = lim.maxSamples + MAX_OTHER_TAGS;
  for (let tags = 0; at + TAG_HEADER <= src.size; tags++) {
    if (tags >= maxTags) throw new MediaFileError(MediaFileErrorCode.TooLarge, `more than ${maxTags} tags`);
    const h = await reader.bytes(at, TAG_HEADER + 5);
    if (h.length < TAG_HEADER) break;
    const type = (h[0] as number) & 0x1f;
    if ((h[0] as number) & 0x20) throw unsupported(`an encrypted (filtered) tag at byte ${at}`);
    const dataSize = h.readUIntBE(1, 3);
    const ts = (h.readUIntBE(4, 3) | ((h[7] as number) << 24)) >>> 0;
    const dataAt = at + TAG_HEADER;
    const next = dataAt + dataSize + PREVIOUS_TAG_SIZE;
    if (dataAt + dataSize > src.size) break; // the last tag is cut short: play up to the one before
    if (type !== TAG_AUDIO && type !== TAG_VIDEO && type !== TAG_SCRIPT)
      throw malformed(`tag type ${type} at byte ${at} (not audio, video or script data)`);
    if (type === TAG_VIDEO && dataSize > 0) {
      const b0 = h[TAG_HEADER] as number;
      if (b0 & 0x80) throw unsupported(`enhanced (FourCC) video at byte ${at}; H.264 only`);
      const codec = b0 & 0x0f;
      if (codec !== VIDEO_AVC)
        throw unsupported(`${VIDEO_CODEC_NAMES[codec] ?? `video codec ${codec}`} video; H.264 only`);
      if (dataSize < 5) throw malformed(`an H.264 video tag of ${dataSize} bytes at byte ${at}`);
      const packetType = h[TAG_HEADER + 1] as number;
      if (packetType === 0) {
        if (dataSize > MAX_SEQUENCE_HEADER) throw malformed(`an H.264 sequence header of ${dataSize} bytes`);
        const body = Buffer.from(await reader.bytes(dataAt, dataSize));
        if (videoSeq === null) {
          if (body.length < 12 || body[5] !== 1)
            throw malformed('the H.264 sequence header is not an AVCDecoderConfigurationRecord');
          videoSeq = body;
        } else if (!videoSeq.equals(body)) {
          throw unsupported('the H.264 configuration changes mid-file (a new resolution or encoder)');
        }
      } else if (packetType === 1) {
        if (videoSeq === null) throw malformed(`H.264 frames before the sequence header, at byte ${at}`);
        first ??= ts;
        const dts = Math.max(ts - first, last.video);
        lastVideoDelta = dts - prevVideoDts;
        prevVideoDts = dts;
        last.video = dts;
        const cto = (h.readUIntBE(TAG_HEADER + 2, 3) << 8) >> 8; // SI24
        const key = b0 >> 4 === 1;
        table.push(dataAt, dataSize, dts, cto, SAMPLE_VIDEO | (key ? SAMPLE_KEYFRAME : 0));
      }
    } else if (type === TAG_AUDIO && dataSize > 0) {
      const b0 = h[TAG_HEADER] as number;
      const format = b0 >> 4;
      if (format === AUDIO_AAC) {
        if (dataSize < 2) throw malformed(`an AAC audio tag of ${dataSize} bytes at byte ${at}`);
        const packetType = h[TAG_HEADER + 1] as number;
        if (packetType === 0) {
          if (dataSize > MAX_SEQUENCE_HEADER) throw malformed(`an AAC sequence header of ${dataSize} bytes`);
          const body = Buffer.from(await reader.bytes(dataAt, dataSize));
          if (audioSeq === null) audioSeq = body;
          else if (!audioSeq.equals(body)) throw unsupported('the AAC configuration changes mid-file');
        } else {
          if (audioSeq === null) throw malformed(`AAC frames before the sequence header, at byte ${at}`);
          first ??= ts;
          const dts = Math.max(ts - first, last.audio);
          last.audio = dts;
          table.push(dataAt, dataSize, dts, 0, 0);
        }
      } else if (format === AUDIO_MP3) {
        first ??= ts;
        const dts = Math.max(ts - first, last.audio);
        last.audio = dts;
        if (audio === null) {
          const frame = await reader.bytes(dataAt + 1, Math.min(dataSize - 1, 4));
          const fmt = mp3FrameFormat(frame);
          if (!fmt) throw malformed(`an MP3 tag at byte ${at} does not start with an MP3 frame header`);
          audio = { codec: 'mp3', sampleRate: fmt.sampleRate, channels: fmt.channels, sequenceHeader: null };
        }
        table.push(dataAt, dataSize, dts, 0, 0);
      } else {
        throw unsupported(`${AUDIO_FORMAT_NAMES[format] ?? `audio format ${format}`} audio; AAC or MP3 only`);
      }
    }
    at = next;
  }

  if (videoSeq) {
    const size = avcPictureSize(videoSeq.subarray(5));
    video = {
      codec: 'h264',
      width: size.width,
      height: size.height,
      frameRate: null,
      sequenceHeader: videoSeq,
    };
  }
  if (audioSeq) {
    try {
      const asc = parseAudioSpecificConfig(audioSeq.subarray(2));
      audio = { codec: 'aac', sampleRate: asc.sampleRate, channels: asc.channels, sequenceHeader: audioSeq };
    } catch (error) {
      if (error instanceof RtmpMediaError) throw malformed(`AudioSpecificConfig: ${error.message}`);
      throw error;
    }
  }
  const samples = table.table();
  if (samples.count === 0 || (!video && !audio))
    throw new MediaFileError(MediaFileErrorCode.NoMedia, 'no H.264 video or AAC/MP3 audio frames');
  const keyframes = keyframesOf(samples);
  if (video && keyframes.timeMs.length === 0) throw malformed('the video has no keyframe');
  const videoFrames = samples.flags.reduce((n, f) => n + (f & SAMPLE_VIDEO), 0);
  const end = Math.max(last.video + lastVideoDelta, last.audio, 0);
  if (video && videoFrames > 1 && last.video > 0)
    video = { ...video, frameRate: Math.round(((videoFrames - 1) * 1000 * 1000) / last.video) / 1000 };
  return { format: 'flv', durationMs: end, video, audio, samples, keyframes };
}

/** Width and height from the record's first SPS, 0 × 0 when it cannot be read (informative only). */
function avcPictureSize(record: Buffer): { width: number; height: number } {
  try {
    const avc = parseAvcDecoderConfigurationRecord(record);
    const sps = avc.sps[0];
    return sps ? parseH264Sps(sps) : { width: 0, height: 0 };
  } catch (error) {
    if (error instanceof RtmpMediaError) return { width: 0, height: 0 };
    throw error;
  }
}
