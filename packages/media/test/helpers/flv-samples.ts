// An FLV file (as ffmpeg writes it) to MediaSamples, through rtmp-core's FLV reader and our
// SampleBuilder: the same path the edge takes with RTMP messages.
import { readFile } from 'node:fs/promises';
import { type FlvTag, FlvTagType, parseFlv } from '@tributary/rtmp-core';
import { SampleBuilder } from '../../src/flv/sample-builder';
import type { MediaSample } from '../../src/types';

export async function readFlvTags(path: string): Promise<FlvTag[]> {
  return parseFlv(await readFile(path));
}

export function samplesFromTags(tags: readonly FlvTag[]): MediaSample[] {
  const builder = new SampleBuilder();
  const samples: MediaSample[] = [];
  for (const tag of tags) {
    if (tag.type !== FlvTagType.Audio && tag.type !== FlvTagType.Video) continue;
    const sample = builder.push(
      tag.type === FlvTagType.Audio ? 'audio' : 'video',
      tag.timestampMs,
      tag.payload,
    );
    if (sample) samples.push(sample);
  }
  return samples;
}
