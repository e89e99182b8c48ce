import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32Mpeg2 } from './crc32';

describe('crc32Mpeg2', () => {
  it('matches the CRC-32/MPEG-2 check value for "123456789"', () => {
    assert.equal(crc32Mpeg2(Buffer.from('123456789', 'latin1')), 0x0376e6e7);
  });

  it('gives 0 over a section followed by its own CRC (ISO/IEC 13818-1 Annex A)', () => {
    const section = Buffer.from('00b00d0001c100000001f0002ab104b2', 'hex');
    assert.equal(crc32Mpeg2(section), 0);
  });
});
