import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFlv } from '@tributary/rtmp-core';
import fc from 'fast-check';
import { FlvTimeline, HttpFlvWriter } from './http-flv-writer';

describe('FlvTimeline', () => {
  it('keeps publisher timestamps while they advance', () => {
    const timeline = new FlvTimeline();
    assert.deepEqual(
      [timeline.map('video', 5000), timeline.map('audio', 4990), timeline.map('video', 5040)],
      [5000, 4990, 5040],
    );
  });

  it('continues after a restart instead of going back', () => {
    const timeline = new FlvTimeline();
    timeline.map('video', 60_000);
    assert.equal(timeline.map('video', 0), 60_000);
    assert.equal(timeline.map('video', 40), 60_040);
    assert.equal(timeline.map('audio', 20), 60_020);
  });

  it('never goes back within a tag kind, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('audio' as const, 'video' as const), fc.nat(2 ** 32 - 1))),
        (tags) => {
          const timeline = new FlvTimeline();
          const last = new Map<string, number>();
          for (const [kind, ts] of tags) {
            const out = timeline.map(kind, ts);
            assert.ok(out >= (last.get(kind) ?? 0));
            last.set(kind, out);
          }
        },
      ),
      { seed: 5 },
    );
  });
});

describe('HttpFlvWriter', () => {
  it('writes a header and tags an FLV reader reads back, sharing the payload', () => {
    const writer = new HttpFlvWriter({ audio: true, video: false });
    const payload = Buffer.from([0xaf, 0x01, 0x21]);
    const [header, body, trailer] = writer.tag('audio', 1234, payload);
    assert.equal(body, payload, 'the same Buffer, not a copy');
    const tags = parseFlv(Buffer.concat([writer.header(), header!, body!, trailer!]));
    assert.deepEqual(
      tags.map((t) => [t.type, t.timestampMs, t.payload.toString('hex')]),
      [[8, 1234, 'af0121']],
    );
  });
});
