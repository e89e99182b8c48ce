// HLS for an indexed on-demand file (RFC 8216 VOD): segments cut on the file's own keyframes (no
// transcoding), each an independent MPEG-TS (PAT/PMT first) muxed from the file's samples on request.
import { MediaFileError, MediaFileErrorCode } from '../errors';
import { SampleBuilder } from '../flv/sample-builder';
import { renderMediaPlaylist, type UriDecorator } from '../hls/playlist';
import { TsMuxer } from '../ts/ts-muxer';
import type { AudioConfig, MediaSample, VideoConfig } from '../types';
import { tagBody } from './flv-tags';
import { type MediaFileIndex, SAMPLE_KEYFRAME, SAMPLE_VIDEO } from './media-index';

export interface VodSegment {
  readonly index: number;
  /** Samples [firstSample, endSample) of the index. */
  readonly firstSample: number;
  readonly endSample: number;
  readonly startMs: number;
  readonly durationMs: number;
}

/** One segment's byte span in the file is read in one range when it is at most this (else sample by sample). */
const MAX_SPAN_READ = 32 * 1024 * 1024;

/**
 * Cuts the file into segments of about `targetMs`: each starts on a keyframe (any sample for audio
 * only), at the first keyframe at least `targetMs` after the previous cut.
 */
export function planVodSegments(index: MediaFileIndex, targetMs: number): VodSegment[] {
  const s = index.samples;
  const hasVideo = index.video !== null;
  const cuts: number[] = [];
  let lastCut = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < s.count; i++) {
    const flags = s.flags[i] as number;
    const cuttable = hasVideo ? (flags & SAMPLE_KEYFRAME) !== 0 : true;
    if (!cuttable) continue;
    const t = s.dts[i] as number;
    if (cuts.length === 0 || t - lastCut >= targetMs) {
      // Audio samples just before the first keyframe belong to the first segment.
      cuts.push(cuts.length === 0 ? 0 : i);
      lastCut = t;
    }
  }
  const segments: VodSegment[] = [];
  for (let k = 0; k < cuts.length; k++) {
    const first = cuts[k] as number;
    const end = k + 1 < cuts.length ? (cuts[k + 1] as number) : s.count;
    const startMs = k === 0 ? 0 : (s.dts[first] as number);
    const endMs = k + 1 < cuts.length ? (s.dts[end] as number) : index.durationMs;
    segments.push({
      index: k,
      firstSample: first,
      endSample: end,
      startMs,
      durationMs: Math.max(1, endMs - startMs),
    });
  }
  return segments;
}

/** The VOD media playlist: every segment, EXT-X-PLAYLIST-TYPE:VOD and EXT-X-ENDLIST. */
export function renderVodPlaylist(
  segments: readonly VodSegment[],
  uri: (segment: VodSegment) => string,
  decorate?: UriDecorator,
): string {
  const longest = segments.reduce((m, s) => Math.max(m, s.durationMs), 1000);
  const text = renderMediaPlaylist(
    {
      targetDurationS: Math.ceil(longest / 1000),
      mediaSequence: 0,
      discontinuitySequence: 0,
      segments: segments.map((s) => ({
        msn: s.index,
        uri: uri(s),
        durationMs: s.durationMs,
        discontinuity: false,
        mapUri: undefined,
        parts: [],
      })),
      ended: true,
    },
    decorate,
  );
  return text.replace(/^(#EXT-X-TARGETDURATION:\d+)$/m, '$1\n#EXT-X-PLAYLIST-TYPE:VOD');
}

/**
 * One segment as MPEG-TS bytes: its samples read from the file (one range for the whole span when
 * small enough), turned into FLV tag bodies, then samples (SampleBuilder, as for live), then TS.
 */
export async function muxVodSegment(
  index: MediaFileIndex,
  segment: VodSegment,
  read: (offset: number, length: number) => Promise<Uint8Array>,
): Promise<Buffer> {
  const s = index.samples;
  const builder = new SampleBuilder();
  if (index.video) builder.push('video', 0, index.video.sequenceHeader);
  if (index.audio?.sequenceHeader) builder.push('audio', 0, index.audio.sequenceHeader);
  let spanStart = Number.POSITIVE_INFINITY;
  let spanEnd = 0;
  for (let i = segment.firstSample; i < segment.endSample; i++) {
    spanStart = Math.min(spanStart, s.offset[i] as number);
    spanEnd = Math.max(spanEnd, (s.offset[i] as number) + (s.size[i] as number));
  }
  const span =
    spanEnd > spanStart && spanEnd - spanStart <= MAX_SPAN_READ
      ? await read(spanStart, spanEnd - spanStart)
      : undefined;
  const samples: MediaSample[] = [];
  let video: VideoConfig | undefined;
  let audio: AudioConfig | undefined;
  for (let i = segment.firstSample; i < segment.endSample; i++) {
    const at = s.offset[i] as number;
    const size = s.size[i] as number;
    const bytes = span ? span.subarray(at - spanStart, at - spanStart + size) : await read(at, size);
    const isVideo = ((s.flags[i] as number) & SAMPLE_VIDEO) !== 0;
    const sample = builder.push(isVideo ? 'video' : 'audio', s.dts[i] as number, tagBody(index, i, bytes));
    if (!sample) continue;
    if (sample.kind === 'video') video ??= sample.config;
    else audio ??= sample.config;
    samples.push(sample);
  }
  if (!video && !audio)
    throw new MediaFileError(MediaFileErrorCode.Malformed, `segment ${segment.index} has no playable sample`);
  const muxer = new TsMuxer({ ...(video ? { video } : {}), ...(audio ? { audio } : {}) });
  const out: Buffer[] = [muxer.tables()];
  for (const sample of samples) out.push(muxer.write(sample));
  return Buffer.concat(out);
}
