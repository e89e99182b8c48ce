import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MediaMessage } from '../message/media-message';
import { hex } from '../testing/bytes';
import { RecordingSink } from '../testing/recording-sink';
import { Broadcast, type BroadcastListener, type BroadcastMessage } from './broadcast';

// FLV tag bodies (E.4.2/E.4.3): AVC sequence header, keyframe, inter frame; AAC config and frame.
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
const key = (ts: number): MediaMessage => video(ts, `17 01 000000 ${'65'.repeat(30)}`);
const inter = (ts: number): MediaMessage => video(ts, `27 01 000000 ${'41'.repeat(10)}`);
const AAC_CONFIG = audio(0, 'af 00 1210');
const aac = (ts: number): MediaMessage => audio(ts, 'af 01 2100');

class RecordingListener implements BroadcastListener {
  readonly messages: BroadcastMessage[] = [];
  readonly transitions: boolean[] = [];
  message(msg: BroadcastMessage): void {
    this.messages.push(msg);
  }
  live(isLive: boolean): void {
    this.transitions.push(isLive);
  }
  summary(): string[] {
    return this.messages.map((m) => `${m.typeId}@${m.timestamp}:${m.role}`);
  }
}

describe('Broadcast message listeners', () => {
  it('replays metadata, sequence headers and the current GOP to a late listener, then follows live', () => {
    const b = new Broadcast({ mergeWriteMs: 0 });
    b.start();
    b.setMetadata({ width: 640 }, 0);
    for (const m of [AVC_CONFIG, AAC_CONFIG, key(0), inter(33), key(1000), aac(1010), inter(1033)])
      b.pushMedia(m);
    const late = new RecordingListener();
    b.listen(late);
    assert.deepEqual(late.summary(), [
      '18@0:config',
      '9@0:config',
      '8@0:config',
      '9@1000:keyframe',
      '8@1010:frame',
      '9@1033:frame',
    ]);
    b.pushMedia(aac(1040));
    assert.equal(late.summary().at(-1), '8@1040:frame');
  });

  it('hands listeners the published payload itself, never a copy', () => {
    const b = new Broadcast({ mergeWriteMs: 0 });
    const listener = new RecordingListener();
    b.listen(listener);
    b.start();
    const frame = key(0);
    b.pushMedia(frame);
    assert.equal(listener.messages[0]?.payload, frame.payload);
  });

  it('tells listeners when the publisher starts and leaves, and forgets them on unlisten and close', () => {
    const b = new Broadcast({ mergeWriteMs: 0 });
    const stays = new RecordingListener();
    const leaves = new RecordingListener();
    b.listen(stays);
    b.listen(leaves);
    b.start();
    b.unlisten(leaves);
    b.pushMedia(key(0));
    b.stop();
    assert.deepEqual(stays.transitions, [true, false]);
    assert.deepEqual(leaves.transitions, [true]);
    assert.equal(leaves.messages.length, 0);
    b.close();
    b.start();
    b.pushMedia(key(40));
    assert.deepEqual(stays.transitions, [true, false]);
    assert.equal(stays.messages.length, 1);
  });

  it('leaves RTMP subscribers unchanged when a listener is attached', () => {
    const b = new Broadcast({ mergeWriteMs: 0 });
    const sink = new RecordingSink();
    b.subscribe(sink);
    b.listen(new RecordingListener());
    b.start();
    b.pushMedia(AVC_CONFIG);
    b.pushMedia(key(0));
    assert.deepEqual(
      sink.messages.map((m) => `${m.typeId}@${m.timestamp}`),
      ['9@0', '9@0'],
    );
  });
});
