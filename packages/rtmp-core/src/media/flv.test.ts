import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeFlvHeader,
  encodeFlvTag,
  FlvReader,
  type FlvTag,
  FlvTagType,
  MediaError,
  type MediaErrorCode,
  parseFlv,
} from './index';
import { hex, readFixture } from './testing/fixtures';

function assertMediaError(fn: () => unknown, code: MediaErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MediaError, `expected MediaError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** Re-serialises parsed tags the way an HTTP-FLV muxer would. */
function writeFlv(tracks: { audio: boolean; video: boolean }, tags: FlvTag[]): Buffer {
  return Buffer.concat([
    encodeFlvHeader(tracks),
    ...tags.flatMap((t) => encodeFlvTag(t.type, t.timestampMs, t.payload)),
  ]);
}

describe('FLV golden bytes', () => {
  const cases = [
    {
      name: 'audio+video header with PreviousTagSize0',
      tracks: { audio: true, video: true },
      bytes: '464c5601 05 00000009 00000000',
    },
    {
      name: 'video-only header',
      tracks: { audio: false, video: true },
      bytes: '464c5601 01 00000009 00000000',
    },
    {
      name: 'audio-only header',
      tracks: { audio: true, video: false },
      bytes: '464c5601 04 00000009 00000000',
    },
  ];
  for (const c of cases) {
    it(`writes the ${c.name}`, () => {
      assert.equal(encodeFlvHeader(c.tracks).toString('hex'), hex(c.bytes).toString('hex'));
    });
    it(`reads the ${c.name}`, () => {
      const reader = new FlvReader();
      assert.deepStrictEqual(reader.push(hex(c.bytes)), []);
      assert.deepStrictEqual(reader.declaredTracks, c.tracks);
      assert.equal(reader.bufferedBytes, 0);
    });
  }

  // E.4.1: type, DataSize u24, Timestamp u24, TimestampExtended u8, StreamID u24; then PreviousTagSize.
  const tag = { type: FlvTagType.Video, timestampMs: 0x12345678, payload: hex('1701000000abcd') };
  const tagBytes = '09 000007 345678 12 000000 1701000000abcd 00000012';

  it('writes a tag as [header, payload, trailer] with the payload untouched', () => {
    const parts = encodeFlvTag(tag.type, tag.timestampMs, tag.payload);
    assert.equal(parts.length, 3);
    assert.equal(parts[1], tag.payload);
    assert.equal(Buffer.concat(parts).toString('hex'), hex(tagBytes).toString('hex'));
  });

  it('reads the same tag back, timestamp extension included', () => {
    const tags = parseFlv(Buffer.concat([encodeFlvHeader({ audio: false, video: true }), hex(tagBytes)]));
    assert.deepStrictEqual(tags, [tag]);
  });

  it('wraps timestamps modulo 2^32', () => {
    const [header] = encodeFlvTag(FlvTagType.Audio, 2 ** 32 + 5, Buffer.alloc(0));
    assert.equal(header.subarray(4, 8).toString('hex'), '00000500');
  });

  it('refuses a payload over the 24-bit DataSize', () => {
    assertMediaError(() => encodeFlvTag(FlvTagType.Video, 0, Buffer.alloc(0x1000000)), 'too_large');
  });
});

describe('FLV reader on ffmpeg output', () => {
  const file = readFixture('h264-aac.flv');
  const tags = parseFlv(file);

  it('finds the onMetaData, sequence headers and frames ffmpeg wrote', () => {
    assert.equal(tags[0]?.type, FlvTagType.ScriptData);
    assert.ok(tags.some((t) => t.type === FlvTagType.Video));
    assert.ok(tags.some((t) => t.type === FlvTagType.Audio));
    const timestamps = tags.filter((t) => t.type === FlvTagType.Video).map((t) => t.timestampMs);
    assert.deepStrictEqual(
      timestamps,
      [...timestamps].sort((a, b) => a - b),
    );
  });

  it('re-serialises to the identical file', () => {
    assert.ok(writeFlv({ audio: true, video: true }, tags).equals(file));
  });

  it('returns payload views into the input, not copies, when a tag arrives whole', () => {
    const first = tags[0];
    assert.ok(first);
    assert.equal(first.payload.buffer, file.buffer);
  });

  it('yields the same tags fed one byte at a time', () => {
    const reader = new FlvReader();
    const got: FlvTag[] = [];
    for (let i = 0; i < file.length; i++) got.push(...reader.push(file.subarray(i, i + 1)));
    assert.deepStrictEqual(got, tags);
    assert.equal(reader.bufferedBytes, 0);
  });

  it('yields the same tags for every split point into two pushes', () => {
    const small = readFixture('sorenson.flv');
    const expected = parseFlv(small);
    for (let at = 0; at <= small.length; at++) {
      const reader = new FlvReader();
      const got = [...reader.push(small.subarray(0, at)), ...reader.push(small.subarray(at))];
      assert.deepStrictEqual(got, expected, `split at ${at}`);
    }
  });
});

describe('FLV reader hostile input', () => {
  const header = encodeFlvHeader({ audio: true, video: true });
  const cases: { name: string; bytes: Buffer; code: MediaErrorCode }[] = [
    { name: 'a wrong signature', bytes: hex('464c4101 05 00000009 00000000'), code: 'invalid' },
    { name: 'a DataOffset below 9', bytes: hex('464c5601 05 00000008 00000000'), code: 'invalid' },
    { name: 'a DataOffset of 4 GiB', bytes: hex('464c5601 05 ffffffff 00000000'), code: 'invalid' },
    {
      name: 'a reserved tag type',
      bytes: Buffer.concat([header, hex('07 000000 000000 00 000000')]),
      code: 'invalid',
    },
    {
      name: 'an encrypted tag',
      bytes: Buffer.concat([header, hex('29 000000 000000 00 000000')]),
      code: 'unsupported',
    },
    {
      name: 'a tag declaring 16 MiB',
      bytes: Buffer.concat([header, hex('09 ffffff 000000 00 000000')]),
      code: 'too_large',
    },
    {
      name: 'a file ending inside a tag',
      bytes: Buffer.concat([header, hex('09 000010 000000 00 000000 17')]),
      code: 'truncated',
    },
  ];
  for (const c of cases) {
    it(`rejects ${c.name} with ${c.code}`, () => {
      assertMediaError(() => parseFlv(c.bytes), c.code);
    });
  }

  it('rejects a tag over a lowered maxTagSize before buffering its body', () => {
    const reader = new FlvReader({ maxTagSize: 4 });
    reader.push(header);
    assertMediaError(() => reader.push(hex('09 000005 000000 00 000000')), 'too_large');
  });
});
