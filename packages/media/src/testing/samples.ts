// Builders of synthetic tracks and samples for unit tests and property tests. The parameter sets are
// placeholders with the right NAL unit types: the muxers copy them, they never decode them.
import type { AudioConfig, AudioSample, VideoConfig, VideoSample } from '../types';

/** SPS and PPS of an x264 320x240 High-profile stream (ffmpeg 5.1, testsrc2), NAL types 7 and 8. */
export const H264_SPS = Buffer.from('6764000dacd94141fb011000000300100000030320f1429960', 'hex');
export const H264_PPS = Buffer.from('68ebe3cb22c0', 'hex');

export function h264Config(overrides: Partial<VideoConfig> = {}): VideoConfig {
  // AVCDecoderConfigurationRecord: version 1, profile/compat/level from the SPS, 4-byte lengths,
  // one SPS, one PPS (ISO/IEC 14496-15 §5.3.3.1).
  const record = Buffer.concat([
    Buffer.from([1, H264_SPS[1]!, H264_SPS[2]!, H264_SPS[3]!, 0xff, 0xe1]),
    Buffer.from([0, H264_SPS.length]),
    H264_SPS,
    Buffer.from([1, 0, H264_PPS.length]),
    H264_PPS,
  ]);
  return {
    codec: 'h264',
    record,
    parameterSets: [H264_SPS, H264_PPS],
    nalLengthSize: 4,
    width: 320,
    height: 240,
    ...overrides,
  };
}

export function aacConfig(overrides: Partial<AudioConfig> = {}): AudioConfig {
  // AAC-LC (2), 44.1 kHz (index 4), stereo (2): 0b00010 0100 0010 000 = 0x12 0x10.
  return {
    codec: 'aac',
    sampleRate: 44_100,
    channels: 2,
    audioSpecificConfig: Buffer.from([0x12, 0x10]),
    ...overrides,
  };
}

/** Length-prefixed NAL units (4-byte prefixes) from unit bodies. */
export function avcc(...units: readonly Buffer[]): Buffer {
  return Buffer.concat(
    units.flatMap((unit) => {
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(unit.length);
      return [prefix, unit];
    }),
  );
}

/** An IDR slice (type 5) or non-IDR slice (type 1) of `size` bytes. */
export function slice(keyframe: boolean, size: number, fill = 0xab): Buffer {
  const unit = Buffer.alloc(size, fill);
  unit[0] = keyframe ? 0x65 : 0x41;
  return unit;
}

export function videoSample(
  config: VideoConfig,
  dts: number,
  keyframe: boolean,
  size = 300,
  pts = dts,
): VideoSample {
  return { kind: 'video', config, dts, pts, keyframe, data: avcc(slice(keyframe, size)) };
}

export function audioSample(config: AudioConfig, dts: number, size = 200): AudioSample {
  return { kind: 'audio', config, dts, data: Buffer.alloc(size, 0x21) };
}

/** A 25 fps video + 44.1 kHz AAC interleaving of `seconds`, keyframes every `gopMs`, from `startMs`. */
export function interleavedStream(
  seconds: number,
  options: { gopMs?: number; startMs?: number; video?: VideoConfig; audio?: AudioConfig } = {},
): (VideoSample | AudioSample)[] {
  const video = options.video ?? h264Config();
  const audio = options.audio ?? aacConfig();
  const gop = options.gopMs ?? 1000;
  const start = options.startMs ?? 0;
  const samples: (VideoSample | AudioSample)[] = [];
  const audioFrameMs = (1024 * 1000) / audio.sampleRate;
  let audioTime = 0;
  for (let t = 0; t < seconds * 1000; t += 40) {
    samples.push(videoSample(video, start + t, t % gop === 0));
    for (; audioTime < t + 40; audioTime += audioFrameMs) {
      samples.push(audioSample(audio, start + Math.round(audioTime)));
    }
  }
  return samples;
}
