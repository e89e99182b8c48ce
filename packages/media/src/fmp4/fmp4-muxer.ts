// fMP4/CMAF muxer: one init segment per track configuration, then fragments (moof + mdat) of samples.
// Sample data goes in as it arrived: AVCC/HVCC length-prefixed NAL units and AV1 low-overhead OBUs are
// already the ISOBMFF sample formats (ISO/IEC 14496-15 §5.3.2, AV1-ISOBMFF §2.4), raw AAC/MP3/Opus frames too.
import { MuxError, MuxErrorCode } from '../errors';
import { lengthPrefixedNalUnits } from '../nal-units';
import { sameAudioConfig, sameVideoConfig } from '../track-config';
import type { AudioConfig, AudioSample, MediaSample, TrackSet, VideoSample } from '../types';
import { type RunSample, type TrackRun, writeFragment } from './fragment';
import { initSegment, NON_SYNC_SAMPLE_FLAGS, SYNC_SAMPLE_FLAGS } from './init-segment';
import { AUDIO_TRACK_ID, audioFrameSamples, audioTimescale, VIDEO_TIMESCALE, VIDEO_TRACK_ID } from './tracks';

/** Duration given to a last video sample when nothing follows it yet: one frame at 30 fps. */
const FALLBACK_VIDEO_FRAME_TICKS = VIDEO_TIMESCALE / 30;

function toTicks(ms: number, timescale: number): number {
  return Math.max(0, Math.round((ms * timescale) / 1000));
}

export class Fmp4Muxer {
  readonly initSegment: Buffer;
  private sequenceNumber = 0;
  private lastVideoDuration = FALLBACK_VIDEO_FRAME_TICKS;

  /** Throws MuxError when a track cannot be carried (unknown codec, Opus without OpusHead). */
  constructor(readonly tracks: TrackSet) {
    if (!tracks.video && !tracks.audio)
      throw new MuxError(MuxErrorCode.InvalidOption, 'Fmp4Muxer needs a track');
    this.initSegment = initSegment(tracks);
  }

  /**
   * Throws MuxError when a sample cannot go in a fragment of this muxer: empty, broken NAL lengths,
   * or a config other than the one in the init segment (a new init segment is needed for that).
   */
  check(sample: MediaSample): void {
    const same =
      sample.kind === 'video'
        ? sameVideoConfig(this.tracks.video, sample.config)
        : sameAudioConfig(this.tracks.audio, sample.config);
    if (!same) {
      throw new MuxError(
        MuxErrorCode.TrackMismatch,
        `${sample.kind} sample config is not the init segment's`,
      );
    }
    if (sample.data.length === 0)
      throw new MuxError(MuxErrorCode.MalformedSample, `empty ${sample.kind} sample`);
    if (sample.kind === 'video' && sample.config.codec !== 'av1') {
      lengthPrefixedNalUnits(sample.data, sample.config.nalLengthSize);
    }
  }

  /**
   * One fragment of checked samples (in decode order per track). `nextVideoDts` is the decode time of
   * the video sample that will start the next fragment, which gives the last video sample its duration.
   */
  fragment(samples: readonly MediaSample[], nextVideoDts?: number): Buffer {
    const video: VideoSample[] = [];
    const audio: AudioSample[] = [];
    for (const sample of samples) {
      if (sample.kind === 'video') video.push(sample);
      else audio.push(sample);
    }
    const runs: TrackRun[] = [];
    if (video.length > 0) runs.push(this.videoRun(video, nextVideoDts));
    if (audio.length > 0 && this.tracks.audio) runs.push(this.audioRun(audio, this.tracks.audio));
    this.sequenceNumber++;
    return writeFragment(this.sequenceNumber, runs);
  }

  private videoRun(samples: readonly VideoSample[], nextDts: number | undefined): TrackRun {
    const run: RunSample[] = [];
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      const dts = toTicks(sample.dts, VIDEO_TIMESCALE);
      const next = samples[i + 1]?.dts ?? nextDts;
      let duration = next === undefined ? this.lastVideoDuration : toTicks(next, VIDEO_TIMESCALE) - dts;
      duration = Math.max(0, duration);
      if (duration > 0) this.lastVideoDuration = duration;
      run.push({
        data: sample.data,
        duration,
        flags: sample.keyframe ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS,
        compositionOffset: Math.max(0, toTicks(sample.pts, VIDEO_TIMESCALE) - dts),
      });
    }
    return {
      trackId: VIDEO_TRACK_ID,
      baseMediaDecodeTime: toTicks(samples[0]!.dts, VIDEO_TIMESCALE),
      perSampleFlags: true,
      samples: run,
    };
  }

  private audioRun(samples: readonly AudioSample[], config: AudioConfig): TrackRun {
    const timescale = audioTimescale(config);
    const frameTicks = audioFrameSamples(config);
    const run: RunSample[] = [];
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      const next = samples[i + 1];
      // The last frame's duration is its sample count: tfdt of the next fragment re-anchors the clock.
      const duration =
        next === undefined
          ? frameTicks
          : Math.max(0, toTicks(next.dts, timescale) - toTicks(sample.dts, timescale));
      run.push({ data: sample.data, duration, flags: SYNC_SAMPLE_FLAGS, compositionOffset: 0 });
    }
    return {
      trackId: AUDIO_TRACK_ID,
      baseMediaDecodeTime: toTicks(samples[0]!.dts, timescale),
      perSampleFlags: false,
      samples: run,
    };
  }
}
