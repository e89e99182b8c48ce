import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MuxError } from '../errors';
import { aacConfig } from '../testing/samples';
import { ADTS_HEADER_SIZE, adtsHeader, adtsHeaderTemplate, MAX_ADTS_FRAME_LENGTH } from './adts';

describe('ADTS header', () => {
  it('matches ffmpeg for AAC-LC 44.1 kHz stereo', () => {
    // Golden: the first header of `ffmpeg -f lavfi -i sine -ac 2 -c:a aac -f adts`, a 345-byte frame.
    const header = adtsHeader(adtsHeaderTemplate(aacConfig()), 338);
    assert.equal(header.toString('hex'), 'fff150802b3ffc');
    assert.equal(header.length, ADTS_HEADER_SIZE);
    const frameLength = ((header[3]! & 0x3) << 11) | (header[4]! << 3) | (header[5]! >> 5);
    assert.equal(frameLength, 345);
  });

  it('writes HE-AAC as its LC core with the given frequency index', () => {
    // HE-AAC with explicit SBR signalling: SBR (5), 22.05 kHz core (7), stereo, 44.1 kHz extension, LC.
    const config = aacConfig({ audioSpecificConfig: Buffer.from([0x2b, 0x92, 0x08, 0x00]) });
    const header = adtsHeader(adtsHeaderTemplate(config), 10);
    assert.equal(header[2]! >> 6, 1, 'profile = LC (object type 2 - 1)');
    assert.equal((header[2]! >> 2) & 0xf, 7);
  });

  it('refuses a frame longer than 13 bits can say', () => {
    const template = adtsHeaderTemplate(aacConfig());
    assert.throws(() => adtsHeader(template, MAX_ADTS_FRAME_LENGTH), MuxError);
    assert.doesNotThrow(() => adtsHeader(template, MAX_ADTS_FRAME_LENGTH - ADTS_HEADER_SIZE));
  });
});
