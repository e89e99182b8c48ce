import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MediaMessage } from '../message/media-message';
import { hex } from '../testing/bytes';
import { RecordingSink } from '../testing/recording-sink';
import { Broadcast } from './broadcast';

// FLV tag bodies (E.4.3): AVC sequence header, keyframe and inter frame; the last byte tells the streams apart.
const video = (timestamp: number, head: string, marker: number): MediaMessage => ({
  typeId: 9,
  timestamp,
  payload: hex(`${head} 000000 ${marker.toString(16).padStart(2, '0')}`),
});
const config = (ts: number, marker: number) => video(ts, '17 00', marker);
const key = (ts: number, marker: number) => video(ts, '17 01', marker);
const inter = (ts: number, marker: number) => video(ts, '27 01', marker);

/** A sink with the switch protocol of RtmpServerStream: unsubscribes wait for `switched()` while switching. */
class SwitchingSink extends RecordingSink {
  private pending: ((cut?: number) => void)[] | null = null;
  switchedCount = 0;

  get switching(): boolean {
    return this.pending !== null;
  }

  beginSwitch(): void {
    this.pending = [];
  }

  deferUnsubscribe(done: (cut?: number) => void): boolean {
    if (this.pending === null) return false;
    this.pending.push(done);
    return true;
  }

  switched(timestamp?: number): void {
    const done = this.pending ?? [];
    this.pending = null;
    this.switchedCount++;
    for (const f of done) f(timestamp);
  }
}

/** Records the last status sent before each `ended()`. */
class EndingSink extends RecordingSink {
  readonly endedAfter: (string | undefined)[] = [];

  ended(): void {
    this.endedAfter.push(this.statuses.at(-1));
  }
}

/** `<marker>:<kind>` of each message the sink received. */
const seen = (sink: RecordingSink): string[] =>
  sink.messages.map((m) => {
    const kind = m.payload[1] === 0 ? 'config' : m.payload[0] === 0x17 ? 'key' : 'inter';
    return `${m.payload.at(-1)}:${kind}`;
  });

describe('Broadcast play2 switch', () => {
  const options = { mergeWriteMs: 0 };

  it('keeps the old stream until the new one has a keyframe, then sends its config and that keyframe', () => {
    const a = new Broadcast(options);
    const b = new Broadcast(options);
    a.start();
    b.start();
    a.pushMedia(config(0, 1));
    a.pushMedia(key(0, 1));
    b.pushMedia(config(0, 2));
    b.pushMedia(key(0, 2));
    const sink = new SwitchingSink();
    a.subscribe(sink);

    sink.beginSwitch();
    a.unsubscribe(sink);
    b.subscribe(sink);
    assert.equal(b.stats.subscribers, 1);
    a.pushMedia(inter(33, 1));
    b.pushMedia(inter(33, 2));
    assert.equal(sink.switchedCount, 0);
    b.pushMedia(key(66, 3));
    a.pushMedia(inter(66, 4));
    b.pushMedia(inter(99, 5));

    assert.equal(sink.switchedCount, 1);
    assert.equal(a.stats.subscribers, 0);
    assert.deepEqual(seen(sink), ['1:config', '1:key', '1:inter', '2:config', '3:key', '5:inter']);
  });

  it('with switchHoldMs, the stream left runs behind and nothing from the switch instant on is sent twice', () => {
    const held = { ...options, switchHoldMs: 100 };
    const a = new Broadcast(held);
    const b = new Broadcast(held);
    a.start();
    b.start();
    a.pushMedia(config(0, 1));
    a.pushMedia(key(0, 1));
    b.pushMedia(config(0, 2));
    const sink = new SwitchingSink();
    a.subscribe(sink);
    sink.beginSwitch();
    a.unsubscribe(sink);
    b.subscribe(sink);
    a.pushMedia(inter(40, 3));
    a.pushMedia(inter(80, 4));
    a.pushMedia(inter(160, 5)); // 40 is now more than 100 ms behind: it goes out
    assert.deepEqual(seen(sink), ['1:config', '1:key', '3:inter']);
    // A runs ahead of B: its frame at 200 arrives before B's keyframe at 200, and is never sent.
    a.pushMedia(inter(200, 6));
    b.pushMedia(key(200, 7));
    b.pushMedia(inter(240, 8));
    a.pushMedia(inter(240, 9));
    assert.equal(a.stats.subscribers, 0);
    assert.deepEqual(seen(sink), [
      '1:config',
      '1:key',
      '3:inter',
      '4:inter',
      '5:inter',
      '2:config',
      '7:key',
      '8:inter',
    ]);
  });

  it('tells a sink once when it starts dropping (lagging), so a server can move it down a ladder', () => {
    const a = new Broadcast({ ...options, maxQueueBytes: 100 });
    a.start();
    a.pushMedia(config(0, 1));
    a.pushMedia(key(0, 1));
    let lagging = 0;
    const sink = new (class extends RecordingSink {
      lagging(): void {
        lagging++;
      }
    })();
    a.subscribe(sink);
    sink.backlog = 1000;
    a.pushMedia(inter(40, 2));
    a.pushMedia(inter(80, 3));
    assert.equal(lagging, 1, 'once per episode');
    sink.backlog = 0;
    a.pushMedia(key(120, 4));
    sink.backlog = 1000;
    a.pushMedia(inter(160, 5));
    assert.equal(lagging, 2, 'again after it caught up and fell behind');
  });

  it('drops a stream it was still waiting to switch to at once (a second switch)', () => {
    const a = new Broadcast(options);
    const b = new Broadcast(options);
    const c = new Broadcast(options);
    for (const x of [a, b, c]) x.start();
    a.pushMedia(key(0, 1));
    const sink = new SwitchingSink();
    a.subscribe(sink);
    sink.beginSwitch();
    a.unsubscribe(sink);
    b.subscribe(sink);
    b.unsubscribe(sink);
    c.subscribe(sink);
    assert.equal(b.stats.subscribers, 0);
    b.pushMedia(key(33, 2));
    assert.equal(sink.switchedCount, 0);
    c.pushMedia(key(33, 3));
    assert.equal(sink.switchedCount, 1);
    assert.equal(a.stats.subscribers, 0);
    assert.deepEqual(seen(sink), ['1:key', '3:key']);
  });

  it('tells every subscriber that the stream ended after UnpublishNotify', () => {
    const a = new Broadcast(options);
    a.start();
    const sink = new EndingSink();
    a.subscribe(sink);
    a.stop();
    assert.deepEqual(sink.endedAfter, ['NetStream.Play.UnpublishNotify']);
  });
});
