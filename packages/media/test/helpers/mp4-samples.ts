// A fragmented MP4 written by ffmpeg (-movflags frag_keyframe+empty_moov+default_base_moof) to the
// Enhanced RTMP video tags an encoder would publish for it (SequenceStart with the hvcC/av1C record,
// then CodedFrames), so HEVC and AV1 reach our SampleBuilder the way the edge feeds them.
// ffmpeg 5.1 has no Enhanced RTMP FLV muxer, hence this detour (as in rtmp-core's fixtures).
import { readFile } from 'node:fs/promises';
import { findAll, findBox, parseBoxes } from '../../src/testing/boxes';

export interface VideoTag {
  readonly timestampMs: number;
  readonly payload: Buffer;
}

/** Enhanced RTMP ExVideoTagHeader: IsExHeader | FrameType | PacketType, then the FourCC (v1 spec). */
function exVideoHeader(keyframe: boolean, packetType: number, fourCc: string): Buffer {
  const header = Buffer.alloc(5);
  header[0] = 0x80 | ((keyframe ? 1 : 2) << 4) | packetType;
  header.write(fourCc, 1, 'latin1');
  return header;
}

const PacketType = { SequenceStart: 0, CodedFrames: 1 } as const;
/** tfhd flags (ISO/IEC 14496-12 §8.8.7.1) and trun flags (§8.8.8.1). */
const Tfhd = {
  BaseDataOffset: 0x1,
  SampleDescriptionIndex: 0x2,
  Duration: 0x8,
  Size: 0x10,
  Flags: 0x20,
} as const;
const Trun = {
  DataOffset: 0x1,
  FirstSampleFlags: 0x4,
  Duration: 0x100,
  Size: 0x200,
  Flags: 0x400,
  Cto: 0x800,
} as const;
const NON_SYNC = 0x00010000;

/** Sequential big-endian reads over a box payload. */
class Fields {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}

  u32(): number {
    this.at += 4;
    return this.bytes.readUInt32BE(this.at - 4);
  }

  i32(): number {
    this.at += 4;
    return this.bytes.readInt32BE(this.at - 4);
  }

  skip(n: number): void {
    this.at += n;
  }
}

export async function videoTagsFromFragmentedMp4(path: string, fourCc: 'hvc1' | 'av01'): Promise<VideoTag[]> {
  const file = await readFile(path);
  const boxes = parseBoxes(file);
  const trak = findBox(boxes, 'moov/trak')!;
  const timescale = findBox(trak.children, 'mdia/mdhd')!.payload.readUInt32BE(12);
  const stsd = findBox(trak.children, 'mdia/minf/stbl/stsd')!.payload;
  const configType = fourCc === 'hvc1' ? 'hvcC' : 'av1C';
  const at = stsd.indexOf(configType, 0, 'latin1');
  const record = stsd.subarray(at + 4, at - 4 + stsd.readUInt32BE(at - 4));
  const tags: VideoTag[] = [
    {
      timestampMs: 0,
      payload: Buffer.concat([exVideoHeader(true, PacketType.SequenceStart, fourCc), record]),
    },
  ];

  let moofStart = 0;
  for (let offset = 0; offset < file.length; offset += file.readUInt32BE(offset)) {
    const type = file.toString('latin1', offset + 4, offset + 8);
    if (type === 'moof') moofStart = offset;
    if (type !== 'moof') continue;
    const moof = parseBoxes(file.subarray(offset + 8, offset + file.readUInt32BE(offset)));
    for (const traf of findAll(moof, 'traf')) {
      const tfhd = new Fields(findBox(traf.children, 'tfhd')!.payload);
      const tfhdFlags = tfhd.u32() & 0xffffff;
      tfhd.u32(); // track_ID
      if (tfhdFlags & Tfhd.BaseDataOffset) tfhd.skip(8);
      if (tfhdFlags & Tfhd.SampleDescriptionIndex) tfhd.skip(4);
      const defaultDuration = tfhdFlags & Tfhd.Duration ? tfhd.u32() : 0;
      const defaultSize = tfhdFlags & Tfhd.Size ? tfhd.u32() : 0;
      const defaultFlags = tfhdFlags & Tfhd.Flags ? tfhd.u32() : 0;
      const tfdt = findBox(traf.children, 'tfdt')!.payload;
      let time = tfdt[0] === 1 ? tfdt.readUInt32BE(4) * 2 ** 32 + tfdt.readUInt32BE(8) : tfdt.readUInt32BE(4);
      const trun = new Fields(findBox(traf.children, 'trun')!.payload);
      const flags = trun.u32() & 0xffffff;
      const count = trun.u32();
      let dataAt = moofStart + (flags & Trun.DataOffset ? trun.i32() : 0);
      const firstFlags = flags & Trun.FirstSampleFlags ? trun.u32() : undefined;
      for (let i = 0; i < count; i++) {
        const duration = flags & Trun.Duration ? trun.u32() : defaultDuration;
        const size = flags & Trun.Size ? trun.u32() : defaultSize;
        let sampleFlags = flags & Trun.Flags ? trun.u32() : defaultFlags;
        if (i === 0 && firstFlags !== undefined) sampleFlags = firstFlags;
        const cto = flags & Trun.Cto ? trun.i32() : 0;
        const keyframe = (sampleFlags & NON_SYNC) === 0;
        // Enhanced RTMP: an SI24 CompositionTime follows CodedFrames for hvc1 (and avc1), not for av01.
        const composition = Buffer.alloc(fourCc === 'hvc1' ? 3 : 0);
        if (fourCc === 'hvc1') composition.writeIntBE(Math.round((cto * 1000) / timescale), 0, 3);
        tags.push({
          timestampMs: Math.round((time * 1000) / timescale),
          payload: Buffer.concat([
            exVideoHeader(keyframe, PacketType.CodedFrames, fourCc),
            composition,
            file.subarray(dataAt, dataAt + size),
          ]),
        });
        dataAt += size;
        time += duration;
      }
    }
  }
  return tags;
}
