// On-demand file indexing (vod/) against files ffmpeg writes, checked packet by packet against
// ffprobe: every sample's place, size, time and keyframe flag; then the index is played back into an
// FLV that ffmpeg decodes, and the files an uploader could get wrong are refused with their reason.
import assert from 'node:assert/strict';
import { open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, tempDir } from '@tributary/test-kit';
import { MediaFileError, MediaFileErrorCode } from '../src/errors';
import { tagBody } from '../src/vod/flv-tags';
import { indexMediaFile } from '../src/vod/index-file';
import {
  type MediaFileIndex,
  type RandomAccessSource,
  SAMPLE_KEYFRAME,
  SAMPLE_VIDEO,
  seekSample,
} from '../src/vod/media-index';
import { muxVodSegment, planVodSegments, renderVodPlaylist } from '../src/vod/vod-hls';

const SECONDS = 6;
const FPS = 25;
const SOURCE = [
  ...['-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${FPS}`],
  ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
  ...['-t', String(SECONDS)],
];
// A keyframe every second; B-frames so that composition offsets are exercised.
const H264 = [
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-g',
  String(FPS),
  '-bf',
  '2',
  '-pix_fmt',
  'yuv420p',
];

/** A file on disk as a RandomAccessSource, counting reads (the indexers read ranges, not files). */
async function fileSource(
  path: string,
): Promise<RandomAccessSource & { reads: number; close(): Promise<void> }> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  const src = {
    size,
    reads: 0,
    async read(offset: number, length: number) {
      src.reads++;
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      if (buf.length > 0) await fh.read(buf, 0, buf.length, offset);
      return buf;
    },
    close: () => fh.close(),
  };
  return src;
}

async function indexPath(path: string): Promise<MediaFileIndex> {
  const src = await fileSource(path);
  try {
    return await indexMediaFile(src);
  } finally {
    await src.close();
  }
}

interface Packet {
  stream: number;
  dts: number;
  pos: number;
  size: number;
  key: boolean;
}

async function ffprobePackets(path: string): Promise<{ packets: Packet[]; codecs: string[] }> {
  const res = await run('ffprobe', [
    ...['-v', 'error', '-show_packets', '-show_streams', '-of', 'json'],
    ...['-show_entries', 'packet=stream_index,dts_time,size,pos,flags:stream=codec_name'],
    path,
  ]);
  assert.equal(res.code, 0, res.stderr);
  const json = JSON.parse(res.stdout) as {
    packets: { stream_index: number; dts_time: string; size: string; pos: string; flags: string }[];
    streams: { codec_name: string }[];
  };
  return {
    codecs: json.streams.map((s) => s.codec_name),
    packets: json.packets.map((p) => ({
      stream: p.stream_index,
      dts: Number(p.dts_time) * 1000,
      pos: Number(p.pos),
      size: Number(p.size),
      key: p.flags.startsWith('K'),
    })),
  };
}

/** Our samples of one kind, in file order of that track. */
function ours(index: MediaFileIndex, video: boolean) {
  const out: { offset: number; size: number; dts: number; key: boolean }[] = [];
  const s = index.samples;
  for (let i = 0; i < s.count; i++) {
    const v = ((s.flags[i] as number) & SAMPLE_VIDEO) !== 0;
    if (v !== video) continue;
    out.push({
      offset: s.offset[i] as number,
      size: s.size[i] as number,
      dts: s.dts[i] as number,
      key: ((s.flags[i] as number) & SAMPLE_KEYFRAME) !== 0,
    });
  }
  return out;
}

/**
 * Compares the index with ffprobe's packets, track by track. `header`: the FLV tag header (11 bytes, from
 * the tag start that ffprobe's pos names to the tag body where our offset is) and the codec header
 * (video 5, AAC 2, MP3 1) that ffprobe's size leaves out; all 0 for MP4.
 */
function assertMatchesProbe(
  index: MediaFileIndex,
  probed: { packets: Packet[]; codecs: string[] },
  header: { tag: number; video: number; audio: number },
) {
  for (const video of [true, false]) {
    const stream = probed.codecs.indexOf(video ? 'h264' : (index.audio?.codec ?? 'aac'));
    assert.ok(stream >= 0, `ffprobe sees the ${video ? 'video' : 'audio'} stream`);
    const theirs = probed.packets.filter((p) => p.stream === stream).sort((a, b) => a.pos - b.pos);
    const mine = ours(index, video);
    assert.equal(mine.length, theirs.length, `${video ? 'video' : 'audio'} sample count`);
    const codecHeader = video ? header.video : header.audio;
    for (let i = 0; i < mine.length; i++) {
      const m = mine[i];
      const t = theirs[i];
      assert.ok(m && t);
      assert.equal(m.offset, t.pos + header.tag, `sample ${i} offset`);
      assert.equal(m.size, t.size + codecHeader, `sample ${i} size`);
      if (video) assert.equal(m.key, t.key, `sample ${i} keyframe flag`);
      // ffprobe shifts MP4 times by the edit list; differences from the first sample must agree.
      const theirsRel = t.dts - (theirs[0] as Packet).dts;
      const mineRel = m.dts - (mine[0] as { dts: number }).dts;
      assert.ok(Math.abs(theirsRel - mineRel) <= 1, `sample ${i} dts ${mineRel} vs ffprobe ${theirsRel}`);
    }
  }
}

/** Plays the index into an FLV file (header, sequence headers, every sample as a tag) for ffmpeg. */
async function writeFlv(index: MediaFileIndex, sourcePath: string, out: string): Promise<void> {
  const file = await readFile(sourcePath);
  const parts: Buffer[] = [
    Buffer.from([0x46, 0x4c, 0x56, 1, (index.audio ? 4 : 0) | (index.video ? 1 : 0), 0, 0, 0, 9, 0, 0, 0, 0]),
  ];
  const tag = (type: number, ts: number, body: Buffer) => {
    const h = Buffer.alloc(11);
    h[0] = type;
    h.writeUIntBE(body.length, 1, 3);
    h.writeUIntBE(ts & 0xffffff, 4, 3);
    h[7] = (ts >>> 24) & 0xff;
    const prev = Buffer.alloc(4);
    prev.writeUInt32BE(11 + body.length);
    parts.push(h, body, prev);
  };
  if (index.video) tag(9, 0, index.video.sequenceHeader);
  if (index.audio?.sequenceHeader) tag(8, 0, index.audio.sequenceHeader);
  const s = index.samples;
  for (let i = 0; i < s.count; i++) {
    const at = s.offset[i] as number;
    const bytes = file.subarray(at, at + (s.size[i] as number));
    tag(
      (s.flags[i] as number) & SAMPLE_VIDEO ? 9 : 8,
      Math.round(s.dts[i] as number),
      tagBody(index, i, bytes),
    );
  }
  await writeFile(out, Buffer.concat(parts));
}

async function decodesCleanly(path: string): Promise<{ videoFrames: number }> {
  const res = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', path, '-f', 'null', '-']);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stderr.trim(), '', `ffmpeg decodes without errors: ${res.stderr}`);
  const count = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames'],
    ...['-of', 'csv=p=0', path],
  ]);
  // An HLS playlist lists its stream under each program too: the first figure is the stream's.
  return { videoFrames: Number(count.stdout.trim().split(/\s+/)[0]) };
}

async function refused(path: string, code: MediaFileErrorCode, reason: RegExp): Promise<void> {
  await assert.rejects(indexPath(path), (err: unknown) => {
    assert.ok(err instanceof MediaFileError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, reason);
    return true;
  });
}

describe('indexing on-demand files ffmpeg wrote', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const file = (name: string) => join(dir.path, name);
  async function ffmpeg(args: readonly string[]) {
    const made = await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
    assert.equal(made.code, 0, made.stderr);
  }

  before(async () => {
    dir = tempDir('tributary-vod-');
    await ffmpeg([...SOURCE, ...H264, '-c:a', 'aac', '-movflags', '+faststart', file('faststart.mp4')]);
    await ffmpeg([...SOURCE, ...H264, '-c:a', 'libmp3lame', file('moov-at-end-mp3.mp4')]);
    await ffmpeg([...SOURCE, ...H264, '-c:a', 'aac', file('aac.flv')]);
    await ffmpeg([...SOURCE, ...H264, '-c:a', 'libmp3lame', '-ar', '44100', file('mp3.flv')]);
  });
  after(() => dir?.remove());

  it('indexes an MP4 (moov first, H.264 with B-frames + AAC) exactly as ffprobe reads it', async () => {
    const index = await indexPath(file('faststart.mp4'));
    assert.equal(index.format, 'mp4');
    assert.deepEqual(
      {
        codec: index.video?.codec,
        width: index.video?.width,
        height: index.video?.height,
        fps: index.video?.frameRate,
      },
      { codec: 'h264', width: 320, height: 240, fps: FPS },
    );
    assert.deepEqual(
      { codec: index.audio?.codec, rate: index.audio?.sampleRate, channels: index.audio?.channels },
      { codec: 'aac', rate: 44100, channels: 1 },
    );
    assert.ok(Math.abs(index.durationMs - SECONDS * 1000) < 100, `duration ${index.durationMs}`);
    assert.equal(index.keyframes.timeMs.length, SECONDS, 'one keyframe a second');
    assertMatchesProbe(index, await ffprobePackets(file('faststart.mp4')), { tag: 0, video: 0, audio: 0 });
    // Samples come in decoding order across tracks.
    for (let i = 1; i < index.samples.count; i++)
      assert.ok(
        (index.samples.dts[i] as number) >= (index.samples.dts[i - 1] as number),
        `dts order at ${i}`,
      );
  });

  it('indexes an MP4 whose moov is at the end, with MP3 audio, reading ranges rather than the file', async () => {
    const src = await fileSource(file('moov-at-end-mp3.mp4'));
    const index = await indexMediaFile(src);
    await src.close();
    assert.ok(src.reads <= 8, `${src.reads} reads: box headers and the moov, never the media`);
    assert.equal(index.audio?.codec, 'mp3');
    assertMatchesProbe(index, await ffprobePackets(file('moov-at-end-mp3.mp4')), {
      tag: 0,
      video: 0,
      audio: 0,
    });
  });

  it('indexes FLV files (AAC and MP3) tag by tag as ffprobe reads them', async () => {
    const aac = await indexPath(file('aac.flv'));
    assert.equal(aac.format, 'flv');
    assert.deepEqual([aac.video?.width, aac.video?.height], [320, 240]);
    assertMatchesProbe(aac, await ffprobePackets(file('aac.flv')), { tag: 11, video: 5, audio: 2 });
    const mp3 = await indexPath(file('mp3.flv'));
    assert.deepEqual([mp3.audio?.codec, mp3.audio?.sampleRate], ['mp3', 44100]);
    assertMatchesProbe(mp3, await ffprobePackets(file('mp3.flv')), { tag: 11, video: 5, audio: 1 });
  });

  it('plays every sample back as FLV tags that ffmpeg decodes, frame for frame', async () => {
    for (const name of ['faststart.mp4', 'moov-at-end-mp3.mp4', 'aac.flv']) {
      const index = await indexPath(file(name));
      const out = file(`${name}.replay.flv`);
      await writeFlv(index, file(name), out);
      const { videoFrames } = await decodesCleanly(out);
      assert.equal(videoFrames, SECONDS * FPS, `${name}: every frame decodes`);
    }
  });

  it('serves an indexed file as VOD HLS: keyframe-cut MPEG-TS segments that ffmpeg plays end to end', async () => {
    for (const name of ['faststart.mp4', 'moov-at-end-mp3.mp4', 'aac.flv']) {
      const index = await indexPath(file(name));
      const segments = planVodSegments(index, 2000);
      assert.equal(segments.length, SECONDS / 2, `${name}: one segment per 2 s (keyframes every second)`);
      const src = await fileSource(file(name));
      const outDir = file(`${name}-hls`);
      await run('mkdir', ['-p', outDir]);
      for (const segment of segments) {
        const ts = await muxVodSegment(index, segment, (at, n) => src.read(at, n));
        assert.equal(ts.length % 188, 0);
        await writeFile(join(outDir, `seg-${segment.index}.ts`), ts);
      }
      await src.close();
      const playlist = renderVodPlaylist(segments, (s) => `seg-${s.index}.ts`);
      assert.match(playlist, /#EXT-X-PLAYLIST-TYPE:VOD/);
      assert.match(playlist, /#EXT-X-ENDLIST\s*$/);
      await writeFile(join(outDir, 'index.m3u8'), playlist);
      const { videoFrames } = await decodesCleanly(join(outDir, 'index.m3u8'));
      assert.equal(videoFrames, SECONDS * FPS, `${name}: every frame plays through the playlist`);
    }
  });

  it('seeks to the keyframe at or before a time', async () => {
    const index = await indexPath(file('faststart.mp4'));
    const at = seekSample(index, 2500);
    assert.equal(at.timeMs, 2000);
    assert.ok(((index.samples.flags[at.sample] as number) & SAMPLE_KEYFRAME) !== 0);
    assert.equal(seekSample(index, 0).timeMs, 0);
    assert.equal(seekSample(index, -5).sample, index.keyframes.sample[0]);
    assert.equal(seekSample(index, 1e9).timeMs, (SECONDS - 1) * 1000, 'past the end: the last keyframe');
  });

  it('plays a recording cut inside its last tag up to the tag before', async () => {
    const whole = await indexPath(file('aac.flv'));
    const cut = file('cut.flv');
    await writeFile(cut, await readFile(file('aac.flv')));
    const size = (await stat(cut)).size;
    await truncate(cut, size - 300);
    const index = await indexPath(cut);
    assert.ok(index.samples.count < whole.samples.count && index.samples.count > whole.samples.count - 10);
  });

  it('refuses what it cannot play, saying why', async () => {
    await ffmpeg([
      ...SOURCE,
      ...H264,
      '-c:a',
      'aac',
      '-movflags',
      'frag_keyframe+empty_moov',
      file('fragmented.mp4'),
    ]);
    await refused(file('fragmented.mp4'), MediaFileErrorCode.Unsupported, /fragmented MP4/);
    await ffmpeg([
      ...SOURCE,
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=none',
      '-an',
      file('hevc.mp4'),
    ]);
    await refused(file('hevc.mp4'), MediaFileErrorCode.Unsupported, /HEVC/);
    await ffmpeg([...SOURCE, '-c:v', 'flv1', '-an', file('h263.flv')]);
    await refused(file('h263.flv'), MediaFileErrorCode.Unsupported, /Sorenson H\.263/);
    await ffmpeg([...SOURCE, '-vn', '-c:a', 'pcm_s16le', '-f', 'flv', file('pcm.flv')]);
    await refused(file('pcm.flv'), MediaFileErrorCode.Unsupported, /PCM/);
    // An upload cut short: its moov (at the end) never arrived, or its media runs past the end.
    const cutEnd = file('cut-end.mp4');
    await writeFile(cutEnd, await readFile(file('moov-at-end-mp3.mp4')));
    await truncate(cutEnd, Math.floor((await stat(cutEnd)).size / 2));
    await refused(cutEnd, MediaFileErrorCode.Truncated, /cut short/);
    const cutStart = file('cut-start.mp4');
    await writeFile(cutStart, await readFile(file('faststart.mp4')));
    await truncate(cutStart, Math.floor((await stat(cutStart)).size / 2));
    await refused(cutStart, MediaFileErrorCode.Truncated, /cut short/);
    await writeFile(file('text.mp4'), 'this is not a video, just a text file with a video name\n');
    await refused(file('text.mp4'), MediaFileErrorCode.UnknownFormat, /not an MP4 or FLV/);
    await writeFile(file('empty.mp4'), '');
    await refused(file('empty.mp4'), MediaFileErrorCode.UnknownFormat, /empty/);
  });
});
