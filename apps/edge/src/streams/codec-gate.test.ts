import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeExAudioTag, encodeExVideoTag, fourCcSupportOf } from '@tributary/rtmp-core';
import fc from 'fast-check';
import { CodecGate } from './codec-gate';

const hevcStart = encodeExVideoTag({ fourCc: 'hvc1', packetType: 'sequence-start', body: Buffer.from([1]) });
const hevcFrame = encodeExVideoTag({ fourCc: 'hvc1', packetType: 'coded-frames', body: Buffer.from([1]) });
const av1Start = encodeExVideoTag({
  fourCc: 'av01',
  packetType: 'sequence-start',
  body: Buffer.from([0x81]),
});
const opusStart = encodeExAudioTag({
  fourCc: 'Opus',
  packetType: 'sequence-start',
  body: Buffer.from('OpusHead'),
});
const avcStart = Buffer.from([0x17, 0x00, 0, 0, 0, 1]);

describe('CodecGate (which Enhanced RTMP codecs a stream sends, who may play it)', () => {
  it('follows sequence starts: legacy → HEVC → AV1 → legacy H.264, and Opus beside', () => {
    const gate = new CodecGate();
    assert.equal(gate.observe(9, avcStart), false);
    assert.equal(gate.video, undefined);
    assert.equal(gate.observe(9, hevcStart), true);
    assert.equal(gate.observe(9, hevcFrame), false);
    assert.equal(gate.video, 'hvc1');
    assert.equal(gate.observe(9, av1Start), true);
    assert.equal(gate.video, 'av01');
    assert.equal(gate.observe(8, opusStart), true);
    assert.equal(gate.audio, 'Opus');
    assert.equal(gate.observe(9, avcStart), false);
    assert.equal(gate.video, undefined);
    assert.equal(gate.observe(18, hevcStart), false);
    // A codec change behind a ModEx (TimestampOffsetNano) wrapper is seen too.
    const modExAv1Start = Buffer.concat([Buffer.from([0x97, 0x02, 0, 0, 1, 0x00]), av1Start.subarray(1)]);
    gate.observe(9, hevcStart);
    assert.equal(gate.observe(9, modExAv1Start), true);
    assert.equal(gate.video, 'av01');
  });

  it('refuses a player that did not announce the FourCC, naming it; admits one that did', () => {
    const gate = new CodecGate();
    gate.observe(9, hevcStart);
    assert.match(gate.refusal(undefined) ?? '', /HEVC .*hvc1.*did not announce hvc1 in fourCcList/);
    assert.match(gate.refusal(fourCcSupportOf({ fourCcList: ['av01'] })) ?? '', /hvc1/);
    assert.equal(gate.refusal(fourCcSupportOf({ fourCcList: ['hvc1'] })), undefined);
    assert.equal(gate.refusal(fourCcSupportOf({ videoFourCcInfoMap: { '*': 1 } })), undefined);
    gate.observe(8, opusStart);
    assert.match(gate.refusal(fourCcSupportOf({ fourCcList: ['hvc1'] })) ?? '', /Opus .*audioFourCcInfoMap/);
    assert.equal(gate.refusal(fourCcSupportOf({ fourCcList: ['hvc1', 'Opus'] })), undefined);
    assert.equal(new CodecGate().refusal(undefined), undefined);
  });

  it('never throws on hostile tags and only ever holds a FourCC or "*"', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(8, 9, 18), fc.uint8Array({ maxLength: 10 }))), (tags) => {
        const gate = new CodecGate();
        for (const [t, b] of tags) gate.observe(t, Buffer.from(b));
        for (const f of [gate.video, gate.audio]) assert.ok(f === undefined || f.length === 4 || f === '*');
        gate.refusal(undefined);
      }),
      { seed: 0xc0de, numRuns: 500 },
    );
  });
});
