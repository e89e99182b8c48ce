import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MediaFileIndex, SAMPLE_KEYFRAME, SAMPLE_VIDEO } from '@tributary/media';
import fc from 'fast-check';
import { vodPlaybackIdOf } from './rtmp-vod-names';
import { aheadMsFor, endSampleOf, VodPacer } from './rtmp-vod-pacer';

/**
 * A file's index as the indexers make it: video at `fps` with a keyframe every `gop` frames, AAC-like
 * audio every ~23 ms, interleaved in decoding order (ties: video first), samples laid out in that order.
 */
function fileIndex(seconds: number, fps = 25, gop = 25, withAudio = true): MediaFileIndex {
  const rows: { dts: number; video: boolean; key: boolean; size: number }[] = [];
  const frames = Math.round(seconds * fps);
  for (let f = 0; f < frames; f++)
    rows.push({ dts: (f * 1000) / fps, video: true, key: f % gop === 0, size: f % gop === 0 ? 9000 : 1500 });
  if (withAudio)
    for (let t = 0; t < seconds * 1000; t += 1024 / 44.1)
      rows.push({ dts: t, video: false, key: false, size: 300 });
  rows.sort((a, b) => a.dts - b.dts || Number(b.video) - Number(a.video));
  const count = rows.length;
  const offset = new Float64Array(count);
  const size = new Uint32Array(count);
  const dts = new Float64Array(count);
  const flags = new Uint8Array(count);
  let at = 48;
  rows.forEach((r, i) => {
    offset[i] = at;
    size[i] = r.size;
    dts[i] = r.dts;
    flags[i] = (r.video ? SAMPLE_VIDEO : 0) | (r.key ? SAMPLE_KEYFRAME : 0);
    at += r.size;
  });
  const keys = rows.flatMap((r, i) => (r.key ? [i] : []));
  return {
    format: 'mp4',
    durationMs: seconds * 1000,
    video: { codec: 'h264', width: 320, height: 240, frameRate: fps, sequenceHeader: Buffer.alloc(0) },
    audio: withAudio
      ? { codec: 'aac', sampleRate: 44_100, channels: 2, sequenceHeader: Buffer.alloc(0) }
      : null,
    samples: { count, offset, size, dts, cto: new Float64Array(count), flags, bare: true },
    keyframes: {
      timeMs: Float64Array.from(keys.map((i) => dts[i] as number)),
      sample: Uint32Array.from(keys),
    },
  };
}

const INDEX = fileIndex(20);
const AHEAD = aheadMsFor(3000, 1000, 60_000, 500);

/** Drains what is owed at `now` (as ticks would), returning the samples sent. */
function drain(pacer: VodPacer, now: number, ahead = AHEAD, maxBytes = 1 << 20): number[] {
  const sent: number[] = [];
  for (let batch = pacer.owed(now, ahead, maxBytes); batch; batch = pacer.owed(now, ahead, maxBytes)) {
    for (let i = batch.from; i < batch.to; i++) sent.push(i);
    pacer.commit(batch);
  }
  return sent;
}

describe('on-demand RTMP pacing (VodPacer)', () => {
  it('sends a buffer plus margin at once, then real time: never more ahead than that', () => {
    const pacer = new VodPacer(INDEX, { startMs: -2, lenMs: -1 }, 0);
    const first = drain(pacer, 0);
    assert.equal(first[0], 0);
    const lastDts = INDEX.samples.dts[first.at(-1) as number] as number;
    assert.ok(lastDts <= AHEAD && lastDts > AHEAD - 50, `first burst up to ${lastDts} ms`);
    for (let now = 25; now <= 10_000; now += 25) {
      drain(pacer, now);
      const ahead = pacer.positionMs - pacer.playheadMs(now);
      assert.ok(ahead <= AHEAD + 50, `at ${now} ms: ${ahead} ms ahead`);
      assert.ok(ahead >= AHEAD - 100, `at ${now} ms: only ${ahead} ms ahead`);
    }
  });

  it('starts at the keyframe at or before start, and stops at start + len', () => {
    const pacer = new VodPacer(INDEX, { startMs: 10_500, lenMs: 4000 }, 0);
    const sent: number[] = [];
    for (let now = 0; now <= 10_000; now += 25) sent.push(...drain(pacer, now));
    const s = INDEX.samples;
    assert.equal(s.dts[sent[0] as number], 10_000);
    assert.ok((s.flags[sent[0] as number] as number) & SAMPLE_KEYFRAME);
    assert.ok((s.dts[sent.at(-1) as number] as number) < 14_500);
    assert.ok((s.dts[(sent.at(-1) as number) + 1] as number) >= 14_500);
    assert.ok(pacer.done);
  });

  it('len 0 plays the keyframe alone', () => {
    const pacer = new VodPacer(INDEX, { startMs: 5000, lenMs: 0 }, 0);
    const sent = drain(pacer, 60_000);
    assert.equal(sent.length, 1);
    assert.equal(INDEX.samples.dts[sent[0] as number], 5000);
  });

  it('pause owes nothing, however long; unpause resumes where it stopped with the clock re-anchored', () => {
    const pacer = new VodPacer(INDEX, { startMs: 0, lenMs: -1 }, 0);
    drain(pacer, 2000);
    const at = pacer.position;
    pacer.pause(2000);
    for (let now = 2000; now < 60_000; now += 1000) assert.equal(pacer.owed(now, AHEAD, 1 << 20), null);
    pacer.unpause(2000, 60_000, AHEAD);
    const resumed = drain(pacer, 60_000);
    assert.equal(resumed[0], at, 'from the next unsent sample');
    const ahead = pacer.positionMs - pacer.playheadMs(60_000);
    assert.ok(ahead <= AHEAD + 50, `${ahead} ms ahead after unpause, not the whole pause`);
  });

  it('a viewer that stopped reading is re-anchored: one buffer, not the backlog', () => {
    const pacer = new VodPacer(INDEX, { startMs: 0, lenMs: -1 }, 0);
    drain(pacer, 0);
    // 8 s with nothing taken (its socket was full): then a buffer's worth, not 8 s of media.
    const sent = drain(pacer, 8000);
    const span =
      (INDEX.samples.dts[sent.at(-1) as number] as number) - (INDEX.samples.dts[sent[0] as number] as number);
    assert.ok(span <= AHEAD + 50, `${span} ms sent after the stall`);
  });

  it('property: batches are contiguous, paced, within their byte bound; seeks land on a keyframe at or before the time; stale batches change nothing', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({
        kind: fc.constant('seek' as const),
        t: fc.oneof(fc.double({ min: -1e6, max: 1e6 }), fc.constantFrom(Number.NaN, Infinity, -Infinity)),
      }),
      fc.record({ kind: fc.constant('pause' as const), paused: fc.boolean(), t: fc.double() }),
      fc.record({ kind: fc.constant('stale' as const) }),
    );
    fc.assert(
      fc.property(
        fc.double({ min: -5000, max: 30_000, noNaN: false }),
        fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 25_000 }), fc.constant(Number.NaN)),
        fc.integer({ min: 1, max: 200_000 }),
        fc.array(op, { maxLength: 60 }),
        (startMs, lenMs, maxBytes, ops) => {
          const s = INDEX.samples;
          let now = 0;
          const pacer = new VodPacer(INDEX, { startMs, lenMs }, now);
          let stale: ReturnType<VodPacer['owed']> = null;
          for (const o of ops) {
            if (o.kind === 'tick') {
              now += o.dt;
              const batch = pacer.owed(now, AHEAD, maxBytes);
              if (batch === null) continue;
              assert.equal(batch.from, pacer.position);
              assert.ok(batch.to > batch.from && batch.to <= s.count);
              let bytes = 0;
              for (let i = batch.from; i < batch.to; i++) bytes += s.size[i] as number;
              assert.ok(batch.to - batch.from === 1 || bytes <= maxBytes, 'within the byte bound');
              const due = pacer.playheadMs(now) + AHEAD;
              for (let i = batch.from; i < batch.to; i++) assert.ok((s.dts[i] as number) <= due, 'not early');
              assert.ok(!pacer.paused);
              stale = batch;
              pacer.commit(batch);
              assert.equal(pacer.position, batch.to);
            } else if (o.kind === 'seek') {
              const landing = pacer.seek(o.t, now);
              const t = Number.isFinite(o.t) && o.t > 0 ? o.t : 0;
              assert.ok((s.flags[landing.sample] as number) & SAMPLE_KEYFRAME, 'a keyframe');
              assert.ok(landing.timeMs <= Math.max(t, INDEX.keyframes.timeMs[0] as number));
              const nextKey = INDEX.keyframes.timeMs.find((k) => k > landing.timeMs);
              assert.ok(nextKey === undefined || nextKey > t, 'the last keyframe at or before');
            } else if (o.kind === 'pause') {
              if (o.paused) {
                pacer.pause(now);
                assert.equal(pacer.owed(now + 10_000, AHEAD, maxBytes), null);
              } else pacer.unpause(o.t, now, AHEAD);
            } else if (stale !== null) {
              const before = pacer.position;
              pacer.commit(stale);
              assert.equal(pacer.position, before, 'an old batch does not move the cursor');
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: the end of a play of len ms is the first sample at or after start + len', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 21_000 }), fc.integer({ min: 1, max: 30_000 }), (start, len) => {
        const first = 0;
        const end = endSampleOf(INDEX, first, start, len);
        const s = INDEX.samples;
        if (end > 0) assert.ok((s.dts[end - 1] as number) < start + len);
        if (end < s.count) assert.ok((s.dts[end] as number) >= start + len);
      }),
    );
  });

  it('ahead: the buffer bounded to [min, max], plus the margin; garbage buffers are the minimum', () => {
    assert.equal(aheadMsFor(0, 1000, 60_000, 500), 1500);
    assert.equal(aheadMsFor(3000, 1000, 60_000, 500), 3500);
    assert.equal(aheadMsFor(1e12, 1000, 60_000, 500), 60_500);
    assert.equal(aheadMsFor(Number.NaN, 1000, 60_000, 500), 1500);
  });

  it('an audio-only file paces by its samples', () => {
    const audio = fileIndex(5, 25, 25, true);
    const only: MediaFileIndex = {
      ...audio,
      video: null,
      keyframes: { timeMs: new Float64Array(0), sample: new Uint32Array(0) },
    };
    const pacer = new VodPacer(only, { startMs: 2000, lenMs: -1 }, 0);
    const sent = drain(pacer, 0);
    assert.ok((only.samples.dts[sent[0] as number] as number) <= 2000);
  });
});

describe('on-demand RTMP play names', () => {
  it('the forms players send name the playback id', () => {
    for (const name of [
      'abc_D-9',
      'mp4:abc_D-9',
      'flv:abc_D-9',
      'f4v:abc_D-9',
      'abc_D-9.mp4',
      'abc_D-9.flv',
      'MP4:abc_D-9.mp4',
    ])
      assert.equal(vodPlaybackIdOf(name), 'abc_D-9', name);
    for (const name of ['', 'mp4:', '.mp4', 'a/b', '../x', 'mp4:a b', 'x'.repeat(200), 'mp3:abc', 'abc.mov'])
      assert.equal(vodPlaybackIdOf(name), undefined, name);
  });

  it('property: any string names a safe id or nothing, and never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (name) => {
        const id = vodPlaybackIdOf(name);
        if (id !== undefined) assert.match(id, /^[A-Za-z0-9_-]{1,64}$/);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        fc.constantFrom('', 'mp4:', 'flv:'),
        fc.constantFrom('', '.mp4', '.flv'),
        (id, prefix, ext) => {
          // An id that itself ends in an extension-looking suffix loses it; that is the only ambiguity.
          if (/\.(mp4|flv|f4v)$/i.test(id)) return;
          assert.equal(vodPlaybackIdOf(`${prefix}${id}${ext}`), id);
        },
      ),
    );
  });
});
