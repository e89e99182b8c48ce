// The segmenter's view of a container: samples go in, and at every part or segment boundary the bytes
// of that chunk come out. MPEG-TS muxes each sample as it arrives; fMP4 collects the chunk's samples and
// writes one moof + mdat when it is flushed.
import { Fmp4Muxer } from '../fmp4/fmp4-muxer';
import { TsMuxer } from '../ts/ts-muxer';
import type { MediaSample, TrackSet } from '../types';

export type SegmentFormat = 'mpegts' | 'fmp4';

export interface ChunkWriter {
  readonly tracks: TrackSet;
  /** The media initialization section (fMP4), or undefined (MPEG-TS segments are self-contained). */
  readonly initSegment: Buffer | undefined;
  /** The next chunk starts a segment (MPEG-TS repeats PAT/PMT there). */
  beginSegment(): void;
  /** Takes a sample into the current chunk; throws MuxError and keeps nothing if it cannot. */
  add(sample: MediaSample): void;
  /**
   * The bytes of the chunk so far, or undefined if it is empty. `nextVideoDts` is the decode time of the
   * video sample that starts the next chunk, when known.
   */
  flush(nextVideoDts: number | undefined): Buffer | undefined;
}

class TsChunkWriter implements ChunkWriter {
  readonly initSegment = undefined;
  private readonly muxer: TsMuxer;
  private chunks: Buffer[] = [];
  private tablesDue = true;

  constructor(readonly tracks: TrackSet) {
    this.muxer = new TsMuxer(tracks);
  }

  beginSegment(): void {
    this.tablesDue = true;
  }

  add(sample: MediaSample): void {
    const packets = this.muxer.write(sample);
    if (this.tablesDue) {
      this.chunks.push(this.muxer.tables());
      this.tablesDue = false;
    }
    this.chunks.push(packets);
  }

  flush(): Buffer | undefined {
    if (this.chunks.length === 0) return undefined;
    const chunk = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    return chunk;
  }
}

class Fmp4ChunkWriter implements ChunkWriter {
  readonly initSegment: Buffer;
  private readonly muxer: Fmp4Muxer;
  private samples: MediaSample[] = [];

  constructor(readonly tracks: TrackSet) {
    this.muxer = new Fmp4Muxer(tracks);
    this.initSegment = this.muxer.initSegment;
  }

  beginSegment(): void {}

  add(sample: MediaSample): void {
    this.muxer.check(sample);
    this.samples.push(sample);
  }

  flush(nextVideoDts: number | undefined): Buffer | undefined {
    if (this.samples.length === 0) return undefined;
    const chunk = this.muxer.fragment(this.samples, nextVideoDts);
    this.samples = [];
    return chunk;
  }
}

/** Throws MuxError when the format cannot carry one of the tracks (e.g. AV1 in MPEG-TS). */
export function createChunkWriter(format: SegmentFormat, tracks: TrackSet): ChunkWriter {
  return format === 'mpegts' ? new TsChunkWriter(tracks) : new Fmp4ChunkWriter(tracks);
}
