import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isVideoKeyframe, KeyframeAlignment } from './keyframe-alignment';

test('aligned renditions (a few ms apart, in any arrival order) are never reported', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ skew: fc.integer({ min: -40, max: 40 }), first: fc.boolean() }), {
        minLength: 1,
        maxLength: 40,
      }),
      (gops) => {
        const a = new KeyframeAlignment('high');
        const reported = gops.flatMap(({ skew, first }, i) => {
          const t = i * 1000;
          const ref = () => a.keyframe('high', t);
          const low = () => a.keyframe('low', t + skew);
          return first ? [...ref(), ...low()] : [...low(), ...ref()];
        });
        assert.deepEqual(reported, []);
      },
    ),
  );
});

test('a rendition with another GOP is reported with its distance to the nearest reference keyframe', () => {
  const a = new KeyframeAlignment('high');
  const reported = [];
  for (let t = 0; t <= 6000; t += 40) {
    if (t % 1000 === 0) reported.push(...a.keyframe('high', t));
    if (t % 1200 === 0) reported.push(...a.keyframe('low', t));
  }
  assert.ok(reported.length >= 3, JSON.stringify(reported));
  for (const m of reported) {
    assert.equal(m.rendition, 'low');
    assert.equal(m.timestamp % 1200, 0);
    assert.ok(m.offsetMs >= 200 && m.offsetMs <= 500, JSON.stringify(m));
  }
});

test('bounded: any sequence of keyframes from many renditions keeps a few timestamps each', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('high', 'a', 'b', 'c'), fc.integer({ min: 0, max: 1e7 })), {
        maxLength: 300,
      }),
      (events) => {
        const a = new KeyframeAlignment('high');
        for (const [r, t] of events) for (const m of a.keyframe(r, t)) assert.ok(m.offsetMs > 50);
        const inner = a as unknown as { reference: number[]; pending: Map<string, number[]> };
        assert.ok(inner.reference.length <= 8);
        for (const list of inner.pending.values()) assert.ok(list.length <= 16);
      },
    ),
  );
});

test('keyframes are told from sequence headers and inter frames, legacy and Enhanced RTMP', () => {
  assert.equal(isVideoKeyframe(Buffer.from([0x17, 1, 0, 0, 0])), true);
  assert.equal(isVideoKeyframe(Buffer.from([0x17, 0, 0, 0, 0])), false);
  assert.equal(isVideoKeyframe(Buffer.from([0x27, 1, 0, 0, 0])), false);
  assert.equal(isVideoKeyframe(Buffer.from([0x91, 0x68, 0x76, 0x63, 0x31])), true);
  assert.equal(isVideoKeyframe(Buffer.from([0x90, 0x68, 0x76, 0x63, 0x31])), false);
  assert.equal(isVideoKeyframe(Buffer.alloc(0)), false);
});
