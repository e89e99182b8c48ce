// HLS renditions of a real ffmpeg-encoded stream, checked by ffprobe and ffmpeg (peers we did not write).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ffmpegClipArgs, run, tempDir } from '@tributary/test-kit';
import { LiveSegmenter, type LiveSegmenterOptions } from '../src/hls/live-segmenter';
import { parsePlaylist } from '../src/testing/playlists';
import { continuityErrors, readPackets, readPes } from '../src/testing/ts-reader';
import type { MediaSample } from '../src/types';
import { readFlvTags, samplesFromTags } from './helpers/flv-samples';
import { decode, nonMonotonicDts, probe, writeRendition } from './helpers/peers';

const CLIP_SECONDS = 6;
const FRAME_RATE = 25;

describe('HLS from an ffmpeg H.264/AAC FLV', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let samples: MediaSample[];

  before(async () => {
    dir = tempDir('tributary-media-');
    const flv = join(dir.path, 'clip.flv');
    const made = await run(
      'ffmpeg',
      ffmpegClipArgs(flv, {
        seconds: CLIP_SECONDS,
        rate: FRAME_RATE,
        audio: 'sine=frequency=440:sample_rate=44100',
        videoOptions: ['-bf', '2'],
        audioOptions: ['-ac', '2'],
      }),
    );
    assert.equal(made.code, 0, made.stderr);
    samples = samplesFromTags(await readFlvTags(flv));
  });

  after(async () => {
    await dir.remove();
  });

  async function render(
    name: string,
    options: LiveSegmenterOptions,
    input: readonly MediaSample[] = samples,
  ) {
    const segmenter = new LiveSegmenter(options);
    for (const sample of input) segmenter.push(sample);
    segmenter.end();
    const out = join(dir.path, name);
    await mkdir(out);
    return { segmenter, playlist: await writeRendition(segmenter, out) };
  }

  it('builds samples from every audio and video tag', () => {
    assert.equal(samples.filter((s) => s.kind === 'video').length, CLIP_SECONDS * FRAME_RATE);
    assert.ok(
      samples.some((s) => s.kind === 'video' && s.pts > s.dts),
      'B-frames give composition offsets',
    );
    assert.ok(samples.filter((s) => s.kind === 'audio').length > CLIP_SECONDS * 40);
  });

  it('MPEG-TS: ffprobe reads every frame with monotonic DTS, ffmpeg decodes without errors', async () => {
    const { segmenter, playlist } = await render('ts', { format: 'mpegts' });
    const { manifest, warnings } = parsePlaylist(segmenter.playlist());
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      manifest.segments.map((s) => s.duration),
      [2, 2, 2],
    );

    const probed = await probe(playlist);
    assert.equal(probed.result.stderr, '');
    assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    const video = probed.streams.find((s) => s.codec_type === 'video')!;
    assert.deepEqual([video.width, video.height], [320, 240]);
    assert.equal(probed.packets.filter((p) => p.codec_type === 'video').length, CLIP_SECONDS * FRAME_RATE);
    assert.deepEqual(nonMonotonicDts(probed.packets, 'video'), []);
    assert.deepEqual(nonMonotonicDts(probed.packets, 'audio'), []);
    const decoded = await decode(playlist);
    assert.equal(decoded.code, 0);
    assert.equal(decoded.stderr, '');
  });

  it('MPEG-TS: ffmpeg finds no continuity error, PCR runs ahead of DTS and stays monotonic', async () => {
    const { segmenter } = await render('ts-checks', { format: 'mpegts' });
    const stream = Buffer.concat(segmenter.segmentInfo().map((s) => segmenter.get(s.uri)!.data));
    const file = join(dir.path, 'ts-checks', 'all.ts');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, stream));
    // ffmpeg's mpegts demuxer logs "Continuity check failed" at debug level.
    const debug = await run('ffprobe', ['-v', 'debug', '-show_packets', '-of', 'json', file]);
    assert.equal(debug.code, 0);
    assert.doesNotMatch(debug.stderr, /Continuity check failed|PES packet size mismatch|corrupt/i);
    const packets = readPackets(stream);
    assert.deepEqual(continuityErrors(packets), []);
    const pcrs = packets.flatMap((p) => (p.pcr === undefined ? [] : [p.pcr]));
    assert.ok(pcrs.length >= CLIP_SECONDS * FRAME_RATE);
    assert.ok(pcrs.every((pcr, i) => i === 0 || pcr > pcrs[i - 1]!));
    const { packets: probedPackets } = await probe(file);
    const firstVideoDts = probedPackets.find((p) => p.codec_type === 'video')!.dts!;
    assert.ok(pcrs[0]! < firstVideoDts, 'the first PCR precedes the first DTS');
  });

  it('fMP4: ffprobe reads init + fragments, ffmpeg decodes without errors', async () => {
    const { segmenter, playlist } = await render('fmp4', { format: 'fmp4' });
    assert.match(segmenter.playlist(), /#EXT-X-MAP:URI="init-0\.mp4"/);
    const probed = await probe(playlist);
    assert.equal(probed.result.stderr, '');
    assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.equal(probed.packets.filter((p) => p.codec_type === 'video').length, CLIP_SECONDS * FRAME_RATE);
    assert.deepEqual(nonMonotonicDts(probed.packets, 'video'), []);
    assert.deepEqual(nonMonotonicDts(probed.packets, 'audio'), []);
    const decoded = await decode(playlist);
    assert.equal(decoded.code, 0);
    assert.equal(decoded.stderr, '');
  });

  it('LL-HLS: parts concatenate to their segments, the playlist decodes', async () => {
    const { segmenter, playlist } = await render('ll', { format: 'fmp4', lowLatency: { partTargetMs: 500 } });
    const { manifest, warnings } = parsePlaylist(segmenter.playlist());
    assert.deepEqual(warnings, []);
    assert.equal(manifest.partTargetDuration, 0.5);
    for (const segment of manifest.segments) {
      const parts = Buffer.concat((segment.parts ?? []).map((p) => segmenter.get(p.uri)!.data));
      assert.deepEqual(parts, segmenter.get(segment.uri)!.data);
    }
    const decoded = await decode(playlist);
    assert.equal(decoded.code, 0);
    assert.equal(decoded.stderr, '');
  });

  it('MPEG-TS: PTS/DTS wrap at 2^33 in the middle of the clip, ffprobe unwraps them monotonically', async () => {
    // The 90 kHz clock (plus the 1.4 s muxer offset) wraps 3 s into the clip.
    const wrapMs = Math.floor((2 ** 33 - 126_000) / 90);
    const shift = wrapMs - 3000;
    const shifted = samples.map(
      (s): MediaSample =>
        s.kind === 'video' ? { ...s, dts: s.dts + shift, pts: s.pts + shift } : { ...s, dts: s.dts + shift },
    );
    const { segmenter, playlist } = await render('wrap', { format: 'mpegts' }, shifted);
    const stream = Buffer.concat(segmenter.segmentInfo().map((s) => segmenter.get(s.uri)!.data));
    const videoDts = readPes(readPackets(stream), [0x100]).map((pes) => pes.dts);
    assert.ok(
      videoDts[0]! > 2 ** 33 - 4 * 90_000 && videoDts.at(-1)! < 4 * 90_000,
      'the written DTS wrapped',
    );
    const probed = await probe(playlist);
    assert.equal(probed.result.stderr, '');
    assert.equal(probed.packets.filter((p) => p.codec_type === 'video').length, CLIP_SECONDS * FRAME_RATE);
    assert.deepEqual(nonMonotonicDts(probed.packets, 'video'), []);
    assert.deepEqual(nonMonotonicDts(probed.packets, 'audio'), []);
    const decoded = await decode(playlist);
    assert.equal(decoded.code, 0);
    assert.equal(decoded.stderr, '');
  });

  it('a publisher restart gives a discontinuity that ffmpeg plays through', async () => {
    const { segmenter, playlist } = await render('restart', { format: 'mpegts', windowSize: 10 }, [
      ...samples,
      ...samples.map((s) => ({ ...s })), // the same clip again: timestamps restart at 0
    ]);
    const { manifest, warnings } = parsePlaylist(segmenter.playlist());
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      manifest.segments.map((s) => s.discontinuity ?? false),
      [false, false, false, true, false, false],
    );
    const probed = await probe(playlist);
    assert.equal(probed.result.stderr, '');
    assert.equal(
      probed.packets.filter((p) => p.codec_type === 'video').length,
      2 * CLIP_SECONDS * FRAME_RATE,
    );
    const decoded = await decode(playlist);
    assert.equal(decoded.code, 0);
    assert.equal(decoded.stderr, '');
  });
});
