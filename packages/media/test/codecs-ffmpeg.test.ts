// HEVC, AV1 (Enhanced RTMP) and MP3 through the muxers, checked by ffprobe and ffmpeg.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, tempDir } from '@tributary/test-kit';
import { SampleBuilder } from '../src/flv/sample-builder';
import { LiveSegmenter, type LiveSegmenterOptions } from '../src/hls/live-segmenter';
import type { MediaSample } from '../src/types';
import { readFlvTags, samplesFromTags } from './helpers/flv-samples';
import { videoTagsFromFragmentedMp4 } from './helpers/mp4-samples';
import { decode, nonMonotonicDts, probe, writeRendition } from './helpers/peers';

const SECONDS = 4;
const FRAME_RATE = 25;
const SOURCE = ['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=${FRAME_RATE}`, '-t', String(SECONDS)];
const FRAGMENTED = ['-movflags', 'frag_keyframe+empty_moov+default_base_moof'];

describe('codecs beyond H.264/AAC', () => {
  let dir: { path: string; remove: () => Promise<void> };

  before(async () => {
    dir = tempDir('tributary-media-');
  });

  after(async () => {
    await dir.remove();
  });

  async function ffmpeg(args: readonly string[]): Promise<void> {
    const made = await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
    assert.equal(made.code, 0, made.stderr);
  }

  async function renderAndCheck(
    name: string,
    options: LiveSegmenterOptions,
    samples: readonly MediaSample[],
  ) {
    const segmenter = new LiveSegmenter(options);
    for (const sample of samples) segmenter.push(sample);
    segmenter.end();
    const out = join(dir.path, name);
    await mkdir(out);
    const playlist = await writeRendition(segmenter, out);
    const probed = await probe(playlist);
    assert.equal(probed.result.stderr, '');
    const decoded = await decode(playlist);
    assert.equal(decoded.code, 0);
    assert.equal(decoded.stderr, '');
    return { segmenter, probed };
  }

  function samplesFromVideoTags(tags: readonly { timestampMs: number; payload: Buffer }[]): MediaSample[] {
    const builder = new SampleBuilder();
    return tags.flatMap((tag) => builder.push('video', tag.timestampMs, tag.payload) ?? []);
  }

  it('HEVC (libx265, Enhanced RTMP hvc1) in MPEG-TS and fMP4', async () => {
    const source = join(dir.path, 'hevc.mp4');
    await ffmpeg([
      ...SOURCE,
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=none:keyint=25:bframes=2',
      '-tag:v',
      'hvc1',
      ...FRAGMENTED,
      source,
    ]);
    const samples = samplesFromVideoTags(await videoTagsFromFragmentedMp4(source, 'hvc1'));
    assert.equal(samples.length, SECONDS * FRAME_RATE);
    assert.equal(samples[0]!.kind === 'video' && samples[0]!.config.width, 320);
    for (const format of ['mpegts', 'fmp4'] as const) {
      const { probed } = await renderAndCheck(`hevc-${format}`, { format }, samples);
      assert.deepEqual(
        probed.streams.map((s) => s.codec_name),
        ['hevc'],
      );
      assert.equal(probed.packets.length, SECONDS * FRAME_RATE);
      assert.deepEqual(nonMonotonicDts(probed.packets, 'video'), []);
    }
  });

  it('AV1 (libaom, Enhanced RTMP av01) in fMP4', async () => {
    // Encoded to a plain MP4 first: streaming straight into a fragmented one, ffmpeg 5.1 writes an empty
    // av1C (libaom gives its sequence header only after the first frame), which no publisher would send.
    const plain = join(dir.path, 'av1-plain.mp4');
    const source = join(dir.path, 'av1.mp4');
    const encoder = ['-c:v', 'libaom-av1', '-cpu-used', '8', '-crf', '50', '-g', '25', '-usage', 'realtime'];
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=160x120:rate=${FRAME_RATE}`,
      '-t',
      '2',
      ...encoder,
      plain,
    ]);
    await ffmpeg(['-i', plain, '-c', 'copy', ...FRAGMENTED, source]);
    const samples = samplesFromVideoTags(await videoTagsFromFragmentedMp4(source, 'av01'));
    assert.equal(samples.length, 2 * FRAME_RATE);
    const { probed } = await renderAndCheck('av1-fmp4', { format: 'fmp4', targetDurationMs: 1000 }, samples);
    assert.deepEqual(
      probed.streams.map((s) => s.codec_name),
      ['av1'],
    );
    assert.equal(probed.packets.length, 2 * FRAME_RATE);
  });

  it('MP3 audio-only FLV in MPEG-TS (stream type 0x03) and fMP4', async () => {
    const flv = join(dir.path, 'mp3.flv');
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=44100',
      '-t',
      String(SECONDS),
      '-c:a',
      'libmp3lame',
      '-b:a',
      '64k',
      '-f',
      'flv',
      flv,
    ]);
    const samples = samplesFromTags(await readFlvTags(flv));
    assert.ok(samples.length > SECONDS * 30);
    for (const format of ['mpegts', 'fmp4'] as const) {
      const { probed, segmenter } = await renderAndCheck(`mp3-${format}`, { format }, samples);
      assert.deepEqual(
        probed.streams.map((s) => s.codec_name),
        ['mp3'],
      );
      assert.deepEqual(nonMonotonicDts(probed.packets, 'audio'), []);
      if (format === 'mpegts') assert.equal(segmenter.get('seg-0.ts')!.data[188 + 17], 0x03);
    }
  });
});
