// The fields of an MPEG audio frame header (ISO/IEC 11172-3 §2.4.1.3, ISO/IEC 13818-3 §2.4.1.3 and the
// MPEG-2.5 extension) that a container needs: the FLV/RTMP audio header can only say 5.5/11/22/44 kHz,
// so a 48 kHz or 32 kHz MP3 stream is known only from its frames.

const SYNC_HIGH = 0xff;
const SYNC_LOW_MASK = 0xe0;
/** version bits: 00 MPEG-2.5, 01 reserved, 10 MPEG-2, 11 MPEG-1. */
const SAMPLE_RATES: Record<number, readonly number[]> = {
  3: [44_100, 48_000, 32_000],
  2: [22_050, 24_000, 16_000],
  0: [11_025, 12_000, 8_000],
};
const CHANNEL_MODE_MONO = 0b11;

/** Sample rate and channel count of the frame at the start of `frame`, or undefined if it has no header. */
export function mp3FrameFormat(frame: Uint8Array): { sampleRate: number; channels: number } | undefined {
  if (frame.length < 4 || frame[0] !== SYNC_HIGH || (frame[1]! & SYNC_LOW_MASK) !== SYNC_LOW_MASK)
    return undefined;
  const rates = SAMPLE_RATES[(frame[1]! >> 3) & 0b11];
  const sampleRate = rates?.[(frame[2]! >> 2) & 0b11];
  if (sampleRate === undefined) return undefined;
  return { sampleRate, channels: frame[3]! >> 6 === CHANNEL_MODE_MONO ? 1 : 2 };
}
