// HTTP-FLV bytes for one viewer, from an ffmpeg FLV's tags, read back by ffprobe and ffmpeg.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FlvTag, FlvTagType, parseFlv } from '@tributary/rtmp-core';
import { ffmpegClipArgs, run, tempDir } from '@tributary/test-kit';
import { type FlvTagKind, HttpFlvWriter } from '../src/flv/http-flv-writer';
import { readFlvTags } from './helpers/flv-samples';
import { decode, nonMonotonicDts, probe } from './helpers/peers';

const KINDS: Record<number, FlvTagKind> = {
  [FlvTagType.Audio]: 'audio',
  [FlvTagType.Video]: 'video',
  [FlvTagType.ScriptData]: 'script',
};

describe('HttpFlvWriter', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let tags: FlvTag[];

  before(async () => {
    dir = tempDir('tributary-media-');
    const flv = join(dir.path, 'clip.flv');
    const made = await run('ffmpeg', ffmpegClipArgs(flv, { seconds: 3 }));
    assert.equal(made.code, 0, made.stderr);
    tags = await readFlvTags(flv);
  });

  after(async () => {
    await dir.remove();
  });

  it('streams a publisher restart with monotonic timestamps that ffmpeg decodes', async () => {
    const writer = new HttpFlvWriter({ audio: true, video: true });
    const chunks: Buffer[] = [writer.header()];
    // The clip twice: the second publisher's clock starts at 0 again.
    for (const tag of [...tags, ...tags])
      chunks.push(...writer.tag(KINDS[tag.type]!, tag.timestampMs, tag.payload));
    const bytes = Buffer.concat(chunks);
    const out = join(dir.path, 'viewer.flv');
    await writeFile(out, bytes);

    const written = parseFlv(bytes);
    assert.equal(written.length, 2 * tags.length);
    assert.ok(
      written.slice(tags.length).every((tag, i) => tag.payload.equals(tags[i]!.payload)),
      'payloads untouched',
    );
    for (const kind of [FlvTagType.Audio, FlvTagType.Video]) {
      const times = written.filter((t) => t.type === kind).map((t) => t.timestampMs);
      assert.ok(
        times.every((t, i) => i === 0 || t >= times[i - 1]!),
        'monotonic per track',
      );
    }

    const probed = await probe(out);
    assert.equal(probed.result.stderr, '');
    assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.deepEqual(nonMonotonicDts(probed.packets, 'video'), []);
    const decoded = await decode(out);
    assert.equal(decoded.code, 0);
    assert.equal(decoded.stderr, '');
  });
});
