// What an on-demand file is, once indexed: its tracks, every sample's place in the file and time, and
// its keyframes. Built from an MP4 (mp4-index.ts) or an FLV (flv-index.ts) without decoding anything;
// a player of the file (RTMP on demand, HLS VOD) reads sample bytes by range and sends each as an FLV
// tag body (flv-tags.ts), which is also what rtmp-core and SampleBuilder take.

/** Reads a file by ranges (local disk, object storage): the indexers do no I/O of their own. */
export interface RandomAccessSource {
  /** Bytes in the file. */
  readonly size: number;
  /** `length` bytes from `offset`; fewer only at the end of the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A source over bytes already in memory (tests, small uploads). */
export function bufferSource(bytes: Uint8Array): RandomAccessSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

export interface IndexedVideoTrack {
  readonly codec: 'h264';
  readonly width: number;
  readonly height: number;
  /** Frames per second from the sample count and track duration (null when unknown). */
  readonly frameRate: number | null;
  /** The AVC sequence header as an FLV video tag body (keyframe, AVC, packet type 0, record). */
  readonly sequenceHeader: Buffer;
}

export interface IndexedAudioTrack {
  readonly codec: 'aac' | 'mp3';
  readonly sampleRate: number;
  readonly channels: number;
  /** AAC: the sequence header as an FLV audio tag body (AudioSpecificConfig); null for MP3. */
  readonly sequenceHeader: Buffer | null;
}

/** Bit 0 of SampleTable.flags: the sample is video (else audio). */
export const SAMPLE_VIDEO = 1;
/** Bit 1 of SampleTable.flags: a video keyframe (a sync sample). */
export const SAMPLE_KEYFRAME = 2;

/**
 * Every sample of the file in decoding order across tracks (ties: video first), as parallel typed
 * arrays (a two-hour film is ~400,000 samples; objects per sample would cost tens of MB).
 */
export interface SampleTable {
  readonly count: number;
  /** Where the sample's bytes start in the file. */
  readonly offset: Float64Array;
  readonly size: Uint32Array;
  /** Decoding time, ms from the start of the file. */
  readonly dts: Float64Array;
  /** Composition offset (pts - dts), ms; 0 for audio. */
  readonly cto: Float64Array;
  readonly flags: Uint8Array;
  /**
   * Bytes sent before the sample's own bytes to make its FLV tag body: MP4 samples are bare (the
   * header is made from the table, flv-tags.ts), FLV tags are read whole (their header is in the file).
   */
  readonly bare: boolean;
}

export interface MediaFileIndex {
  readonly format: 'mp4' | 'flv';
  readonly durationMs: number;
  readonly video: IndexedVideoTrack | null;
  readonly audio: IndexedAudioTrack | null;
  readonly samples: SampleTable;
  /** Decoding times of the video keyframes (ms), ascending, and the sample index of each. */
  readonly keyframes: { readonly timeMs: Float64Array; readonly sample: Uint32Array };
}

/** Limits on what one file may make the indexer hold: the file is an uploader's bytes. */
export interface IndexLimits {
  /** Samples in all tracks; past it the file is refused (default 4,000,000: 10 h at 60 fps + audio). */
  maxSamples?: number;
  /** MP4: the moov box is read whole; past this it is refused (default 64 MiB). */
  maxMoovBytes?: number;
}

export const DEFAULT_INDEX_LIMITS: Required<IndexLimits> = {
  maxSamples: 4_000_000,
  maxMoovBytes: 64 * 1024 * 1024,
};

/** One track's samples before interleaving. */
export interface TrackSamples {
  readonly video: boolean;
  readonly offset: Float64Array;
  readonly size: Uint32Array;
  readonly dts: Float64Array;
  readonly cto: Float64Array;
  /** Sync samples (video); null: every sample is one (audio). */
  readonly keyframe: Uint8Array | null;
}

/** Merges tracks into one table in decoding order (ties: video first, then file order). */
export function interleave(tracks: readonly TrackSamples[], bare: boolean): SampleTable {
  const count = tracks.reduce((n, t) => n + t.dts.length, 0);
  const table = {
    count,
    offset: new Float64Array(count),
    size: new Uint32Array(count),
    dts: new Float64Array(count),
    cto: new Float64Array(count),
    flags: new Uint8Array(count),
    bare,
  };
  const next = tracks.map(() => 0);
  for (let out = 0; out < count; out++) {
    let best = -1;
    for (let t = 0; t < tracks.length; t++) {
      const track = tracks[t] as TrackSamples;
      const i = next[t] as number;
      if (i >= track.dts.length) continue;
      if (best < 0) {
        best = t;
        continue;
      }
      const bt = tracks[best] as TrackSamples;
      const bi = next[best] as number;
      const d = (track.dts[i] as number) - (bt.dts[bi] as number);
      if (d < 0 || (d === 0 && track.video && !bt.video)) best = t;
    }
    const track = tracks[best] as TrackSamples;
    const i = next[best] as number;
    next[best] = i + 1;
    table.offset[out] = track.offset[i] as number;
    table.size[out] = track.size[i] as number;
    table.dts[out] = track.dts[i] as number;
    table.cto[out] = track.cto[i] as number;
    table.flags[out] =
      (track.video ? SAMPLE_VIDEO : 0) |
      (track.video && (track.keyframe === null || track.keyframe[i] === 1) ? SAMPLE_KEYFRAME : 0);
  }
  return table;
}

/** The keyframe list of a table. */
export function keyframesOf(samples: SampleTable): MediaFileIndex['keyframes'] {
  let n = 0;
  for (let i = 0; i < samples.count; i++) if ((samples.flags[i] as number) & SAMPLE_KEYFRAME) n++;
  const timeMs = new Float64Array(n);
  const sample = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < samples.count; i++) {
    if (!((samples.flags[i] as number) & SAMPLE_KEYFRAME)) continue;
    timeMs[k] = samples.dts[i] as number;
    sample[k++] = i;
  }
  return { timeMs, sample };
}

/**
 * Where playback starting at `timeMs` begins: the last keyframe at or before it (the first keyframe
 * when it is earlier than all; sample 0 for a file without video). Binary search.
 */
export function seekSample(index: MediaFileIndex, timeMs: number): { sample: number; timeMs: number } {
  const times = index.keyframes.timeMs;
  if (times.length === 0) {
    // Audio only: the last sample at or before the time.
    const dts = index.samples.dts;
    let lo = 0;
    let hi = index.samples.count - 1;
    if (hi < 0 || timeMs <= (dts[0] as number)) return { sample: 0, timeMs: hi < 0 ? 0 : (dts[0] as number) };
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((dts[mid] as number) <= timeMs) lo = mid;
      else hi = mid - 1;
    }
    return { sample: lo, timeMs: dts[lo] as number };
  }
  let lo = 0;
  let hi = times.length - 1;
  if (timeMs <= (times[0] as number))
    return { sample: index.keyframes.sample[0] as number, timeMs: times[0] as number };
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((times[mid] as number) <= timeMs) lo = mid;
    else hi = mid - 1;
  }
  return { sample: index.keyframes.sample[lo] as number, timeMs: times[lo] as number };
}
