import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MediaMessage } from '../message/media-message';
import { StatusCode } from '../message/on-status';
import { hex } from '../testing/bytes';
import { RecordingSink } from '../testing/recording-sink';
import { Broadcast } from './broadcast';

// FLV tag bodies (E.4.2/E.4.3): AVC sequence header, AVC keyframe, AVC inter frame, AAC config, AAC frame.
const video = (timestamp: number, body: string): MediaMessage => ({
  typeId: 9,
  timestamp,
  payload: hex(body),
});
const audio = (timestamp: number, body: string): MediaMessage => ({
  typeId: 8,
  timestamp,
  payload: hex(body),
});
const AVC_CONFIG = video(0, '17 00 000000 0164001fffe1000467640028');
const key = (ts: number): MediaMessage => video(ts, `17 01 000000 ${'65'.repeat(300)}`);
const inter = (ts: number): MediaMessage => video(ts, `27 01 000000 ${'41'.repeat(50)}`);
const AAC_CONFIG = audio(0, 'af 00 1210');
const aac = (ts: number): MediaMessage => audio(ts, 'af 01 2100');

const summary = (sink: RecordingSink): string[] =>
  sink.messages.map((m) => `${m.typeId}@${m.timestamp}:${m.payload.subarray(0, 2).toString('hex')}`);

function livePublisher(b: Broadcast): void {
  b.start();
  b.setMetadata({ width: 640 });
  b.pushMedia(AVC_CONFIG);
  b.pushMedia(AAC_CONFIG);
  b.pushMedia(key(0));
  b.pushMedia(aac(10));
  b.pushMedia(inter(33));
  b.pushMedia(key(1000));
  b.pushMedia(inter(1033));
}

describe('Broadcast', () => {
  it('starts a late joiner with metadata, sequence headers and the current GOP from its keyframe', () => {
    const b = new Broadcast({ name: 's', mergeWriteMs: 0 });
    livePublisher(b);
    const late = new RecordingSink();
    b.subscribe(late);
    assert.deepEqual(summary(late), ['18@0:0200', '9@0:1700', '8@0:af00', '9@1000:1701', '9@1033:2701']);
    b.pushMedia(aac(1040));
    assert.equal(summary(late).at(-1), '8@1040:af01');
  });

  it('serialises a message once per chunk size and writes the same Buffers to every subscriber', () => {
    const b = new Broadcast({ mergeWriteMs: 0 });
    const sinks = [new RecordingSink(1, 128), new RecordingSink(1, 128), new RecordingSink(1, 4096)];
    for (const s of sinks) b.subscribe(s);
    b.start();
    const frame = key(0);
    b.pushMedia(frame);
    const [a, c, big] = sinks.map((s) => s.writes.at(-1) ?? []);
    assert.equal(a?.length, c?.length);
    for (const [i, buf] of (a ?? []).entries()) assert.equal(buf, c?.[i], `buffer ${i} is the same object`);
    assert.equal(a?.length, 6, '305 bytes at chunk size 128 are 3 chunks');
    assert.equal(big?.length, 2, 'at chunk size 4096: one header and the payload');
    assert.equal(big?.[1]?.buffer, frame.payload.buffer, 'the payload is a view, never a copy');
    for (const s of sinks) assert.ok(s.messages.at(-1)?.payload.equals(frame.payload));
  });

  it('keeps subscribers that arrive before the publisher waiting, then notifies start and stop', () => {
    const b = new Broadcast({ name: 's', mergeWriteMs: 0 });
    const early = new RecordingSink();
    b.subscribe(early);
    assert.deepEqual(early.messages, []);
    b.start();
    assert.deepEqual(early.statuses, [StatusCode.PlayPublishNotify]);
    assert.deepEqual(early.events, [{ type: 'StreamBegin', streamId: 1 }]);
    b.pushMedia(AVC_CONFIG);
    b.pushMedia(key(0));
    b.stop();
    assert.deepEqual(early.statuses, [StatusCode.PlayPublishNotify, StatusCode.PlayUnpublishNotify]);
    assert.deepEqual(early.events.at(-1), { type: 'StreamEOF', streamId: 1 });
    const afterStop = new RecordingSink();
    b.subscribe(afterStop);
    assert.deepEqual(afterStop.messages, [], 'caches are cleared with the publisher');
  });

  it('drops a slow subscriber to the next keyframe, counts the drops, and resumes there', () => {
    const b = new Broadcast({ maxQueueBytes: 1000, mergeWriteMs: 0 });
    const slow = new RecordingSink();
    const fast = new RecordingSink();
    b.subscribe(slow);
    b.subscribe(fast);
    b.start();
    b.pushMedia(key(0));
    slow.backlog = 5000;
    b.pushMedia(inter(33));
    slow.backlog = 0;
    b.pushMedia(inter(66));
    b.pushMedia(aac(70));
    b.pushMedia(key(1000));
    assert.deepEqual(summary(slow), ['9@0:1701', '9@1000:1701']);
    assert.equal(summary(fast).length, 5, 'the fast subscriber loses nothing');
    assert.equal(b.stats.droppedMessages, 3);
  });

  it('disconnects a subscriber that stays behind longer than maxLagMs', () => {
    let now = 0;
    const b = new Broadcast({ maxQueueBytes: 1000, maxLagMs: 10_000, mergeWriteMs: 0, now: () => now });
    const stuck = new RecordingSink();
    b.subscribe(stuck);
    b.start();
    stuck.backlog = 1_000_000;
    b.pushMedia(key(0));
    now = 5_000;
    b.pushMedia(key(5000));
    assert.equal(stuck.closedWith, null);
    now = 10_001;
    b.pushMedia(key(10001));
    assert.equal(stuck.closedWith, 'subscriber too slow');
    assert.deepEqual([b.stats.slowDisconnects, b.stats.subscribers], [1, 0]);
  });

  it('makes a joiner without a cached GOP wait for a keyframe, without counting drops', () => {
    const b = new Broadcast({ mergeWriteMs: 0 });
    b.start();
    b.pushMedia(inter(0));
    const s = new RecordingSink();
    b.subscribe(s);
    b.pushMedia(inter(33));
    b.pushMedia(key(66));
    assert.deepEqual(summary(s), ['9@66:1701']);
    assert.equal(b.stats.droppedMessages, 0);
  });

  it('honours receiveVideo(false) but still sends audio', () => {
    const b = new Broadcast({ mergeWriteMs: 0 });
    const s = new RecordingSink();
    s.receiveVideo = false;
    b.subscribe(s);
    b.start();
    b.pushMedia(key(0));
    b.pushMedia(aac(10));
    assert.deepEqual(summary(s), ['8@10:af01']);
  });

  it('forwards frames whose tag header does not parse (M8: zero-length, unknown codec)', () => {
    const b = new Broadcast({ mergeWriteMs: 0 });
    const s = new RecordingSink();
    b.subscribe(s);
    b.start();
    b.pushMedia({ typeId: 9, timestamp: 0, payload: Buffer.alloc(0) });
    b.pushMedia(video(1, '9f ffffffff'));
    assert.equal(s.messages.length, 2);
  });

  it('merges writes: queued messages reach the sink in one write, before a later status', () => {
    const b = new Broadcast({ name: 's', mergeWriteMs: 1000 });
    const s = new RecordingSink();
    b.subscribe(s);
    b.start();
    b.pushMedia(key(0));
    b.pushMedia(aac(10));
    assert.equal(s.writes.length, 0, 'nothing is written before the merge period ends');
    b.stop();
    assert.equal(s.writes.length, 1);
    assert.deepEqual(summary(s), ['9@0:1701', '8@10:af01']);
    assert.deepEqual(s.statuses, [StatusCode.PlayPublishNotify, StatusCode.PlayUnpublishNotify]);
  });
});
