import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patPacket, pmtPacket, StreamType } from './psi';

// Golden sections from `ffmpeg -f mpegts` (ffmpeg 5.1, default PIDs), the first bytes of packets 2 and 3.
const FFMPEG_PAT = '474000100000b00d0001c100000001f0002ab104b2';
const FFMPEG_PMT_H264_AAC = '475000100002b0170001c10000e100f0001be100f0000fe101f0002f44b99b';

describe('PSI packets', () => {
  it('writes the PAT ffmpeg writes, CRC included', () => {
    const packet = patPacket(0x1000, 0);
    assert.equal(packet.length, 188);
    assert.equal(packet.subarray(0, FFMPEG_PAT.length / 2).toString('hex'), FFMPEG_PAT);
    assert.ok(packet.subarray(FFMPEG_PAT.length / 2).every((byte) => byte === 0xff));
  });

  it('writes the PMT ffmpeg writes for H.264 + AAC', () => {
    const streams = [
      { streamType: StreamType.H264, pid: 0x100 },
      { streamType: StreamType.AdtsAac, pid: 0x101 },
    ];
    const packet = pmtPacket(0x1000, 0x100, streams, 0, 0);
    assert.equal(packet.subarray(0, FFMPEG_PMT_H264_AAC.length / 2).toString('hex'), FFMPEG_PMT_H264_AAC);
  });

  it('puts the continuity counter and version where the spec says', () => {
    const packet = pmtPacket(0x1000, 0x101, [{ streamType: StreamType.Mpeg1Audio, pid: 0x101 }], 3, 9);
    assert.equal(packet[3]! & 0x0f, 9);
    assert.equal((packet[10]! >> 1) & 0x1f, 3); // version_number
    assert.equal(packet[13]! & 0x1f, 0x01); // PCR_PID high bits 0x101 >> 8
    assert.equal(packet[17], StreamType.Mpeg1Audio);
  });
});
