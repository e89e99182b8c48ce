// A sample of an indexed file as the FLV tag body RTMP sends (the same bytes as an RTMP audio/video
// message payload): FLV files store tag bodies whole; MP4 samples are bare (an H.264 access unit in
// AVCC layout, one raw AAC or MP3 frame), so their FLV header is made from the index.
import { type MediaFileIndex, SAMPLE_KEYFRAME, SAMPLE_VIDEO } from './media-index';

/** MP3 audio flags (Annex E.4.2.1): format 2, the rate index, 16-bit, mono or stereo. */
function mp3Flags(sampleRate: number, channels: number): number {
  const rate = sampleRate >= 44_000 ? 3 : sampleRate >= 22_000 ? 2 : sampleRate >= 11_000 ? 1 : 0;
  return (2 << 4) | (rate << 2) | (1 << 1) | (channels > 1 ? 1 : 0);
}

/**
 * The bytes that go before sample `i`'s own bytes in its tag body: empty for FLV files; for MP4 the
 * video header (frame type, AVC, packet type 1, composition time) or the audio header.
 */
export function tagPrefix(index: MediaFileIndex, i: number): Buffer {
  const s = index.samples;
  if (!s.bare) return EMPTY;
  const flags = s.flags[i] as number;
  if (flags & SAMPLE_VIDEO) {
    const cto = Math.round(s.cto[i] as number);
    const b = Buffer.alloc(5);
    b[0] = flags & SAMPLE_KEYFRAME ? 0x17 : 0x27;
    b[1] = 1;
    b.writeIntBE(Math.max(-0x800000, Math.min(0x7fffff, cto)), 2, 3);
    return b;
  }
  const audio = index.audio;
  if (audio?.codec === 'aac') return AAC_RAW;
  return Buffer.from([mp3Flags(audio?.sampleRate ?? 44_100, audio?.channels ?? 2)]);
}

/** Sample `i` as its tag body, from its bytes as read from the file at samples.offset[i]. */
export function tagBody(index: MediaFileIndex, i: number, bytes: Uint8Array): Buffer {
  const prefix = tagPrefix(index, i);
  return prefix.length === 0
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    : Buffer.concat([prefix, bytes]);
}

const EMPTY = Buffer.alloc(0);
const AAC_RAW = Buffer.from([0xaf, 0x01]);
