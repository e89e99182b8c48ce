import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RenditionLadderSchema } from '@tributary/contracts';
import fc from 'fast-check';
import { ffmpegLadderCommand, formatLadder, parseLadder, renditionOutputs } from './ladder';

const LADDER = [
  { name: 'high', width: 1280, height: 720, videoBitrateKbps: 2500, audioBitrateKbps: 128 },
  { name: 'low', width: 426, height: 240, videoBitrateKbps: 400, audioBitrateKbps: 64 },
];

const rendition = fc
  .record({
    name: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,15}$/),
    width: fc.integer({ min: 16, max: 7680 }),
    height: fc.integer({ min: 16, max: 4320 }),
    videoBitrateKbps: fc.integer({ min: 16, max: 100_000 }),
    audioBitrateKbps: fc.integer({ min: 0, max: 1024 }),
  })
  .map((r) => ({ ...r }));

describe('ladder text', () => {
  it('reads back what it writes', () => {
    fc.assert(
      fc.property(fc.array(rendition, { maxLength: 6 }), (ladder) => {
        assert.deepEqual(parseLadder(formatLadder(ladder)), { ok: true, ladder });
      }),
    );
  });

  it('names the line that is not a rendition, and never throws', () => {
    assert.deepEqual(parseLadder('high 1280x720 2500 128\nlow 426x240'), {
      ok: false,
      error: 'Line 2: expected "name WIDTHxHEIGHT videoKbps audioKbps".',
    });
    assert.equal(parseLadder(Array(7).fill('a 16x16 16 0').join('\n')).ok, false);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const parsed = parseLadder(text);
        if (parsed.ok) assert.ok(parsed.ladder.length <= 6);
      }),
    );
  });

  it('leaves value rules to the contract (the api checks them too)', () => {
    const parsed = parseLadder('high 1280x720 2500 128\nhigh 640x360 800 64');
    assert.ok(parsed.ok);
    assert.equal(RenditionLadderSchema.safeParse(parsed.ladder).success, false);
  });
});

describe('encoder ladder lines', () => {
  it('one output per rendition, to <stream key>_<rendition>, with aligned keyframes', () => {
    assert.deepEqual(renditionOutputs('sk_abc', LADDER), [
      { name: 'high', streamName: 'sk_abc_high' },
      { name: 'low', streamName: 'sk_abc_low' },
    ]);
    const cmd = ffmpegLadderCommand('rtmp://edge:1935/live', 'sk_abc', LADDER);
    assert.match(cmd, /'\[0:v\]split=2\[v0\]\[v1\];\[v0\]scale=1280:720\[o0\];\[v1\]scale=426:240\[o1\]'/);
    assert.match(cmd, /rtmp:\/\/edge:1935\/live\/sk_abc_high/);
    assert.match(cmd, /rtmp:\/\/edge:1935\/live\/sk_abc_low/);
    assert.equal(cmd.match(/-g 60 -keyint_min 60 -sc_threshold 0/g)?.length, 2);
  });
});
