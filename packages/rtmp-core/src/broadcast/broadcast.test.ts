import assert from 'node:assert/strict';
import { type AddressInfo, connect, createServer } from 'node:net';
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

  it('forwards frames whose tag header does not parse (zero-length, unknown codec)', () => {
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

/**
 * Runs `push` where a publisher's messages arrive, in a socket's data callback (the poll phase of the event
 * loop), then `check` in the timer phase that follows it (where a timer set by `push` would run).
 */
async function inSocketRead(push: () => void, check: () => void = () => {}): Promise<void> {
  const server = createServer((conn) => conn.end('x'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('no byte from the socket within 5 s')), 5000);
      const client = connect(port, '127.0.0.1');
      client.on('error', reject);
      client.once('data', () => {
        push();
        setTimeout(() => {
          clearTimeout(deadline);
          client.destroy();
          try {
            check();
            resolve();
          } catch (err) {
            reject(err);
          }
        }, 0);
      });
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('Broadcast write coalescing', () => {
  it('turn: messages pushed in one turn reach each subscriber in one write', async () => {
    const b = new Broadcast({ coalesce: 'turn' });
    const sinks = [new RecordingSink(), new RecordingSink(1, 4096)];
    for (const s of sinks) b.subscribe(s);
    b.start();
    await inSocketRead(() => {
      b.pushMedia(key(0));
      b.pushMedia(aac(10));
      b.pushMedia(inter(33));
      for (const s of sinks) assert.equal(s.writes.length, 0, 'the turn is not over yet');
    });
    for (const s of sinks) {
      assert.equal(s.writes.length, 1);
      assert.deepEqual(summary(s), ['9@0:1701', '8@10:af01', '9@33:2701']);
    }
  });

  it('turn: a message pushed alone is written before the next timer phase, and the next turn gets its own write', async () => {
    const b = new Broadcast({ coalesce: 'turn', mergeWriteMs: 60_000 });
    const s = new RecordingSink();
    b.subscribe(s);
    b.start();
    await inSocketRead(() => b.pushMedia(key(0)));
    assert.deepEqual(summary(s), ['9@0:1701']);
    await inSocketRead(() => b.pushMedia(aac(10)));
    assert.equal(s.writes.length, 2);
    assert.deepEqual(summary(s), ['9@0:1701', '8@10:af01']);
  });

  it('turn is the default policy', async () => {
    const b = new Broadcast();
    const s = new RecordingSink();
    b.subscribe(s);
    b.start();
    await inSocketRead(() => {
      b.pushMedia(key(0));
      b.pushMedia(aac(10));
    });
    assert.equal(s.writes.length, 1);
    assert.deepEqual(summary(s), ['9@0:1701', '8@10:af01']);
  });

  it('turn: queued messages go out before a status and before the subscriber leaves', () => {
    const b = new Broadcast({ coalesce: 'turn' });
    const s = new RecordingSink();
    const leaving = new RecordingSink();
    b.subscribe(s);
    b.subscribe(leaving);
    b.start();
    b.pushMedia(key(0));
    b.unsubscribe(leaving);
    assert.deepEqual(summary(leaving), ['9@0:1701']);
    b.stop();
    assert.deepEqual(summary(s), ['9@0:1701']);
    assert.deepEqual(s.statuses, [StatusCode.PlayPublishNotify, StatusCode.PlayUnpublishNotify]);
  });

  it('interval: queued messages wait for the period, whatever the turns', async () => {
    const b = new Broadcast({ coalesce: 'interval', mergeWriteMs: 60_000 });
    const s = new RecordingSink();
    b.subscribe(s);
    b.start();
    await inSocketRead(() => b.pushMedia(key(0)));
    assert.equal(s.writes.length, 0);
    b.close();
    assert.deepEqual(summary(s), ['9@0:1701']);
  });

  it('off: every message is its own write, at once', () => {
    const b = new Broadcast({ coalesce: 'off' });
    const s = new RecordingSink();
    b.subscribe(s);
    b.start();
    b.pushMedia(key(0));
    b.pushMedia(aac(10));
    assert.equal(s.writes.length, 2);
    assert.deepEqual(summary(s), ['9@0:1701', '8@10:af01']);
  });
});

describe('Broadcast merged writes', () => {
  it('hands subscribers that got the same messages one shared contiguous buffer; a late joiner its own', async () => {
    const b = new Broadcast({ coalesce: 'turn' });
    const a = new RecordingSink(1, 128);
    const c = new RecordingSink(1, 128);
    b.subscribe(a);
    b.subscribe(c);
    b.start();
    const late = new RecordingSink(1, 128);
    await inSocketRead(() => {
      b.pushMedia(key(0));
      b.subscribe(late); // gets the GOP (key 0) from the cache, then the inter frame with the others
      b.pushMedia(inter(33));
    });
    assert.equal(a.writes.length, 1);
    assert.equal(a.writes[0]?.length, 1, 'one buffer for the whole batch');
    assert.equal(a.writes[0]?.[0], c.writes[0]?.[0], 'the same Buffer object');
    for (const s of [a, c, late]) assert.deepEqual(summary(s), ['9@0:1701', '9@33:2701']);
  });

  it('frames no subscriber can take (all wait for a keyframe) are not held for a flush', async () => {
    const b = new Broadcast({ coalesce: 'turn' });
    b.start();
    b.pushMedia(AVC_CONFIG);
    b.pushMedia(inter(0)); // video, but no keyframe yet: nothing cached, a joiner waits for one
    const s = new RecordingSink();
    b.subscribe(s);
    await inSocketRead(() => {});
    assert.deepEqual(summary(s), ['9@0:1700'], 'only the sequence header');
    await inSocketRead(() => {
      for (let i = 1; i <= 100; i++) b.pushMedia(inter(i * 33));
    });
    assert.equal(s.writes.length, 1);
    assert.equal((b as unknown as { batch: unknown[] }).batch.length, 0, 'bounded: nothing kept');
  });
});

describe('Broadcast subscribers in step', () => {
  const flushOf = (b: Broadcast) => () => (b as unknown as { flush(): void }).flush();

  it('checks the socket backlog once per write: over the bound, the batch drops to the next keyframe', () => {
    const b = new Broadcast({ coalesce: 'interval', mergeWriteMs: 60_000, maxQueueBytes: 1000 });
    const flush = flushOf(b);
    const slow = new RecordingSink();
    const fast = new RecordingSink();
    b.subscribe(slow);
    b.subscribe(fast);
    b.start(); // the flush before PublishNotify puts both in step
    b.pushMedia(key(0));
    flush();
    slow.backlog = 1001; // over the bound when the batch is written
    b.pushMedia(inter(33));
    b.pushMedia(aac(40));
    flush();
    slow.backlog = 0;
    b.pushMedia(key(1000));
    b.pushMedia(inter(1033));
    flush();
    b.pushMedia(inter(1066));
    flush();
    assert.deepEqual(summary(slow), ['9@0:1701', '9@1000:1701', '9@1033:2701', '9@1066:2701']);
    assert.equal(b.stats.droppedMessages, 2);
    assert.equal(summary(fast).length, 6, 'the fast subscriber loses nothing');
    assert.equal(fast.writes.length, 4, 'one write per flush');
    assert.equal(slow.writes.at(-1)?.[0], fast.writes.at(-1)?.[0], 'back in step: the same Buffer');
  });

  it('disconnects a subscriber in step that stays over the bound longer than maxLagMs', () => {
    let now = 0;
    const b = new Broadcast({ coalesce: 'turn', maxQueueBytes: 1000, maxLagMs: 10_000, now: () => now });
    const flush = flushOf(b);
    const stuck = new RecordingSink();
    b.subscribe(stuck);
    b.start();
    stuck.backlog = 1_000_000;
    for (const t of [0, 5000, 10_001]) {
      now = t;
      b.pushMedia(key(t));
      flush();
      assert.equal(stuck.closedWith, t > 10_000 ? 'subscriber too slow' : null);
    }
    assert.deepEqual([b.stats.slowDisconnects, b.stats.subscribers], [1, 0]);
    assert.equal(stuck.writes.length, 0);
  });

  it('honours receiveAudio(false) set while in step, and is back in step for the next batch', () => {
    const b = new Broadcast({ coalesce: 'interval', mergeWriteMs: 60_000 });
    const flush = flushOf(b);
    const s = new RecordingSink();
    const other = new RecordingSink();
    b.subscribe(s);
    b.subscribe(other);
    b.start();
    b.pushMedia(key(0));
    s.receiveAudio = false;
    b.pushMedia(aac(10));
    flush();
    s.receiveAudio = true;
    b.pushMedia(aac(20));
    b.pushMedia(inter(33));
    flush();
    assert.deepEqual(summary(s), ['9@0:1701', '8@20:af01', '9@33:2701']);
    assert.equal(summary(other).length, 4);
    assert.equal(s.writes.at(-1)?.[0], other.writes.at(-1)?.[0], 'in step again: the same Buffer');
  });
});

describe('Broadcast adaptive coalescing', () => {
  it('idle, writes a message before the next timer phase', async () => {
    const b = new Broadcast({ coalesce: 'adaptive' });
    const s = new RecordingSink();
    b.subscribe(s);
    b.start();
    await inSocketRead(() => b.pushMedia(key(0)));
    assert.deepEqual(summary(s), ['9@0:1701']);
  });

  it('after a slow flush pass, holds the next one (twice the pass, at most maxHoldMs) and merges what came meanwhile', async () => {
    let now = 1000;
    const b = new Broadcast({ coalesce: 'adaptive', maxHoldMs: 40, now: () => now });
    // A sink whose writes take 5 ms of the injected clock: a pass over it takes 5 ms.
    const s = new (class extends RecordingSink {
      override writeChunks(buffers: readonly Buffer[]): void {
        now += 5;
        super.writeChunks(buffers);
      }
    })();
    b.subscribe(s);
    b.start();
    await inSocketRead(() => b.pushMedia(key(0)));
    assert.equal(s.writes.length, 1, 'the first pass is not held');
    await inSocketRead(
      () => {
        b.pushMedia(inter(33));
        b.pushMedia(aac(40));
        b.pushMedia(inter(66));
      },
      () => assert.equal(s.writes.length, 1, 'held: the last pass took 5 ms, so this one waits 10 ms'),
    );
    const deadline = Date.now() + 5000;
    while (s.writes.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(s.writes.length, 2, 'the held messages went out in one write within 5 s');
    assert.deepEqual(summary(s), ['9@0:1701', '9@33:2701', '8@40:af01', '9@66:2701']);
  });

  it('under load, audio waits for the next video frame and goes out in its write; a video frame is not held for audio', async () => {
    let now = 1000;
    const b = new Broadcast({ coalesce: 'adaptive', maxHoldMs: 1, audioHoldMs: 60_000, now: () => now });
    const s = new (class extends RecordingSink {
      override writeChunks(buffers: readonly Buffer[]): void {
        now += 5; // a pass over this sink takes 5 ms of the injected clock: the edge is under load
        super.writeChunks(buffers);
      }
    })();
    b.subscribe(s);
    b.start();
    b.pushMedia(key(0));
    await inSocketRead(() => {});
    now += 100;
    await inSocketRead(() => b.pushMedia(aac(10)));
    await inSocketRead(() => b.pushMedia(aac(31)));
    assert.equal(s.writes.length, 1, 'audio alone is held (the hold is 60 s here)');
    await inSocketRead(() => b.pushMedia(inter(33)));
    assert.equal(s.writes.length, 2, 'the video frame went out at the end of its turn, with the audio');
    assert.deepEqual(summary(s), ['9@0:1701', '8@10:af01', '8@31:af01', '9@33:2701']);
  });

  it('under load, held audio goes out after audioHoldMs when no video frame comes', async () => {
    let now = 1000;
    const b = new Broadcast({ coalesce: 'adaptive', audioHoldMs: 20, now: () => now });
    const s = new (class extends RecordingSink {
      override writeChunks(buffers: readonly Buffer[]): void {
        now += 5;
        super.writeChunks(buffers);
      }
    })();
    b.subscribe(s);
    b.start();
    b.pushMedia(key(0));
    await inSocketRead(() => {});
    await inSocketRead(() => b.pushMedia(aac(10)));
    assert.equal(s.writes.length, 1);
    const deadline = Date.now() + 5000;
    while (s.writes.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(summary(s), ['9@0:1701', '8@10:af01'], 'written within 5 s');
  });
});
