/**
 * Test helpers: the committed encoder fixtures (see fixtures/make-fixtures.sh), what
 * ffprobe said about them, and builders for Enhanced RTMP tags that ffmpeg 5.1 cannot mux.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** From dist/src/media/testing/ back to the committed src/media/fixtures/. */
const FIXTURES_DIR = join(__dirname, '..', '..', '..', '..', 'src', 'media', 'fixtures');

export function readFixture(name: string): Buffer {
  return readFileSync(join(FIXTURES_DIR, name));
}

export interface ProbedStream {
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}

/** ffprobe's view of each fixture, recorded by make-fixtures.sh. */
export function probed(name: string): ProbedStream[] {
  const all = JSON.parse(readFileSync(join(FIXTURES_DIR, 'ffprobe.json'), 'utf8')) as Record<
    string,
    { streams: ProbedStream[] }
  >;
  const entry = all[name];
  if (!entry) throw new Error(`no ffprobe record for ${name}`);
  return entry.streams;
}

/** The body of the first MP4 box of `type` anywhere in the file (enough for sample-entry config boxes). */
export function mp4Box(file: Buffer, type: string): Buffer {
  const at = file.indexOf(type, 0, 'latin1');
  if (at < 4) throw new Error(`no ${type} box`);
  const size = file.readUInt32BE(at - 4);
  return file.subarray(at + 4, at - 4 + size);
}

/**
 * An Enhanced RTMP video tag: IsExHeader | FrameType << 4 | PacketType, FourCC, and
 * for avc1/hvc1 CodedFrames the SI24 composition time.
 */
export function exVideoTag(
  frameType: number,
  packetType: number,
  fourCc: string,
  body: Buffer,
  compositionTime?: number,
): Buffer {
  const head = Buffer.concat([
    Buffer.from([0x80 | (frameType << 4) | packetType]),
    Buffer.from(fourCc, 'latin1'),
  ]);
  if (compositionTime === undefined) return Buffer.concat([head, body]);
  const ct = Buffer.alloc(3);
  ct.writeIntBE(compositionTime, 0, 3);
  return Buffer.concat([head, ct, body]);
}

/** An Enhanced RTMP v2 audio tag: SoundFormat 9 | PacketType, FourCC, body. */
export function exAudioTag(packetType: number, fourCc: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x90 | packetType]), Buffer.from(fourCc, 'latin1'), body]);
}

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
