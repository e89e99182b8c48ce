// rtmp-core's own use of the peers (ffmpeg decoding to null, FLV files as RTMP media messages); the
// processes, clips, ports and temp dirs come from @tributary/test-kit.
import { readFileSync } from 'node:fs';
import { FlvReader, FlvTagType } from '../../src/media';
import { type MediaMessage } from '../../src/message/media-message';

/** ffmpeg decoding `input` to null, with `-progress` so the last frame= line counts decoded frames. */
export function ffmpegDecodeArgs(input: string, extra: string[] = []): string[] {
  return [
    '-hide_banner',
    '-v',
    'error',
    ...extra,
    '-i',
    input,
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
