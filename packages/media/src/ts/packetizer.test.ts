import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPackets } from '../testing/ts-reader';
import { ContinuityCounters, packetizePes } from './packetizer';

function payloadOf(packets: ReturnType<typeof readPackets>): Buffer {
  return Buffer.concat(packets.map((p) => p.payload));
}

describe('packetizePes', () => {
  it('fills 183 bytes with a one-byte empty adaptation field', () => {
    const data = Buffer.alloc(183, 7);
    const out = packetizePes(
      [data],
      { pid: 0x101, pcr: undefined, randomAccess: false },
      new ContinuityCounters(),
    );
    assert.equal(out.length, 188);
    assert.equal(out[3]! >> 4, 0b11, 'adaptation field + payload');
    assert.equal(out[4], 0, 'adaptation_field_length 0');
    assert.deepEqual(out.subarray(5), data);
  });

  it('writes a PCR and random_access_indicator in the first packet only, and stuffs the last', () => {
    const data = Buffer.alloc(500, 1);
    const out = packetizePes(
      [data.subarray(0, 10), data.subarray(10)],
      { pid: 0x100, pcr: 63_000, randomAccess: true },
      new ContinuityCounters(),
    );
    const packets = readPackets(out);
    assert.equal(packets.length, 3); // 176 + 184 + 140
    assert.equal(packets[0]!.pcr, 63_000);
    assert.equal(packets[0]!.randomAccess, true);
    assert.equal(packets[0]!.payloadUnitStart, true);
    assert.equal(packets[1]!.pcr, undefined);
    assert.equal(packets[1]!.payloadUnitStart, false);
    assert.deepEqual(payloadOf(packets), data);
    assert.deepEqual(
      packets.map((p) => p.continuityCounter),
      [0, 1, 2],
    );
  });

  it('continues continuity counters per PID and wraps them at 16', () => {
    const counters = new ContinuityCounters();
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      const out = packetizePes(
        [Buffer.alloc(10)],
        { pid: 0x100, pcr: undefined, randomAccess: false },
        counters,
      );
      seen.push(out[3]! & 0xf);
      packetizePes([Buffer.alloc(10)], { pid: 0x101, pcr: undefined, randomAccess: false }, counters);
    }
    assert.deepEqual(
      seen,
      [...Array(20).keys()].map((i) => i % 16),
    );
  });
});
