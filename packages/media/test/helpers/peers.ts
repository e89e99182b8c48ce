// The media package's use of the peers we did not write (ffprobe, ffmpeg) on what the muxers produce;
// running them comes from @tributary/test-kit.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PeerResult, run } from '@tributary/test-kit';
import type { LiveSegmenter } from '../../src/hls/live-segmenter';

/** Writes the playlist and every listed segment, part and init section, as an HTTP server would serve them. */
export async function writeRendition(segmenter: LiveSegmenter, dir: string): Promise<string> {
  const playlist = segmenter.playlist();
  const uris = [...playlist.matchAll(/URI="([^"]+)"|^([^#\n][^\n]*)$/gm)].map((m) => (m[1] ?? m[2])!);
  for (const uri of uris) {
    const resource = segmenter.get(uri);
    if (resource) await writeFile(join(dir, uri), resource.data);
  }
  const path = join(dir, 'index.m3u8');
  await writeFile(path, playlist);
  return path;
}

export interface ProbedPacket {
  readonly codec_type: 'video' | 'audio';
  readonly stream_index: number;
  readonly pts?: number;
  readonly dts?: number;
  readonly flags: string;
}

export interface ProbedStream {
  readonly index: number;
  readonly codec_type: string;
  readonly codec_name: string;
  readonly width?: number;
  readonly height?: number;
  readonly sample_rate?: string;
}

/** ffprobe -show_packets -show_streams, with stderr at the error level. */
export async function probe(
  input: string,
  extra: readonly string[] = [],
): Promise<{ result: PeerResult; packets: ProbedPacket[]; streams: ProbedStream[] }> {
  const result = await run('ffprobe', [
    '-v',
    'error',
    ...extra,
    '-show_packets',
    '-show_streams',
    '-of',
    'json',
    input,
  ]);
  const parsed = JSON.parse(result.stdout || '{}') as { packets?: ProbedPacket[]; streams?: ProbedStream[] };
  return { result, packets: parsed.packets ?? [], streams: parsed.streams ?? [] };
}

/** Decodes every stream to nothing; a clean run has exit 0 and nothing on stderr at the error level. */
export function decode(input: string, extra: readonly string[] = []): Promise<PeerResult> {
  return run('ffmpeg', ['-nostdin', '-v', 'error', ...extra, '-i', input, '-f', 'null', '-']);
}

/** Indices where a stream's DTS goes backwards. */
export function nonMonotonicDts(packets: readonly ProbedPacket[], codecType: 'video' | 'audio'): number[] {
  const dts = packets.filter((p) => p.codec_type === codecType).map((p) => p.dts ?? p.pts ?? Number.NaN);
  return dts.flatMap((value, i) => (i > 0 && !(value > dts[i - 1]!) ? [i] : []));
}
