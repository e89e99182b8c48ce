// MP4 (ISO/IEC 14496-12, ISO BMFF; QuickTime .mov is close enough for H.264/AAC files) to a
// MediaFileIndex: the moov box's sample tables (stts, ctts, stss, stsc, stsz/stz2, stco/co64) become one
// list of samples with file offsets and times; the sample entries (avc1/avcC, mp4a/esds) the sequence
// headers. No sample is read: only box headers at the top level and the moov box.
//
// Everything here is an uploader's bytes: each box must fit its parent and the file, each table its
// box, counts are checked against one another, and the work is bounded by the limits (samples, moov
// size, top-level boxes) before anything is allocated.
import { parseAudioSpecificConfig, MediaError as RtmpMediaError } from '@tributary/rtmp-core';
import { MediaFileError, MediaFileErrorCode } from '../errors';
import {
  DEFAULT_INDEX_LIMITS,
  type IndexedAudioTrack,
  type IndexedVideoTrack,
  type IndexLimits,
  interleave,
  keyframesOf,
  type MediaFileIndex,
  type RandomAccessSource,
  type TrackSamples,
} from './media-index';

/** Top-level boxes a file may have before the walk gives up (a real file has under ten). */
const MAX_TOP_LEVEL_BOXES = 1024;
/** Types that may open an MP4/MOV file (ftyp first in MP4; QuickTime may start with any of these). */
export const MP4_FIRST_BOX_TYPES: ReadonlySet<string> = new Set([
  'ftyp',
  'moov',
  'mdat',
  'free',
  'skip',
  'wide',
  'pdin',
]);

const malformed = (msg: string) => new MediaFileError(MediaFileErrorCode.Malformed, msg);
const unsupported = (msg: string) => new MediaFileError(MediaFileErrorCode.Unsupported, msg);

interface Box {
  type: string;
  /** Payload start and end (after the header) in the buffer the box was read from. */
  start: number;
  end: number;
}

/** The child boxes in buf[start, end). Every child must fit; a size of 0 means "to the end". */
function* children(buf: Buffer, start: number, end: number, parent: string): Generator<Box> {
  let at = start;
  while (at < end) {
    if (end - at < 8) throw malformed(`${end - at} stray bytes at the end of ${parent}`);
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      if (end - at < 16) throw malformed(`${type} in ${parent} has a 64-bit size but no room for it`);
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || size > end - at)
      throw malformed(`${type} in ${parent} is ${size} bytes, but ${end - at} remain in it`);
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  for (const b of children(buf, parent.start, parent.end, parent.type)) if (b.type === type) return b;
  return undefined;
}

function need(buf: Buffer, parent: Box, type: string): Box {
  const b = child(buf, parent, type);
  if (!b) throw malformed(`${parent.type} has no ${type}`);
  return b;
}

/** A cursor over one box's payload: every read is checked against the box's end. */
class BoxReader {
  private at: number;

  constructor(
    private readonly buf: Buffer,
    private readonly box: Box,
  ) {
    this.at = box.start;
  }

  get remaining(): number {
    return this.box.end - this.at;
  }

  private take(n: number, what: string): number {
    if (n > this.box.end - this.at)
      throw malformed(
        `${this.box.type} ends before its ${what} (${n} bytes needed, ${this.box.end - this.at} left)`,
      );
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(what: string): number {
    return this.buf.readUInt8(this.take(1, what));
  }
  u16(what: string): number {
    return this.buf.readUInt16BE(this.take(2, what));
  }
  u32(what: string): number {
    return this.buf.readUInt32BE(this.take(4, what));
  }
  i32(what: string): number {
    return this.buf.readInt32BE(this.take(4, what));
  }
  u64(what: string): number {
    const v = this.buf.readBigUInt64BE(this.take(8, what));
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${this.box.type} ${what} ${v} is out of range`);
    return Number(v);
  }
  skip(n: number, what: string): void {
    this.take(n, what);
  }
  bytes(n: number, what: string): Buffer {
    const at = this.take(n, what);
    return this.buf.subarray(at, at + n);
  }
  /** version and flags of a full box. */
  fullBox(): { version: number; flags: number } {
    const v = this.u32('version and flags');
    return { version: v >>> 24, flags: v & 0xffffff };
  }
  /** A table of `count` entries of `entryBytes` must fit what is left. */
  table(count: number, entryBytes: number, what: string): void {
    if (count * entryBytes > this.remaining)
      throw malformed(
        `${this.box.type} announces ${count} ${what}, room for ${Math.floor(this.remaining / entryBytes)}`,
      );
  }
}

interface TrackFacts {
  handler: string;
  timescale: number;
  entryType: string;
  video?: { width: number; height: number; avcC: Buffer };
  audio?: { codec: 'aac' | 'mp3'; sampleRate: number; channels: number; asc: Buffer | null };
  samples: TrackSamples;
  durationMs: number;
}

/**
 * Indexes an MP4 file. Throws MediaFileError with a reason an uploader can act on: not an MP4,
 * truncated, fragmented (not supported), codecs other than H.264 and AAC/MP3, no media at all.
 */
export async function indexMp4(src: RandomAccessSource, limits: IndexLimits = {}): Promise<MediaFileIndex> {
  const lim = { ...DEFAULT_INDEX_LIMITS, ...limits };
  let moov: { offset: number; size: number } | undefined;
  let offset = 0;
  for (let n = 0; offset < src.size; n++) {
    if (n >= MAX_TOP_LEVEL_BOXES) throw malformed(`more than ${MAX_TOP_LEVEL_BOXES} top-level boxes`);
    const head = Buffer.from(await src.read(offset, 16));
    if (head.length < 8)
      throw new MediaFileError(
        MediaFileErrorCode.Truncated,
        `the file ends inside a box header at byte ${offset}`,
      );
    let size = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    let header = 8;
    if (n === 0 && !MP4_FIRST_BOX_TYPES.has(type))
      throw new MediaFileError(
        MediaFileErrorCode.UnknownFormat,
        `not an MP4 file (it starts with "${printable(type)}")`,
      );
    if (size === 1) {
      if (head.length < 16)
        throw new MediaFileError(MediaFileErrorCode.Truncated, `the file ends inside the ${type} box header`);
      const big = head.readBigUInt64BE(8);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${type} size ${big} is out of range`);
      size = Number(big);
      header = 16;
    } else if (size === 0) {
      size = src.size - offset;
    }
    if (size < header) throw malformed(`${type} at byte ${offset} is ${size} bytes, less than its header`);
    if (offset + size > src.size) {
      throw new MediaFileError(
        MediaFileErrorCode.Truncated,
        `the file is ${src.size} bytes but its ${type} box ends at byte ${offset + size} (an upload cut short?)`,
      );
    }
    if (type === 'moof')
      throw unsupported('fragmented MP4 (moof boxes) is not supported; remux with -movflags +faststart');
    if (type === 'moov') {
      if (moov) throw malformed('two moov boxes');
      moov = { offset, size };
    }
    offset += size;
  }
  if (!moov) throw malformed('no moov box (the file has no sample tables)');
  if (moov.size > lim.maxMoovBytes)
    throw new MediaFileError(
      MediaFileErrorCode.TooLarge,
      `the moov box is ${moov.size} bytes, more than ${lim.maxMoovBytes}`,
    );
  const buf = Buffer.from(await src.read(moov.offset, moov.size));
  if (buf.length < moov.size)
    throw new MediaFileError(MediaFileErrorCode.Truncated, 'the file ends inside the moov box');
  const top = [...children(buf, 0, buf.length, 'file')][0];
  if (top?.type !== 'moov') throw malformed('moov box unreadable');
  if (child(buf, top, 'mvex'))
    throw unsupported('fragmented MP4 (mvex) is not supported; remux with -movflags +faststart');

  let video: TrackFacts | undefined;
  let audio: TrackFacts | undefined;
  let budget = lim.maxSamples;
  for (const trak of children(buf, top.start, top.end, 'moov')) {
    if (trak.type !== 'trak') continue;
    const facts = readTrack(buf, trak, src.size, budget);
    if (!facts) continue;
    if (facts.handler === 'vide') {
      if (video) continue; // the first video track plays
      video = facts;
    } else {
      if (audio) continue;
      audio = facts;
    }
    budget -= facts.samples.dts.length;
  }
  if (!video && !audio)
    throw new MediaFileError(MediaFileErrorCode.NoMedia, 'no video or audio track with samples');
  const tracks = [video, audio].filter((t): t is TrackFacts => t !== undefined);
  const samples = interleave(
    tracks.map((t) => t.samples),
    true,
  );
  const videoTrack: IndexedVideoTrack | null = video?.video
    ? {
        codec: 'h264',
        width: video.video.width,
        height: video.video.height,
        frameRate:
          video.durationMs > 0
            ? Math.round((video.samples.dts.length * 1000 * 1000) / video.durationMs) / 1000
            : null,
        sequenceHeader: Buffer.concat([Buffer.from([0x17, 0x00, 0, 0, 0]), video.video.avcC]),
      }
    : null;
  const audioTrack: IndexedAudioTrack | null = audio?.audio
    ? {
        codec: audio.audio.codec,
        sampleRate: audio.audio.sampleRate,
        channels: audio.audio.channels,
        sequenceHeader: audio.audio.asc ? Buffer.concat([Buffer.from([0xaf, 0x00]), audio.audio.asc]) : null,
      }
    : null;
  const index: MediaFileIndex = {
    format: 'mp4',
    durationMs: Math.max(...tracks.map((t) => t.durationMs)),
    video: videoTrack,
    audio: audioTrack,
    samples,
    keyframes: keyframesOf(samples),
  };
  if (videoTrack && index.keyframes.timeMs.length === 0) throw malformed('the video track has no keyframe');
  return index;
}

function printable(type: string): string {
  return type.replace(/[^\x20-\x7e]/g, '?');
}

/** One trak: undefined for tracks that are not audio or video (text, timecode) or have no samples. */
function readTrack(buf: Buffer, trak: Box, fileSize: number, budget: number): TrackFacts | undefined {
  const mdia = need(buf, trak, 'mdia');
  const hdlr = need(buf, mdia, 'hdlr');
  const hr = new BoxReader(buf, hdlr);
  hr.fullBox();
  hr.skip(4, 'pre_defined');
  const handler = hr.bytes(4, 'handler_type').toString('latin1');
  if (handler !== 'vide' && handler !== 'soun') return undefined;
  const mdhd = new BoxReader(buf, need(buf, mdia, 'mdhd'));
  const { version } = mdhd.fullBox();
  if (version === 1) mdhd.skip(16, 'creation and modification times');
  else mdhd.skip(8, 'creation and modification times');
  const timescale = mdhd.u32('timescale');
  if (timescale === 0) throw malformed(`a ${handler} track has timescale 0`);
  const stbl = need(buf, need(buf, mdia, 'minf'), 'stbl');

  // The sample entry: codec and its configuration.
  const stsdBox = need(buf, stbl, 'stsd');
  const stsd = new BoxReader(buf, stsdBox);
  stsd.fullBox();
  const entries = stsd.u32('entry_count');
  if (entries === 0) throw malformed(`the ${handler} track has no sample entry`);
  const entry = [...children(buf, stsdBox.start + 8, stsdBox.end, 'stsd')][0];
  if (!entry) throw malformed(`the ${handler} track's stsd has no entry`);
  if (entries > 1) {
    // Several sample descriptions (stsc switches between them): rare, and a codec change mid-file.
    throw unsupported(`a ${handler} track with ${entries} sample descriptions`);
  }
  const facts: Omit<TrackFacts, 'samples' | 'durationMs'> =
    handler === 'vide'
      ? { handler, timescale, entryType: entry.type, video: readVideoEntry(buf, entry) }
      : { handler, timescale, entryType: entry.type, audio: readAudioEntry(buf, entry) };

  const samples = readSampleTables(buf, stbl, timescale, handler === 'vide', fileSize, budget);
  if (samples.dts.length === 0) return undefined;
  const last = samples.dts.length - 1;
  const lastDuration = last > 0 ? (samples.dts[last] as number) - (samples.dts[last - 1] as number) : 0;
  return { ...facts, samples, durationMs: (samples.dts[last] as number) + lastDuration };
}

function readVideoEntry(buf: Buffer, entry: Box): NonNullable<TrackFacts['video']> {
  if (entry.type === 'hvc1' || entry.type === 'hev1') throw unsupported('HEVC video (H.264 only for now)');
  if (entry.type === 'encv') throw unsupported('encrypted video');
  if (entry.type !== 'avc1' && entry.type !== 'avc3')
    throw unsupported(`video codec "${printable(entry.type)}" (H.264 only)`);
  const r = new BoxReader(buf, entry);
  r.skip(24, 'VisualSampleEntry reserved fields');
  const width = r.u16('width');
  const height = r.u16('height');
  r.skip(50, 'VisualSampleEntry fields');
  const rest: Box = { type: entry.type, start: entry.start + 78, end: entry.end };
  const avcC = child(buf, rest, 'avcC');
  if (!avcC) throw malformed('the H.264 sample entry has no avcC');
  const record = buf.subarray(avcC.start, avcC.end);
  if (record.length < 7 || record[0] !== 1)
    throw malformed('the avcC box is not an AVCDecoderConfigurationRecord');
  return { width, height, avcC: Buffer.from(record) };
}

/** ISO/IEC 14496-1 §8.3.3: an expandable length, 1 to 4 bytes of 7 bits. */
function descriptorLength(r: BoxReader): number {
  let len = 0;
  for (let i = 0; i < 4; i++) {
    const b = r.u8('descriptor length');
    len = (len << 7) | (b & 0x7f);
    if (!(b & 0x80)) return len;
  }
  return len;
}

/** MPEG-4 Systems object types (ISO/IEC 14496-1 Table 5, mp4ra.org). */
const OTI_AAC = new Set([0x40, 0x66, 0x67, 0x68]);
const OTI_MP3 = new Set([0x69, 0x6b]);

function readAudioEntry(buf: Buffer, entry: Box): NonNullable<TrackFacts['audio']> {
  if (entry.type === 'enca') throw unsupported('encrypted audio');
  const isMp4a = entry.type === 'mp4a';
  const isMp3 = entry.type === '.mp3' || entry.type === 'mp3 ';
  if (!isMp4a && !isMp3) throw unsupported(`audio codec "${printable(entry.type)}" (AAC or MP3 only)`);
  const r = new BoxReader(buf, entry);
  r.skip(8, 'SampleEntry reserved fields');
  const soundVersion = r.u16('sound description version');
  r.skip(6, 'revision and vendor');
  let channels = r.u16('channelcount');
  r.skip(6, 'samplesize, pre_defined, reserved');
  let sampleRate = r.u32('samplerate') >>> 16;
  // QuickTime sound descriptions version 1 and 2 carry more fields before the child boxes.
  let childStart = entry.start + 28;
  if (soundVersion === 1) childStart += 16;
  else if (soundVersion === 2) childStart += 36;
  else if (soundVersion !== 0) throw malformed(`sound description version ${soundVersion}`);
  if (childStart > entry.end) throw malformed(`the ${entry.type} sample entry is too short`);
  if (isMp3) return { codec: 'mp3', sampleRate, channels, asc: null };
  const rest: Box = { type: entry.type, start: childStart, end: entry.end };
  // QuickTime may wrap esds in a 'wave' box.
  const wave = child(buf, rest, 'wave');
  const esdsBox = child(buf, rest, 'esds') ?? (wave ? child(buf, wave, 'esds') : undefined);
  if (!esdsBox) throw malformed('the mp4a sample entry has no esds');
  const e = new BoxReader(buf, esdsBox);
  e.fullBox();
  if (e.u8('ES_Descriptor tag') !== 0x03) throw malformed('esds does not start with an ES_Descriptor');
  descriptorLength(e);
  e.skip(2, 'ES_ID');
  const esFlags = e.u8('ES flags');
  if (esFlags & 0x80) e.skip(2, 'dependsOn_ES_ID');
  if (esFlags & 0x40) e.skip(e.u8('URL length'), 'URL');
  if (esFlags & 0x20) e.skip(2, 'OCR_ES_Id');
  if (e.u8('DecoderConfigDescriptor tag') !== 0x04) throw malformed('esds has no DecoderConfigDescriptor');
  descriptorLength(e);
  const oti = e.u8('objectTypeIndication');
  e.skip(12, 'streamType, bufferSizeDB, maxBitrate, avgBitrate');
  if (OTI_MP3.has(oti)) return { codec: 'mp3', sampleRate, channels, asc: null };
  if (!OTI_AAC.has(oti))
    throw unsupported(`audio object type 0x${oti.toString(16)} in mp4a (AAC or MP3 only)`);
  if (e.remaining < 2 || e.u8('DecoderSpecificInfo tag') !== 0x05)
    throw malformed('AAC esds has no DecoderSpecificInfo');
  const len = descriptorLength(e);
  if (len < 2) throw malformed(`AudioSpecificConfig of ${len} bytes`);
  const asc = Buffer.from(e.bytes(len, 'AudioSpecificConfig'));
  // The AudioSpecificConfig is what decoders use (the sample entry's fields are often 2 ch / 44.1 kHz
  // placeholders); rtmp-core's parser, the one the live path uses, reads it.
  try {
    const parsed = parseAudioSpecificConfig(asc);
    sampleRate = parsed.sampleRate;
    channels = parsed.channels;
  } catch (error) {
    if (error instanceof RtmpMediaError) throw malformed(`AudioSpecificConfig: ${error.message}`);
    throw error;
  }
  return { codec: 'aac', sampleRate, channels, asc };
}

function readSampleTables(
  buf: Buffer,
  stbl: Box,
  timescale: number,
  video: boolean,
  fileSize: number,
  budget: number,
): TrackSamples {
  // Sizes first: stsz (or the compact stz2) says how many samples there are.
  let sizes: Uint32Array;
  const stszBox = child(buf, stbl, 'stsz');
  if (stszBox) {
    const r = new BoxReader(buf, stszBox);
    r.fullBox();
    const fixed = r.u32('sample_size');
    const count = r.u32('sample_count');
    if (count > budget) throw tooMany(count, budget);
    sizes = new Uint32Array(count);
    if (fixed !== 0) sizes.fill(fixed);
    else {
      r.table(count, 4, 'sample sizes');
      for (let i = 0; i < count; i++) sizes[i] = r.u32('entry_size');
    }
  } else {
    const r = new BoxReader(buf, need(buf, stbl, 'stz2'));
    r.fullBox();
    r.skip(3, 'reserved');
    const field = r.u8('field_size');
    const count = r.u32('sample_count');
    if (count > budget) throw tooMany(count, budget);
    if (field !== 4 && field !== 8 && field !== 16) throw malformed(`stz2 field_size ${field}`);
    r.table(Math.ceil((count * field) / 8), 1, 'bytes of sample sizes');
    sizes = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      if (field === 16) sizes[i] = r.u16('entry_size');
      else if (field === 8) sizes[i] = r.u8('entry_size');
      else {
        const b = r.u8('entry_size pair');
        sizes[i] = b >> 4;
        if (i + 1 < count) sizes[++i] = b & 0x0f;
      }
    }
  }
  const n = sizes.length;

  // Decoding times: stts runs of (count, delta) must cover every sample.
  const dts = new Float64Array(n);
  {
    const r = new BoxReader(buf, need(buf, stbl, 'stts'));
    r.fullBox();
    const entries = r.u32('entry_count');
    r.table(entries, 8, 'time-to-sample entries');
    let i = 0;
    let t = 0;
    for (let e = 0; e < entries && i < n; e++) {
      const count = r.u32('sample_count');
      const delta = r.u32('sample_delta');
      for (let k = 0; k < count && i < n; k++) {
        dts[i++] = (t * 1000) / timescale;
        t += delta;
      }
    }
    if (i < n) throw malformed(`stts gives times to ${i} of ${n} samples`);
  }

  // Composition offsets (B-frames): optional; version 1 offsets are signed.
  const cto = new Float64Array(n);
  const cttsBox = child(buf, stbl, 'ctts');
  if (cttsBox) {
    const r = new BoxReader(buf, cttsBox);
    const { version } = r.fullBox();
    const entries = r.u32('entry_count');
    r.table(entries, 8, 'composition offsets');
    let i = 0;
    for (let e = 0; e < entries && i < n; e++) {
      const count = r.u32('sample_count');
      const off = version === 1 ? r.i32('sample_offset') : r.u32('sample_offset');
      for (let k = 0; k < count && i < n; k++) cto[i++] = (off * 1000) / timescale;
    }
  }

  // Sync samples: without stss every sample is one.
  let keyframe: Uint8Array | null = null;
  const stssBox = video ? child(buf, stbl, 'stss') : undefined;
  if (stssBox) {
    const r = new BoxReader(buf, stssBox);
    r.fullBox();
    const entries = r.u32('entry_count');
    r.table(entries, 4, 'sync samples');
    keyframe = new Uint8Array(n);
    for (let e = 0; e < entries; e++) {
      const s = r.u32('sample_number');
      if (s < 1 || s > n) throw malformed(`stss names sample ${s} of ${n}`);
      keyframe[s - 1] = 1;
    }
  }

  // Chunk offsets, then stsc runs place each sample in its chunk.
  let chunks: Float64Array;
  const stcoBox = child(buf, stbl, 'stco');
  if (stcoBox) {
    const r = new BoxReader(buf, stcoBox);
    r.fullBox();
    const entries = r.u32('entry_count');
    r.table(entries, 4, 'chunk offsets');
    chunks = new Float64Array(entries);
    for (let i = 0; i < entries; i++) chunks[i] = r.u32('chunk_offset');
  } else {
    const r = new BoxReader(buf, need(buf, stbl, 'co64'));
    r.fullBox();
    const entries = r.u32('entry_count');
    r.table(entries, 8, 'chunk offsets');
    chunks = new Float64Array(entries);
    for (let i = 0; i < entries; i++) chunks[i] = r.u64('chunk_offset');
  }
  const offset = new Float64Array(n);
  {
    const r = new BoxReader(buf, need(buf, stbl, 'stsc'));
    r.fullBox();
    const entries = r.u32('entry_count');
    r.table(entries, 12, 'sample-to-chunk entries');
    const first: number[] = [];
    const per: number[] = [];
    for (let e = 0; e < entries; e++) {
      const f = r.u32('first_chunk');
      const p = r.u32('samples_per_chunk');
      r.u32('sample_description_index');
      if (f < 1 || (e > 0 && f <= (first[e - 1] as number)))
        throw malformed(`stsc entry ${e + 1} starts at chunk ${f}`);
      first.push(f);
      per.push(p);
    }
    let i = 0;
    for (let e = 0; e < entries && i < n; e++) {
      const to = e + 1 < entries ? (first[e + 1] as number) - 1 : chunks.length;
      for (let c = first[e] as number; c <= to && i < n; c++) {
        if (c > chunks.length) throw malformed(`stsc names chunk ${c} of ${chunks.length}`);
        let at = chunks[c - 1] as number;
        for (let k = 0; k < (per[e] as number) && i < n; k++) {
          offset[i] = at;
          at += sizes[i] as number;
          i++;
        }
      }
    }
    if (i < n) throw malformed(`the chunks hold ${i} of ${n} samples`);
  }
  for (let i = 0; i < n; i++) {
    const end = (offset[i] as number) + (sizes[i] as number);
    if (end > fileSize) {
      throw new MediaFileError(
        MediaFileErrorCode.Truncated,
        `sample ${i + 1} of ${n} ends at byte ${end}, past the end of the ${fileSize}-byte file (an upload cut short?)`,
      );
    }
    if (sizes[i] === 0) throw malformed(`sample ${i + 1} of ${n} is empty`);
  }
  return { video, offset, size: sizes, dts, cto, keyframe };
}

function tooMany(count: number, budget: number): MediaFileError {
  return new MediaFileError(MediaFileErrorCode.TooLarge, `${count} samples, more than the ${budget} allowed`);
}
