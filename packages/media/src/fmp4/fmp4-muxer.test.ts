import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MuxError, MuxErrorCode } from '../errors';
import { findAll, findBox, parseBoxes } from '../testing/boxes';
import { aacConfig, audioSample, avcc, h264Config, slice, videoSample } from '../testing/samples';
import type { AudioConfig } from '../types';
import { Fmp4Muxer } from './fmp4-muxer';

describe('Fmp4Muxer init segment', () => {
  it('lays out ftyp and moov with avc1/avcC, mp4a/esds and mvex/trex', () => {
    const video = h264Config();
    const muxer = new Fmp4Muxer({ video, audio: aacConfig() });
    const boxes = parseBoxes(muxer.initSegment);
    assert.deepEqual(
      boxes.map((b) => b.type),
      ['ftyp', 'moov'],
    );
    assert.equal(boxes[0]!.payload.toString('latin1', 0, 4), 'iso6');
    const traks = findAll(boxes, 'trak');
    assert.equal(traks.length, 2);
    const stsd = findBox(traks[0]!.children, 'mdia/minf/stbl/stsd')!;
    assert.equal(stsd.payload.toString('latin1', 12, 16), 'avc1');
    const avcC = stsd.payload.indexOf('avcC', 0, 'latin1');
    assert.deepEqual(stsd.payload.subarray(avcC + 4, avcC + 4 + video.record.length), video.record);
    assert.equal(stsd.payload.readUInt16BE(8 + 8 + 24), 320, 'width in the visual sample entry');
    const mdhd = findBox(traks[1]!.children, 'mdia/mdhd')!;
    assert.equal(mdhd.payload.readUInt32BE(12), 44_100, 'audio timescale = sample rate');
    const audioStsd = findBox(traks[1]!.children, 'mdia/minf/stbl/stsd')!;
    assert.equal(audioStsd.payload.toString('latin1', 12, 16), 'mp4a');
    const esds = audioStsd.payload.subarray(audioStsd.payload.indexOf('esds', 0, 'latin1'));
    assert.ok(esds.includes(Buffer.from([0x05, 0x02, 0x12, 0x10])), 'DecoderSpecificInfo carries the ASC');
    assert.ok(esds.includes(Buffer.from([0x04, 0x11, 0x40, 0x15])), 'MPEG-4 audio, audio stream');
    assert.equal(findAll(boxes, 'trex').length, 2);
  });

  it('writes hvc1/hvcC, av01/av1C and Opus/dOps sample entries', () => {
    const record = Buffer.from([1, 2, 3, 4]);
    for (const [codec, entry, box] of [
      ['hevc', 'hvc1', 'hvcC'],
      ['av1', 'av01', 'av1C'],
    ] as const) {
      const init = new Fmp4Muxer({ video: { ...h264Config(), codec, record } }).initSegment;
      const stsd = findBox(parseBoxes(init), 'moov/trak/mdia/minf/stbl/stsd')!;
      assert.equal(stsd.payload.toString('latin1', 12, 16), entry);
      assert.ok(stsd.payload.includes(Buffer.concat([Buffer.from(box, 'latin1'), record])));
    }
    // OpusHead: version 1, 2 channels, pre-skip 312, 48 kHz, gain 0, family 0 (RFC 7845 §5.1).
    const opusHead = Buffer.from('4f7075734865616401023801' + '80bb0000' + '000000', 'hex');
    const opus: AudioConfig = { codec: 'opus', sampleRate: 48_000, channels: 2, opusHead };
    const stsd = findBox(
      parseBoxes(new Fmp4Muxer({ audio: opus }).initSegment),
      'moov/trak/mdia/minf/stbl/stsd',
    )!;
    const dOps = stsd.payload.subarray(stsd.payload.indexOf('dOps', 0, 'latin1') + 4);
    assert.equal(dOps.toString('hex'), '00' + '02' + '0138' + '0000bb80' + '0000' + '00');
  });

  it('refuses an Opus track without OpusHead', () => {
    assert.throws(
      () => new Fmp4Muxer({ audio: { codec: 'opus', sampleRate: 48_000, channels: 2 } }),
      MuxError,
    );
  });
});

describe('Fmp4Muxer fragments', () => {
  it('writes moof/mfhd/traf/tfhd/tfdt/trun and an mdat whose offsets point at each sample', () => {
    const video = h264Config();
    const audio = aacConfig();
    const muxer = new Fmp4Muxer({ video, audio });
    const samples = [
      videoSample(video, 1000, true, 100, 1080),
      audioSample(audio, 1000, 30),
      videoSample(video, 1040, false, 60, 1040),
      audioSample(audio, 1023, 31),
    ];
    const fragment = muxer.fragment(samples, 1080);
    const boxes = parseBoxes(fragment);
    assert.deepEqual(
      boxes.map((b) => b.type),
      ['moof', 'mdat'],
    );
    const [videoTraf, audioTraf] = findAll(boxes, 'traf');
    const tfdt = findBox(videoTraf!.children, 'tfdt')!;
    assert.equal(tfdt.payload[0], 1, 'tfdt version 1');
    assert.equal(tfdt.payload.readUInt32BE(8), 90_000, 'baseMediaDecodeTime in 90 kHz');
    const trun = findBox(videoTraf!.children, 'trun')!.payload;
    assert.equal(trun.readUInt32BE(4), 2, 'sample_count');
    const dataOffset = trun.readUInt32BE(8);
    assert.deepEqual(
      [trun.readUInt32BE(12), trun.readUInt32BE(16), trun.readUInt32BE(20), trun.readUInt32BE(24)],
      [3600, samples[0]!.data.length, 0x02000000, 7200],
      'duration, size, sync flags, composition offset of the keyframe',
    );
    assert.equal(trun.readUInt32BE(36), 0x01010000, 'non-sync flags of the P frame');
    assert.equal(trun.readUInt32BE(28), 3600, 'last duration from nextVideoDts');
    assert.deepEqual(fragment.subarray(dataOffset, dataOffset + samples[0]!.data.length), samples[0]!.data);
    const audioTrun = findBox(audioTraf!.children, 'trun')!.payload;
    const audioOffset = audioTrun.readUInt32BE(8);
    assert.deepEqual(fragment.subarray(audioOffset, audioOffset + 30), samples[1]!.data);
    assert.equal(
      audioTrun.readUInt32BE(12),
      Math.round(1.023 * 44_100) - 44_100,
      'duration from the dts step',
    );
    assert.equal(audioTrun.readUInt32BE(20), 1024, 'last AAC frame lasts 1024 samples');
    assert.equal(findBox(audioTraf!.children, 'tfdt')!.payload.readUInt32BE(8), 44_100);
  });

  it('numbers fragments with an increasing mfhd sequence', () => {
    const video = h264Config();
    const muxer = new Fmp4Muxer({ video });
    const sequence = [0, 1, 2].map((i) => {
      const moof = findBox(parseBoxes(muxer.fragment([videoSample(video, i * 40, true)])), 'moof/mfhd')!;
      return moof.payload.readUInt32BE(4);
    });
    assert.deepEqual(sequence, [1, 2, 3]);
  });

  it('checks samples before they join a fragment', () => {
    const video = h264Config();
    const muxer = new Fmp4Muxer({ video });
    assert.doesNotThrow(
      () => muxer.check(videoSample(h264Config(), 0, true)),
      'an equal config object is the same track',
    );
    assert.throws(() => muxer.check({ ...videoSample(video, 0, true), data: Buffer.alloc(0) }), {
      code: MuxErrorCode.MalformedSample,
    });
    assert.throws(
      () => muxer.check({ ...videoSample(video, 0, true), data: avcc(slice(true, 9)).subarray(0, 6) }),
      MuxError,
    );
    assert.throws(() => muxer.check(videoSample(h264Config({ width: 640 }), 0, true)), {
      code: MuxErrorCode.TrackMismatch,
    });
    assert.throws(() => muxer.check(audioSample(aacConfig(), 0)), { code: MuxErrorCode.TrackMismatch });
  });
});
