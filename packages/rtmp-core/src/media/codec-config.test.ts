import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FlvTagType,
  isH264Keyframe,
  isHevcKeyframe,
  MediaError,
  type MediaErrorCode,
  parseAudioSpecificConfig,
  parseAv1CodecConfigurationRecord,
  parseAvcDecoderConfigurationRecord,
  parseFlv,
  parseH264Sps,
  parseHevcDecoderConfigurationRecord,
  parseOpusHead,
  parseVideoTagHeader,
  splitNalUnits,
} from './index';
import { BitWriter } from './testing/bit-writer';
import { hex, mp4Box, probed, readFixture } from './testing/fixtures';

function assertMediaError(fn: () => unknown, code: MediaErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MediaError, `expected MediaError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** The AVCDecoderConfigurationRecord from the first video tag of an ffmpeg FLV fixture. */
function avcRecord(name: string) {
  const tag = parseFlv(readFixture(name)).find((t) => t.type === FlvTagType.Video);
  assert.ok(tag);
  const h = parseVideoTagHeader(tag.payload);
  assert.equal(h.isSequenceHeader, true);
  return parseAvcDecoderConfigurationRecord(tag.payload.subarray(h.payloadOffset));
}

describe('H.264 configuration from x264 (checked against ffprobe)', () => {
  for (const name of ['h264-aac.flv', 'h264-high444.flv']) {
    it(`parses ${name}'s SPS to ffprobe's size and the encoder's frame rate`, () => {
      const record = avcRecord(name);
      assert.equal(record.lengthSize, 4);
      assert.equal(record.sps.length, 1);
      assert.equal(record.pps.length, 1);
      const sps = parseH264Sps(record.sps[0] ?? Buffer.alloc(0));
      const video = probed(name).find((s) => s.codec_name === 'h264');
      assert.equal(sps.width, video?.width);
      assert.equal(sps.height, video?.height);
      assert.equal(sps.profileIdc, record.profile);
      assert.equal(sps.levelIdc, record.level);
    });
  }

  it('reads cropping (200x100 coded as 208x112) and the VUI frame rate', () => {
    const sps = parseH264Sps(avcRecord('h264-aac.flv').sps[0] ?? Buffer.alloc(0));
    assert.deepStrictEqual({ w: sps.width, h: sps.height, fps: sps.frameRate }, { w: 200, h: 100, fps: 25 });
  });

  it('reads High 4:4:4 10-bit chroma format and bit depth', () => {
    const sps = parseH264Sps(avcRecord('h264-high444.flv').sps[0] ?? Buffer.alloc(0));
    assert.deepStrictEqual(
      { p: sps.profileIdc, c: sps.chromaFormatIdc, d: sps.bitDepthLuma },
      { p: 244, c: 3, d: 10 },
    );
  });

  it('finds the IDR in the first coded frame and none in the next', () => {
    const tags = parseFlv(readFixture('h264-aac.flv')).filter((t) => t.type === FlvTagType.Video);
    const frames = tags
      .map((t) => ({ t, h: parseVideoTagHeader(t.payload) }))
      .filter((x) => !x.h.isSequenceHeader);
    const [key, inter] = frames;
    assert.ok(key && inter);
    assert.equal(key.h.isKeyframe, true);
    assert.equal(isH264Keyframe(key.t.payload.subarray(key.h.payloadOffset), 4), true);
    assert.equal(inter.h.isKeyframe, false);
    assert.equal(isH264Keyframe(inter.t.payload.subarray(inter.h.payloadOffset), 4), false);
  });
});

/** A hand-built SPS (NAL header 0x67) for the branches x264 never writes. */
function highProfileSpsWithScalingLists(): Buffer {
  const w = new BitWriter().u(8, 100).u(8, 0).u(8, 40).ue(0);
  w.ue(1).ue(0).ue(0).u(1, 0); // chroma_format_idc 1, 8-bit, no transform bypass
  w.u(1, 1); // seq_scaling_matrix_present_flag
  w.u(1, 1).se(-8); // list 0: delta -8 makes nextScale 0 (use the default matrix)
  w.u(1, 1);
  for (let j = 0; j < 16; j++) w.se(1); // list 1: 16 explicit deltas
  for (let i = 2; i < 6; i++) w.u(1, 0);
  w.u(1, 1);
  for (let j = 0; j < 64; j++) w.se(0); // list 6: 64 entries of flat 8
  w.u(1, 0);
  w.ue(0).ue(2).ue(1).u(1, 0); // frame_num bits, POC type 2, 1 ref frame, no gaps
  w.ue(119).ue(67).u(1, 1).u(1, 1); // 120x68 macroblocks, progressive, direct_8x8
  w.u(1, 1).ue(0).ue(0).ue(0).ue(4); // crop 8 rows off the bottom: 1088 → 1080
  w.u(1, 1).u(1, 0).u(1, 0).u(1, 0).u(1, 0); // VUI with only timing info
  w.u(1, 1).u(32, 1001).u(32, 60000).u(1, 1);
  return Buffer.concat([hex('67'), w.bytes()]);
}

function interlacedMainSpsWithPocType1(): Buffer {
  const w = new BitWriter().u(8, 77).u(8, 0).u(8, 30).ue(0);
  w.ue(0).ue(1).u(1, 0).se(-2).se(1).ue(2).se(3).se(-3); // POC type 1 with a 2-frame cycle
  w.ue(4).u(1, 0).ue(44).ue(17).u(1, 0).u(1, 1).u(1, 1); // 720x(2*18*16), field coding, MBAFF
  w.u(1, 0).u(1, 0); // no cropping, no VUI
  return Buffer.concat([hex('67'), w.bytes()]);
}

describe('H.264 SPS branches (hand-built)', () => {
  it('skips scaling lists and reads 1920x1080 at 29.97 fps', () => {
    const sps = parseH264Sps(highProfileSpsWithScalingLists());
    assert.deepStrictEqual(
      { w: sps.width, h: sps.height, fps: sps.frameRate?.toFixed(2) },
      { w: 1920, h: 1080, fps: '29.97' },
    );
  });

  it('reads field-coded 720x576 with POC type 1', () => {
    const sps = parseH264Sps(interlacedMainSpsWithPocType1());
    assert.deepStrictEqual(
      { w: sps.width, h: sps.height, fps: sps.frameRate },
      { w: 720, h: 576, fps: undefined },
    );
  });

  it('removes emulation-prevention bytes before reading', () => {
    // pic_width_in_mbs_minus1 = 0 etc. produce 00 00 runs that an encoder escapes with 03.
    const w = new BitWriter().u(8, 66).u(8, 0).u(8, 10).ue(0).ue(0).ue(2).ue(0).u(1, 0);
    w.ue(0).ue(0).u(1, 1).u(1, 0).u(1, 0).u(1, 0);
    const rbsp = w.bytes();
    const escaped: number[] = [];
    let zeros = 0;
    for (const b of rbsp) {
      if (zeros === 2 && b <= 3) {
        escaped.push(3);
        zeros = 0;
      }
      escaped.push(b);
      zeros = b === 0 ? zeros + 1 : 0;
    }
    const sps = parseH264Sps(Buffer.concat([hex('67'), Buffer.from(escaped)]));
    assert.deepStrictEqual({ w: sps.width, h: sps.height }, { w: 16, h: 16 });
  });

  const bad: { name: string; bytes: Buffer; code: MediaErrorCode }[] = [
    { name: 'an empty SPS', bytes: hex('67'), code: 'truncated' },
    {
      name: 'an SPS cut in the middle',
      bytes: highProfileSpsWithScalingLists().subarray(0, 12),
      code: 'truncated',
    },
    {
      name: 'an Exp-Golomb code with 32 leading zeros',
      bytes: hex('67 42 00 1e 00 00 00 00 01'),
      code: 'invalid',
    },
    {
      name: 'cropping larger than the picture',
      bytes: Buffer.concat([
        hex('67'),
        new BitWriter()
          .u(8, 66)
          .u(8, 0)
          .u(8, 10)
          .ue(0)
          .ue(0)
          .ue(2)
          .ue(0)
          .u(1, 0)
          .ue(0)
          .ue(0)
          .u(1, 1)
          .u(1, 0)
          .u(1, 1)
          .ue(9)
          .ue(0)
          .ue(0)
          .ue(0)
          .u(1, 0)
          .bytes(),
      ]),
      code: 'invalid',
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name} with ${c.code}`, () => {
      assertMediaError(() => parseH264Sps(c.bytes), c.code);
    });
  }

  it('rejects a record with a wrong version or a parameter set past its end', () => {
    assertMediaError(() => parseAvcDecoderConfigurationRecord(hex('02 42 c0 1e ff e1 0000 00')), 'invalid');
    assertMediaError(
      () => parseAvcDecoderConfigurationRecord(hex('01 42 c0 1e ff e1 0010 6742')),
      'truncated',
    );
  });
});

describe('HEVC configuration from x265 (checked against ffprobe)', () => {
  const hvcc = mp4Box(readFixture('hevc.mp4'), 'hvcC');
  const record = parseHevcDecoderConfigurationRecord(hvcc);

  it('lists the VPS, SPS and PPS and the NAL length size', () => {
    assert.deepStrictEqual(
      [record.vps.length, record.sps.length, record.pps.length, record.lengthSize],
      [1, 1, 1, 4],
    );
    assert.equal(record.profileIdc, 1);
  });

  it("reads ffprobe's width and height from the SPS (conformance window applied)", () => {
    const video = probed('hevc.mp4')[0];
    assert.deepStrictEqual({ w: record.width, h: record.height }, { w: video?.width, h: video?.height });
  });

  it('rejects a truncated record', () => {
    assertMediaError(() => parseHevcDecoderConfigurationRecord(hvcc.subarray(0, 30)), 'truncated');
  });
});

describe('AV1 configuration from libaom (checked against ffprobe)', () => {
  const av1c = mp4Box(readFixture('av1.mp4'), 'av1C');

  it("reads the record and ffprobe's size from the sequence header OBU", () => {
    const record = parseAv1CodecConfigurationRecord(av1c);
    const video = probed('av1.mp4')[0];
    assert.deepStrictEqual(
      { profile: record.seqProfile, depth: record.bitDepth, w: record.width, h: record.height },
      { profile: 0, depth: 8, w: video?.width, h: video?.height },
    );
  });

  it('reads the frame rate of a sequence header with equal picture intervals', () => {
    // seq_profile 0, timing info 1/30 with equal_picture_interval (uvlc 0), one operating point, 1920x1080.
    const w = new BitWriter().u(3, 0).u(1, 0).u(1, 0).u(1, 1).u(32, 1).u(32, 30).u(1, 1).u(1, 1);
    w.u(1, 0).u(1, 0).u(5, 0).u(12, 0).u(5, 8).u(1, 0).u(4, 10).u(4, 10).u(11, 1919).u(11, 1079);
    const obu = w.bytes();
    const record = Buffer.concat([hex('81 08 0c 00 0a'), Buffer.from([obu.length]), obu]);
    const parsed = parseAv1CodecConfigurationRecord(record);
    assert.deepStrictEqual([parsed.width, parsed.height, parsed.frameRate], [1920, 1080, 30]);
  });

  it('rejects a wrong marker and an OBU longer than the record', () => {
    assertMediaError(() => parseAv1CodecConfigurationRecord(hex('01 00 0c 00')), 'invalid');
    assertMediaError(() => parseAv1CodecConfigurationRecord(hex('81 00 0c 00 0a 7f 00')), 'truncated');
    assertMediaError(
      () => parseAv1CodecConfigurationRecord(hex('81 00 0c 00 0a ffffffffffffffff01')),
      'invalid',
    );
  });
});

describe('NAL units', () => {
  it('splits AVCC payloads into views for each length size', () => {
    const units = [...splitNalUnits(hex('0002 6588 0000 0001 41'), 2)];
    assert.deepStrictEqual(
      units.map((u) => Buffer.from(u).toString('hex')),
      ['6588', '41'],
    );
    assert.deepStrictEqual([...splitNalUnits(hex('01 65 02 4101'), 1)].length, 2);
  });

  it('rejects a length running past the payload and a bad length size', () => {
    assertMediaError(() => [...splitNalUnits(hex('00000009 65'), 4)], 'truncated');
    assertMediaError(() => [...splitNalUnits(hex('00'), 5)], 'invalid');
  });

  it('recognises HEVC IRAP pictures', () => {
    assert.equal(isHevcKeyframe(hex('00000003 2601af'), 4), true); // IDR_W_RADL (19)
    assert.equal(isHevcKeyframe(hex('00000003 0201af'), 4), false); // TRAIL_R (1)
  });
});

describe('AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1)', () => {
  const cases: {
    name: string;
    bytes: string;
    expected: {
      objectType: number;
      sampleRate: number;
      channels: number;
      sbr: boolean;
      samplingFrequencyIndex: number;
      channelConfiguration: number;
    };
  }[] = [
    {
      name: 'AAC-LC 44.1 kHz stereo (ffmpeg)',
      bytes: '1210',
      expected: {
        objectType: 2,
        sampleRate: 44100,
        channels: 2,
        sbr: false,
        samplingFrequencyIndex: 4,
        channelConfiguration: 2,
      },
    },
    {
      name: 'AAC-LC 48 kHz mono',
      bytes: '1188',
      expected: {
        objectType: 2,
        sampleRate: 48000,
        channels: 1,
        sbr: false,
        samplingFrequencyIndex: 3,
        channelConfiguration: 1,
      },
    },
    {
      name: 'an explicit 24-bit frequency (index 15)',
      bytes: '1780 0fa0 10',
      expected: {
        objectType: 2,
        sampleRate: 8000,
        channels: 2,
        sbr: false,
        samplingFrequencyIndex: 15,
        channelConfiguration: 2,
      },
    },
    {
      name: 'explicit HE-AAC (SBR) 24 kHz core, 48 kHz output',
      bytes: '2b 09 88 00',
      expected: {
        objectType: 2,
        sampleRate: 48000,
        channels: 1,
        sbr: true,
        samplingFrequencyIndex: 6,
        channelConfiguration: 1,
      },
    },
    {
      name: 'AAC-LC 7.1 (channelConfiguration 7)',
      bytes: '11b8',
      expected: {
        objectType: 2,
        sampleRate: 48000,
        channels: 8,
        sbr: false,
        samplingFrequencyIndex: 3,
        channelConfiguration: 7,
      },
    },
  ];
  for (const c of cases) {
    it(`parses ${c.name}`, () => {
      assert.deepStrictEqual(parseAudioSpecificConfig(hex(c.bytes)), c.expected);
    });
  }

  it('matches ffprobe for the AAC in both fixtures', () => {
    for (const name of ['h264-aac.flv', 'h264-high444.flv']) {
      const tag = parseFlv(readFixture(name)).find((t) => t.type === FlvTagType.Audio);
      assert.ok(tag);
      const asc = parseAudioSpecificConfig(tag.payload.subarray(2));
      const audio = probed(name).find((s) => s.codec_name === 'aac');
      assert.deepStrictEqual([String(asc.sampleRate), asc.channels], [audio?.sample_rate, audio?.channels]);
    }
  });

  it('rejects reserved frequency indexes and truncated configs', () => {
    assertMediaError(() => parseAudioSpecificConfig(hex('16 90')), 'invalid'); // index 13
    assertMediaError(() => parseAudioSpecificConfig(hex('17')), 'truncated');
  });

  it('parses an OpusHead and rejects a wrong magic', () => {
    const head = Buffer.concat([Buffer.from('OpusHead'), hex('01 02 3801 80bb0000 0000 00')]);
    assert.deepStrictEqual(parseOpusHead(head), { channels: 2, preSkip: 312, inputSampleRate: 48000 });
    assertMediaError(
      () => parseOpusHead(Buffer.concat([Buffer.from('OpusTags'), hex('01 02 3801 80bb0000 0000 00')])),
      'invalid',
    );
  });
});
