import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MuxErrorCode } from '../errors';
import { parseBoxes } from '../testing/boxes';
import { parsePlaylist } from '../testing/playlists';
import { aacConfig, audioSample, h264Config, interleavedStream, videoSample } from '../testing/samples';
import { continuityErrors, readPackets } from '../testing/ts-reader';
import type { AudioConfig, MediaSample, VideoConfig } from '../types';
import { LiveSegmenter } from './live-segmenter';

function feed(segmenter: LiveSegmenter, samples: readonly MediaSample[]): void {
  for (const sample of samples) segmenter.push(sample);
}

function validPlaylist(segmenter: LiveSegmenter) {
  const { manifest, warnings } = parsePlaylist(segmenter.playlist());
  assert.deepEqual(warnings, []);
  return manifest;
}

describe('LiveSegmenter (MPEG-TS)', () => {
  it('cuts 2 s segments on keyframes and slides a window with the media sequence', () => {
    const segmenter = new LiveSegmenter({ windowSize: 3 });
    feed(segmenter, interleavedStream(12));
    const manifest = validPlaylist(segmenter);
    assert.equal(manifest.targetDuration, 2);
    assert.equal(manifest.mediaSequence, 2);
    assert.deepEqual(
      manifest.segments.map((s) => [s.uri, s.duration]),
      [
        ['seg-2.ts', 2],
        ['seg-3.ts', 2],
        ['seg-4.ts', 2],
      ],
    );
    assert.equal(manifest.endList, undefined);
    const segment = segmenter.get('seg-4.ts')!;
    assert.equal(segment.contentType, 'video/mp2t');
    const packets = readPackets(segment.data);
    assert.equal(packets[0]!.pid, 0, 'a segment starts with the PAT');
    assert.equal(packets[1]!.pid, 0x1000, 'then the PMT');
    assert.equal(packets[2]!.randomAccess, true, 'then a keyframe');
    assert.ok(segmenter.get('seg-0.ts'), 'removed segments stay fetchable for a while');
  });

  it('keeps continuity counters running across segments', () => {
    const segmenter = new LiveSegmenter();
    feed(segmenter, interleavedStream(9));
    const all = Buffer.concat(segmenter.segmentInfo().map((s) => segmenter.get(s.uri)!.data));
    assert.deepEqual(continuityErrors(readPackets(all)), []);
  });

  it('ends the playlist with the last segment and ENDLIST', () => {
    const segmenter = new LiveSegmenter();
    feed(segmenter, interleavedStream(5));
    segmenter.end();
    const manifest = validPlaylist(segmenter);
    assert.equal(manifest.endList, true);
    assert.deepEqual(
      manifest.segments.map((s) => s.duration),
      [2, 2, 1],
    );
  });

  it('marks a publisher restart with a discontinuity and counts it once it slides out', () => {
    const segmenter = new LiveSegmenter({ windowSize: 3 });
    feed(segmenter, interleavedStream(4.2));
    segmenter.restart();
    feed(segmenter, interleavedStream(4.2));
    let manifest = validPlaylist(segmenter);
    const flagged = manifest.segments.filter((s) => s.discontinuity).map((s) => s.uri);
    assert.deepEqual(flagged, ['seg-3.ts']);
    assert.equal(manifest.discontinuitySequence, 0);
    segmenter.end();
    feed(segmenter, interleavedStream(8.2, { startMs: 0 }));
    manifest = validPlaylist(segmenter);
    assert.equal(manifest.endList, undefined, 'a publish after the end reopens the playlist');
    assert.ok(manifest.discontinuitySequence! >= 1);
    assert.ok(manifest.segments.every((s, i, all) => i === 0 || s.timeline >= all[i - 1]!.timeline));
  });

  it('treats a timestamp jump within a track as a discontinuity', () => {
    const segmenter = new LiveSegmenter();
    feed(segmenter, interleavedStream(4.2));
    feed(segmenter, interleavedStream(4.2, { startMs: 100_000 }));
    const manifest = validPlaylist(segmenter);
    assert.deepEqual(
      manifest.segments.map((s) => s.discontinuity ?? false),
      [false, false, false, true, false],
    );
  });

  it('raises the target duration to the longest segment when keyframes are sparse', () => {
    const segmenter = new LiveSegmenter();
    feed(segmenter, interleavedStream(12.1, { gopMs: 4000 }));
    const manifest = validPlaylist(segmenter);
    assert.equal(manifest.targetDuration, 4);
    assert.deepEqual(
      manifest.segments.map((s) => s.duration),
      [4, 4, 4],
    );
  });

  it('cuts a segment at its bound when the publisher sends no further keyframe', () => {
    const segmenter = new LiveSegmenter({ windowSize: 3 });
    assert.equal(segmenter.maxSegmentDurationMs, 10_000, '5 target durations');
    // One keyframe, then a minute of inter frames (40 ms apart) and audio.
    feed(segmenter, interleavedStream(60, { gopMs: 3_600_000 }));
    const manifest = validPlaylist(segmenter);
    assert.ok(segmenter.stats.segments >= 5, `${segmenter.stats.segments} segments closed`);
    assert.equal(segmenter.stats.forcedCuts, segmenter.stats.segments);
    assert.ok(manifest.mediaSequence! > 0, 'the window slides on');
    for (const s of segmenter.segmentInfo()) {
      assert.ok(s.durationMs >= 10_000 && s.durationMs < 10_000 + 40, `segment of ${s.durationMs} ms`);
      const packets = readPackets(segmenter.get(s.uri)!.data);
      assert.equal(packets[0]!.pid, 0, 'a cut segment still starts with the PAT');
    }
    assert.ok(manifest.targetDuration! <= 10);
  });

  it('cuts a segment once its samples reach the byte bound', () => {
    const maxSegmentBytes = 256 * 1024;
    const segmenter = new LiveSegmenter({ maxSegmentBytes });
    const video = h264Config();
    // 20 KB frames every 40 ms, one keyframe: 10 MB that a keyframe would never cut.
    for (let t = 0; t < 20_000; t += 40) segmenter.push(videoSample(video, t, t === 0, 20_000));
    segmenter.end();
    validPlaylist(segmenter);
    const info = segmenter.segmentInfo();
    assert.ok(info.length >= 3);
    assert.ok(segmenter.stats.forcedCuts >= 30, `${segmenter.stats.forcedCuts} cuts`);
    // MPEG-TS adds 4 bytes of header per 184 of payload, plus PAT, PMT and PES headers.
    for (const s of info) assert.ok(s.bytes <= maxSegmentBytes * 1.05, `segment of ${s.bytes} bytes`);
  });

  it('plays an audio-only stream once audio has run 1 s without video', () => {
    const segmenter = new LiveSegmenter();
    feed(
      segmenter,
      interleavedStream(6.1).filter((s) => s.kind === 'audio'),
    );
    const manifest = validPlaylist(segmenter);
    assert.equal(manifest.segments.length, 3);
    assert.ok(manifest.segments.every((s) => Math.abs(s.duration - 2) < 0.03));
    const packets = readPackets(segmenter.get('seg-0.ts')!.data);
    assert.ok(
      packets.some((p) => p.pid === 0x101 && p.pcr !== undefined),
      'PCR on the audio PID',
    );
  });

  it('drops audio that came before the first keyframe and starts with video', () => {
    const segmenter = new LiveSegmenter();
    const audio = aacConfig();
    feed(segmenter, [audioSample(audio, 0), audioSample(audio, 23)]);
    feed(segmenter, interleavedStream(4.1, { startMs: 40, audio }));
    assert.equal(segmenter.segmentInfo()[0]!.startDts, 40);
    assert.equal(segmenter.stats.discontinuities, 0);
  });

  it('keeps the playlist valid through malformed media', () => {
    const segmenter = new LiveSegmenter();
    const video = h264Config();
    const audio = aacConfig();
    const weird: MediaSample[] = [
      { ...videoSample(video, 100, false), data: Buffer.alloc(0) },
      { ...audioSample(audio, 100), data: Buffer.alloc(0) },
      { ...videoSample(video, 140, false), data: Buffer.from([0, 0, 0, 9, 1]) },
      videoSample({ ...video, codec: 'vp6' as never }, 150, true),
      audioSample({ ...audio, codec: 'speex' as never }, 150),
      { ...videoSample(video, Number.NaN, true) },
      audioSample({ codec: 'opus', sampleRate: 48_000, channels: 2 }, 160),
      audioSample({ ...audio, audioSpecificConfig: Buffer.alloc(1) }, 170),
      videoSample({ ...video, record: Buffer.alloc(0) }, 180, true),
    ];
    const stream = interleavedStream(6.1, { video, audio });
    feed(segmenter, [...stream.slice(0, 100), ...weird, ...stream.slice(100)]);
    const manifest = validPlaylist(segmenter);
    assert.equal(manifest.segments.length, 3);
    assert.ok(segmenter.stats.droppedSamples >= weird.length - 1);
  });

  it('segments video-only streams', () => {
    const segmenter = new LiveSegmenter();
    feed(
      segmenter,
      interleavedStream(6.1).filter((s) => s.kind === 'video'),
    );
    assert.equal(validPlaylist(segmenter).segments.length, 3);
    assert.ok(!readPackets(segmenter.get('seg-0.ts')!.data).some((p) => p.pid === 0x101));
  });
});

describe('LiveSegmenter (fMP4)', () => {
  it('lists the init segment with EXT-X-MAP and serves moof/mdat segments', () => {
    const segmenter = new LiveSegmenter({ format: 'fmp4' });
    feed(segmenter, interleavedStream(6.1));
    const manifest = validPlaylist(segmenter);
    assert.equal(manifest.segments[0]!.map?.uri, 'init-0.mp4');
    const init = segmenter.get('init-0.mp4')!;
    assert.deepEqual(
      parseBoxes(init.data).map((b) => b.type),
      ['ftyp', 'moov'],
    );
    const segment = segmenter.get(manifest.segments[1]!.uri)!;
    assert.equal(segment.contentType, 'video/mp4');
    assert.deepEqual(
      parseBoxes(segment.data).map((b) => b.type),
      ['moof', 'mdat'],
    );
  });

  it('writes a new init segment after a discontinuity when the codec configuration changes', () => {
    const segmenter = new LiveSegmenter({ format: 'fmp4' });
    feed(segmenter, interleavedStream(4.1));
    feed(
      segmenter,
      interleavedStream(4.1, { startMs: 4080, video: h264Config({ width: 640, height: 480 }) }),
    );
    const manifest = validPlaylist(segmenter);
    assert.deepEqual(
      manifest.segments.map((s) => s.map?.uri),
      ['init-0.mp4', 'init-0.mp4', 'init-0.mp4', 'init-1.mp4', 'init-1.mp4'],
    );
    assert.equal(manifest.segments[3]!.discontinuity, true);
  });

  it('carries AV1 video and Opus audio, which MPEG-TS drops', () => {
    const av1: VideoConfig = { ...h264Config(), codec: 'av1', record: Buffer.from([0x81, 0x08, 0x0c, 0x00]) };
    const opusHead = Buffer.from('4f707573486561640102380180bb0000000000', 'hex');
    const opus: AudioConfig = { codec: 'opus', sampleRate: 48_000, channels: 2, opusHead };
    const samples = interleavedStream(4.1).map(
      (s): MediaSample =>
        s.kind === 'video'
          ? { ...s, config: av1, data: Buffer.from([0x12, 0x00, 0x32, 0x01, 0x00]) }
          : { ...s, config: opus },
    );
    const fmp4 = new LiveSegmenter({ format: 'fmp4' });
    feed(fmp4, samples);
    assert.equal(validPlaylist(fmp4).segments.length, 2);
    assert.equal(fmp4.stats.droppedSamples, 0);
    const ts = new LiveSegmenter();
    feed(ts, samples);
    assert.equal(validPlaylist(ts).segments.length, 0);
    assert.match(ts.stats.lastDropReason ?? '', /not carried in mpegts/);
  });
});

describe('LiveSegmenter (LL-HLS)', () => {
  it('cuts parts within the part target and flags the independent ones', () => {
    const segmenter = new LiveSegmenter({ lowLatency: { partTargetMs: 500 } });
    feed(segmenter, interleavedStream(4.5, { gopMs: 1000 }));
    const manifest = validPlaylist(segmenter);
    const parts = manifest.segments.flatMap((s) => s.parts ?? []);
    assert.ok(parts.length >= 8);
    assert.ok(parts.every((p) => p.duration <= 0.5));
    assert.deepEqual(
      parts.filter((p) => p.independent).map((p) => p.uri),
      ['part-0.0.ts', 'part-1.0.ts'],
      'parts that start with a keyframe (segments always do)',
    );
    const text = segmenter.playlist();
    assert.match(text, /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-2\.\d\.ts"\n$/);
    const segment = segmenter.get('seg-0.ts')!.data;
    const partBytes = Buffer.concat(
      (manifest.segments[0]!.parts ?? []).map((p) => segmenter.get(p.uri)!.data),
    );
    assert.deepEqual(partBytes, segment, 'a segment is the concatenation of its parts');
  });

  it('does not flag the first part after a cut at the segment bound as independent', () => {
    const segmenter = new LiveSegmenter({ lowLatency: { partTargetMs: 500 }, maxSegmentDurationMs: 3000 });
    feed(segmenter, interleavedStream(10, { gopMs: 3_600_000 }));
    const manifest = validPlaylist(segmenter);
    const parts = manifest.segments.flatMap((s) => s.parts ?? []);
    assert.ok(manifest.segments.length >= 2);
    assert.deepEqual(
      parts.filter((p) => p.independent).map((p) => p.uri),
      ['part-0.0.ts'],
      'only the part that starts with the keyframe',
    );
  });

  it('answers blocking reloads when the part appears, refuses far-ahead ones, honours abort', async () => {
    const segmenter = new LiveSegmenter({ lowLatency: true });
    const stream = interleavedStream(6);
    feed(segmenter, stream.slice(0, 10));
    await assert.rejects(segmenter.waitFor(3, 0), { code: MuxErrorCode.RequestTooFarAhead });
    const controller = new AbortController();
    const aborted = segmenter.waitFor(1, 0, controller.signal);
    controller.abort();
    await assert.rejects(aborted, { code: MuxErrorCode.Aborted });

    let resolved = false;
    const waiting = segmenter.waitFor(0, 1).then(() => {
      resolved = true;
    });
    await Promise.resolve();
    assert.equal(resolved, false);
    const hinted = /PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(segmenter.playlist())![1]!;
    const fetched = segmenter.fetch(hinted);
    feed(segmenter, stream.slice(10, 120));
    await waiting;
    assert.ok(segmenter.playlist().includes('part-0.1.ts'));
    assert.equal((await fetched)?.data.length, segmenter.get(hinted)?.data.length);
    assert.equal(await segmenter.fetch('part-99.0.ts'), undefined);
  });

  it('releases every waiter at the end and rejects them on close', async () => {
    const segmenter = new LiveSegmenter({ lowLatency: true });
    feed(segmenter, interleavedStream(1));
    const ended = segmenter.waitFor(2);
    segmenter.end();
    await ended;
    const other = new LiveSegmenter({ lowLatency: true });
    const pending = other.waitFor(0);
    other.close();
    await assert.rejects(pending, { code: MuxErrorCode.Aborted });
  });
});

describe('LiveSegmenter properties', () => {
  const video = h264Config();
  const audio = aacConfig();
  const event = fc.oneof(
    {
      weight: 20,
      arbitrary: fc.record({
        type: fc.constant('video' as const),
        step: fc.integer({ min: 0, max: 80 }),
        keyframe: fc.boolean(),
        size: fc.integer({ min: 0, max: 2000 }),
      }),
    },
    {
      weight: 20,
      arbitrary: fc.record({
        type: fc.constant('audio' as const),
        step: fc.integer({ min: 0, max: 40 }),
        size: fc.integer({ min: 0, max: 400 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('jump' as const),
        step: fc.integer({ min: -50_000, max: 50_000 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ type: 'restart' as const }) },
  );

  for (const format of ['mpegts', 'fmp4'] as const) {
    it(`keeps a valid playlist with monotonic timing between discontinuities (${format})`, () => {
      fc.assert(
        fc.property(
          fc.array(event, { minLength: 100, maxLength: 600, size: 'max' }),
          fc.boolean(),
          fc.boolean(),
          (events, lowLatency, end) => {
            const segmenter = new LiveSegmenter({ format, windowSize: 4, lowLatency });
            let clock = 0;
            for (const e of events) {
              if (e.type === 'restart') {
                segmenter.restart();
                clock = 0;
              } else if (e.type === 'jump') {
                clock = Math.max(0, clock + e.step);
              } else {
                clock += e.step;
                segmenter.push(
                  e.type === 'video'
                    ? videoSample(video, clock, e.keyframe, e.size)
                    : audioSample(audio, clock, e.size),
                );
              }
            }
            if (end) segmenter.end();
            const { manifest, warnings } = parsePlaylist(segmenter.playlist());
            assert.deepEqual(warnings, []);
            const info = segmenter.segmentInfo();
            assert.deepEqual(
              manifest.segments.map((s) => s.uri),
              info.map((s) => s.uri),
            );
            for (let i = 1; i < info.length; i++) {
              assert.equal(info[i]!.msn, info[i - 1]!.msn + 1);
              assert.ok(
                info[i]!.startDts >= info[i - 1]!.startDts + info[i - 1]!.durationMs,
                'monotonic across discontinuities too',
              );
            }
            for (const s of manifest.segments) assert.ok(Math.round(s.duration) <= manifest.targetDuration!);
            if (format === 'mpegts') {
              for (const s of info) assert.equal(segmenter.get(s.uri)!.data.length % 188, 0);
            }
          },
        ),
        { seed: 42, numRuns: 100 },
      );
    });
  }
});

describe('LiveSegmenter segment bound (property)', () => {
  const video = h264Config();
  const audio = aacConfig();
  const sample = fc.record({
    kind: fc.constantFrom('video' as const, 'audio' as const),
    step: fc.integer({ min: 0, max: 80 }),
    // Keyframes are rare: most runs have stretches far longer than the bound without one.
    keyframe: fc.integer({ min: 0, max: 199 }).map((n) => n === 0),
    size: fc.integer({ min: 0, max: 4000 }),
  });

  for (const format of ['mpegts', 'fmp4'] as const) {
    it(`never lets a segment run past its bound by more than one sample step (${format})`, () => {
      fc.assert(
        fc.property(
          fc.array(sample, { minLength: 50, maxLength: 1500 }),
          fc.boolean(),
          fc.integer({ min: 2000, max: 8000 }),
          (samples, lowLatency, maxSegmentDurationMs) => {
            const segmenter = new LiveSegmenter({
              format,
              lowLatency,
              maxSegmentDurationMs,
              windowSize: 1000,
            });
            let clock = 0;
            let maxStep = 0;
            let first = true;
            for (const s of samples) {
              clock += s.step;
              maxStep = Math.max(maxStep, s.step);
              segmenter.push(
                s.kind === 'video'
                  ? videoSample(video, clock, first || s.keyframe, s.size)
                  : audioSample(audio, clock, s.size),
              );
              if (s.kind === 'video') first = false;
            }
            assert.deepEqual(parsePlaylist(segmenter.playlist()).warnings, []);
            // Every listed segment was closed by a later sample: the first at or past the bound at the latest.
            for (const info of segmenter.segmentInfo())
              assert.ok(
                info.durationMs < maxSegmentDurationMs + maxStep + 1,
                `segment ${info.msn} of ${info.durationMs} ms, bound ${maxSegmentDurationMs} ms`,
              );
          },
        ),
        { seed: 7, numRuns: 100 },
      );
    });
  }
});

describe('LiveSegmenter under hostile samples', () => {
  const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
  const hostile = fc.oneof(
    fc.record({
      kind: fc.constant('video' as const),
      codec: fc.constantFrom('h264', 'hevc', 'av1', 'vp8', ''),
      record: bytes,
      parameterSets: fc.array(bytes, { maxLength: 3 }),
      nalLengthSize: fc.constantFrom(1, 2, 4, 3, 0),
      dts: fc.oneof(fc.integer({ min: -1000, max: 100_000 }), fc.constant(Number.NaN)),
      cto: fc.integer({ min: -100, max: 100 }),
      keyframe: fc.boolean(),
      data: bytes,
    }),
    fc.record({
      kind: fc.constant('audio' as const),
      codec: fc.constantFrom('aac', 'mp3', 'opus', 'speex'),
      sampleRate: fc.constantFrom(44_100, 48_000, 8_000, 0, -1),
      channels: fc.integer({ min: 0, max: 8 }),
      extra: bytes,
      dts: fc.integer({ min: -1000, max: 100_000 }),
      data: bytes,
    }),
  );

  for (const format of ['mpegts', 'fmp4'] as const) {
    it(`never throws and keeps a valid playlist (${format})`, () => {
      fc.assert(
        fc.property(fc.array(hostile, { maxLength: 200 }), fc.boolean(), (specs, lowLatency) => {
          const segmenter = new LiveSegmenter({ format, lowLatency });
          for (const spec of specs) {
            const sample =
              spec.kind === 'video'
                ? ({
                    kind: 'video',
                    config: { ...spec, codec: spec.codec, width: 0, height: 0 },
                    dts: spec.dts,
                    pts: spec.dts + spec.cto,
                    keyframe: spec.keyframe,
                    data: spec.data,
                  } as unknown as MediaSample)
                : ({
                    kind: 'audio',
                    config: {
                      codec: spec.codec,
                      sampleRate: spec.sampleRate,
                      channels: spec.channels,
                      audioSpecificConfig: spec.extra,
                      opusHead: spec.extra,
                    },
                    dts: spec.dts,
                    data: spec.data,
                  } as unknown as MediaSample);
            segmenter.push(sample);
          }
          segmenter.end();
          assert.deepEqual(parsePlaylist(segmenter.playlist()).warnings, []);
        }),
        { seed: 11, numRuns: 200 },
      );
    });
  }
});
