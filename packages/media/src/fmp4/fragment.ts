// One CMAF fragment / HLS fMP4 media segment or partial segment: moof + mdat (ISO/IEC 14496-12 §8.8,
// ISO/IEC 23000-19 §7.3.2.3). The moof is written into one buffer sized in advance; the sample payloads
// are copied once, into the mdat that follows it.
import { BOX_HEADER_SIZE, FULL_BOX_HEADER_SIZE, writeUIntBE } from './boxes';

export interface RunSample {
  readonly data: Buffer;
  /** In the track's timescale. */
  readonly duration: number;
  readonly flags: number;
  readonly compositionOffset: number;
}

export interface TrackRun {
  readonly trackId: number;
  /** tfdt baseMediaDecodeTime: decode time of the first sample, in the track's timescale. */
  readonly baseMediaDecodeTime: number;
  /** Video runs carry per-sample flags and composition offsets; audio runs use the trex defaults. */
  readonly perSampleFlags: boolean;
  readonly samples: readonly RunSample[];
}

/** tfhd flags: default-base-is-moof, so data offsets count from the moof (§8.8.7.1, CMAF §7.5.16). */
const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
/** trun flags (§8.8.8.1). */
const TrunFlags = {
  DataOffset: 0x000001,
  SampleDuration: 0x000100,
  SampleSize: 0x000200,
  SampleFlags: 0x000400,
  SampleCompositionTimeOffset: 0x000800,
} as const;
const MFHD_SIZE = FULL_BOX_HEADER_SIZE + 4;
const TFHD_SIZE = FULL_BOX_HEADER_SIZE + 4;
const TFDT_V1_SIZE = FULL_BOX_HEADER_SIZE + 8;
const TRUN_FIXED_SIZE = FULL_BOX_HEADER_SIZE + 8; // sample_count + data_offset

function trunSampleSize(run: TrackRun): number {
  return run.perSampleFlags ? 16 : 8;
}

function trafSize(run: TrackRun): number {
  return (
    BOX_HEADER_SIZE + TFHD_SIZE + TFDT_V1_SIZE + TRUN_FIXED_SIZE + run.samples.length * trunSampleSize(run)
  );
}

class BoxCursor {
  at = 0;
  constructor(readonly out: Buffer) {}

  header(size: number, type: string): void {
    this.out.writeUInt32BE(size, this.at);
    this.out.write(type, this.at + 4, 'latin1');
    this.at += BOX_HEADER_SIZE;
  }

  fullHeader(size: number, type: string, version: number, flags: number): void {
    this.header(size, type);
    this.u32(((version << 24) | flags) >>> 0);
  }

  u32(value: number): void {
    this.out.writeUInt32BE(value >>> 0, this.at);
    this.at += 4;
  }

  u64(value: number): void {
    writeUIntBE(this.out, this.at, 8, value);
    this.at += 8;
  }
}

/** Serialises moof + mdat. `sequenceNumber` is the mfhd counter, increasing per fragment (§8.8.5). */
export function writeFragment(sequenceNumber: number, runs: readonly TrackRun[]): Buffer {
  let moofSize = BOX_HEADER_SIZE + MFHD_SIZE;
  let mdatSize = BOX_HEADER_SIZE;
  for (const run of runs) {
    moofSize += trafSize(run);
    for (const sample of run.samples) mdatSize += sample.data.length;
  }
  const out = Buffer.allocUnsafe(moofSize + mdatSize);
  const cursor = new BoxCursor(out);
  cursor.header(moofSize, 'moof');
  cursor.fullHeader(MFHD_SIZE, 'mfhd', 0, 0);
  cursor.u32(sequenceNumber);

  let dataOffset = moofSize + BOX_HEADER_SIZE; // first sample byte, counted from the moof start
  for (const run of runs) {
    cursor.header(trafSize(run), 'traf');
    cursor.fullHeader(TFHD_SIZE, 'tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF);
    cursor.u32(run.trackId);
    cursor.fullHeader(TFDT_V1_SIZE, 'tfdt', 1, 0);
    cursor.u64(run.baseMediaDecodeTime);
    let flags = TrunFlags.DataOffset | TrunFlags.SampleDuration | TrunFlags.SampleSize;
    if (run.perSampleFlags) flags |= TrunFlags.SampleFlags | TrunFlags.SampleCompositionTimeOffset;
    cursor.fullHeader(TRUN_FIXED_SIZE + run.samples.length * trunSampleSize(run), 'trun', 0, flags);
    cursor.u32(run.samples.length);
    cursor.u32(dataOffset);
    for (const sample of run.samples) {
      cursor.u32(sample.duration);
      cursor.u32(sample.data.length);
      if (run.perSampleFlags) {
        cursor.u32(sample.flags);
        cursor.u32(sample.compositionOffset);
      }
      dataOffset += sample.data.length;
    }
  }

  cursor.header(mdatSize, 'mdat');
  for (const run of runs) {
    for (const sample of run.samples) {
      sample.data.copy(out, cursor.at);
      cursor.at += sample.data.length;
    }
  }
  return out;
}
