// rtmp-core's own use of the peers (ffmpeg decoding to null, FLV files as RTMP media messages); the
// processes, clips, ports and temp dirs come from @tributary/test-kit.
import { readFileSync } from 'node:fs';
import { FlvReader, FlvTagType } from '../../src/media';
import { type MediaMessage } from '../../src/message/media-message';

/**
 * ffmpeg decoding `input` to null, with `-progress` so the last frame= line counts decoded frames.
 *
 * `-enc_time_base:v -1` keeps the decoded pictures on the input's millisecond clock. Without it ffmpeg
 * re-times them onto a 1/framerate grid for the null muxer, after shifting every stream so the earliest
 * packet starts at 0: a viewer that joins at a keyframe whose first audio frame leads the first picture
 * by 1.5 frame periods (the publisher's own 2,017 ms audio against 2,067 ms video at 30 fps) gets
 * pictures at 1.50, 2.49, 3.51... frames, which round to 2, 2, 4, and the muxer prints "non
 * monotonically increasing dts" for every third frame although every frame decoded.
 */
export function ffmpegDecodeArgs(input: string, extra: string[] = []): string[] {
  return [
    '-hide_banner',
    '-v',
    'error',
    ...extra,
    '-i',
    input,
    '-enc_time_base:v',
    '-1',
    '-f',
    'null',
    '-',
    '-progress',
    'pipe:1',
    '-nostats',
  ];
}

export function decodedFrames(progress: string): number {
  const all = [...progress.matchAll(/^frame=(\d+)$/gm)];
  return Number(all.at(-1)?.[1] ?? 0);
}

/** The audio and video tags of an FLV file as RTMP media messages. */
export function readFlvMedia(path: string): MediaMessage[] {
  const tags = new FlvReader().push(readFileSync(path));
  return tags
    .filter((t) => t.type === FlvTagType.Audio || t.type === FlvTagType.Video)
    .map((t) => ({
      typeId: t.type === FlvTagType.Audio ? 8 : 9,
      timestamp: t.timestampMs,
      payload: t.payload,
    }));
}
