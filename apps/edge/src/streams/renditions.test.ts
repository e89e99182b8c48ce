import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PublishGrant } from '../control-plane/publish-authorizer';
import {
  audioCodecIdOf,
  isLeadPublication,
  lowerRendition,
  streamNameOf,
  tokenSubjectsFor,
  videoCodecIdOf,
} from './renditions';

const LADDER = [
  { name: 'high', width: 1280, height: 720, videoBitrateKbps: 2500, audioBitrateKbps: 128 },
  { name: 'low', width: 426, height: 240, videoBitrateKbps: 400, audioBitrateKbps: 64 },
];

function grant(extra: Partial<PublishGrant> = {}): PublishGrant {
  return {
    allowed: true,
    tenantId: 't1',
    liveStreamId: 'ls1',
    playbackId: 'pb_with_underscore',
    playbackPolicy: 'public',
    record: false,
    eventTitle: null,
    maxViewers: null,
    cacheTtlSeconds: 30,
    renditionSource: 'encoder',
    renditions: LADDER,
    ...extra,
  };
}

test('a rendition lives under <playbackId>_<rendition>; the plain publication under its playback id', () => {
  assert.equal(streamNameOf(grant()), 'pb_with_underscore');
  assert.equal(streamNameOf(grant({ rendition: 'low' })), 'pb_with_underscore_low');
});

test('the ladder lead (or a plain publication) reports the session; other renditions do not', () => {
  assert.equal(isLeadPublication(grant()), true);
  assert.equal(isLeadPublication(grant({ rendition: 'high' })), true);
  assert.equal(isLeadPublication(grant({ rendition: 'low' })), false);
});

test("a token may name the stream of a rendition; once live, only the publisher's stream counts", () => {
  assert.deepEqual(tokenSubjectsFor('abc_low', undefined), ['abc_low', 'abc']);
  assert.deepEqual(tokenSubjectsFor('abc', undefined), ['abc']);
  assert.deepEqual(tokenSubjectsFor('abc_LOW', undefined), ['abc_LOW']);
  assert.deepEqual(tokenSubjectsFor('pb_with_underscore_low', grant({ rendition: 'low' })), [
    'pb_with_underscore',
  ]);
});

test('codec ids from real sequence headers', () => {
  // FLV AVC sequence header: 0x17, AVCPacketType 0, composition time 0, then avcC (version 1, High@3.1).
  const avc = Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0x00, 0x1f, 0xff, 0xe1]);
  assert.equal(videoCodecIdOf(avc), 'avc1.64001f');
  // AAC sequence header: SoundFormat 10, AACPacketType 0, AudioSpecificConfig of AAC-LC 44.1 kHz stereo.
  assert.equal(audioCodecIdOf(Buffer.from([0xaf, 0, 0x12, 0x10])), 'mp4a.40.2');
  // Coded frames and other codecs carry no config.
  assert.equal(videoCodecIdOf(Buffer.from([0x17, 1, 0, 0, 0, 1, 0x64, 0, 0x1f])), undefined);
  assert.equal(audioCodecIdOf(Buffer.from([0xaf, 1, 0x12, 0x10])), undefined);
  assert.equal(audioCodecIdOf(Buffer.from([0x2f, 0, 0x12])), undefined);
});

test('codec id parsers: any bytes give a well-formed id or nothing, never a throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const b = Buffer.from(bytes);
      const v = videoCodecIdOf(b);
      if (v !== undefined) assert.match(v, /^avc1\.[0-9a-f]{6}$/);
      const a = audioCodecIdOf(b);
      if (a !== undefined) assert.match(a, /^mp4a\.40\.\d{1,2}$/);
    }),
  );
});

test('an automatic down-switch goes to the best live rendition below the current one, none at the bottom', () => {
  const ladder = [
    { name: 'high', width: 1280, height: 720, videoBitrateKbps: 2500, audioBitrateKbps: 128 },
    { name: 'mid', width: 854, height: 480, videoBitrateKbps: 1200, audioBitrateKbps: 96 },
    { name: 'low', width: 426, height: 240, videoBitrateKbps: 400, audioBitrateKbps: 64 },
  ];
  const all = new Set(['high', 'mid', 'low']);
  assert.equal(lowerRendition(ladder, 'high', all), 'mid');
  assert.equal(lowerRendition(ladder, 'mid', all), 'low');
  assert.equal(lowerRendition(ladder, 'low', all), undefined);
  assert.equal(lowerRendition(ladder, 'high', new Set(['high', 'low'])), 'low', 'mid not live here');
  assert.equal(lowerRendition(ladder, 'gone', all), undefined);
  fc.assert(
    fc.property(fc.shuffledSubarray(ladder), fc.constantFrom('high', 'mid', 'low'), (live, current) => {
      const to = lowerRendition(ladder, current, new Set(live.map((r) => r.name)));
      if (to === undefined) return;
      const rate = (n: string) => ladder.find((r) => r.name === n)!.videoBitrateKbps;
      assert.ok(rate(to) < rate(current));
    }),
  );
});
