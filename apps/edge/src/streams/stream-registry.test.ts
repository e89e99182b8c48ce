import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broadcast, type BroadcastSink, type OnStatusInfo } from '@tributary/rtmp-core';
import type { PublishGrant } from '../control-plane/publish-authorizer';
import { type PublisherSlot, StreamRegistry } from './stream-registry';

const grant: PublishGrant = {
  allowed: true,
  tenantId: 't1',
  liveStreamId: 'ls1',
  playbackId: 'pb1',
  playbackPolicy: 'public',
  record: false,
  eventTitle: null,
  maxViewers: null,
  cacheTtlSeconds: 5,
};

/** A sink that records what the broadcast tells it, as a viewer's stream would receive it. */
class RecordingSink implements BroadcastSink {
  readonly messageStreamId = 1;
  readonly outgoingChunkSize = 4096;
  readonly writableLength = 0;
  readonly statuses: string[] = [];
  writeChunks(): void {}
  sendStatus(info: OnStatusInfo): void {
    this.statuses.push(info.code);
  }
  sendUserControl(): void {}
  close(): void {}
}

function slot(clock: { t: number }, keyDigest = 'k1', closed: string[] = []): PublisherSlot {
  return {
    connId: `c-${keyDigest}-${clock.t}`,
    keyDigest,
    grant,
    startedAt: clock.t,
    lastMediaAt: clock.t,
    video: null,
    audio: null,
    bytesOutAtStart: 0,
    httpBytesOut: 0,
    viewerMsClosed: 0,
    close: (reason) => closed.push(reason),
  };
}

function registry(clock: { t: number }, maxWaitingStreams = 10) {
  return new StreamRegistry({
    createBroadcast: (name) => new Broadcast({ name }),
    publisherIdleTimeoutMs: 8000,
    maxWaitingStreams,
    now: () => clock.t,
  });
}

describe('StreamRegistry', () => {
  it('refuses a second publisher while the first is healthy (T3a)', () => {
    const clock = { t: 0 };
    const reg = registry(clock);
    assert.equal(reg.claimPublisher(slot(clock)).ok, true);
    clock.t = 8000;
    const second = reg.claimPublisher(slot(clock));
    assert.deepEqual(second, { ok: false, reason: 'already_publishing' });
    assert.equal(reg.publisherCount, 1);
  });

  it('lets the same key take over a publisher silent past the idle timeout, closing the old one (T3b/c)', () => {
    const clock = { t: 0 };
    const reg = registry(clock);
    const closed: string[] = [];
    const first = slot(clock, 'k1', closed);
    reg.claimPublisher(first);
    clock.t = 8001;
    const second = slot(clock);
    const claim = reg.claimPublisher(second);
    assert.equal(claim.ok && claim.replaced, first);
    assert.deepEqual(closed, ['taken_over']);
    assert.equal(reg.get('pb1')?.publisher, second);
  });

  it('never lets another key take over, however silent the publisher', () => {
    const clock = { t: 0 };
    const reg = registry(clock);
    reg.claimPublisher(slot(clock, 'k1'));
    clock.t = 60_000;
    assert.deepEqual(reg.claimPublisher(slot(clock, 'other-key')), {
      ok: false,
      reason: 'already_publishing',
    });
  });

  it('keeps viewers who arrive first waiting and tells them when the publisher leaves', () => {
    const clock = { t: 0 };
    const reg = registry(clock);
    const viewer = new RecordingSink();
    const entry = reg.addViewer('pb1', viewer, { tokenKeyTenantId: undefined });
    assert.equal(entry?.isLive, false);
    const publisher = slot(clock);
    reg.claimPublisher(publisher);
    entry?.broadcast.start();
    reg.releasePublisher(entry!, publisher);
    assert.ok(viewer.statuses.includes('NetStream.Play.PublishNotify'));
    assert.ok(viewer.statuses.includes('NetStream.Play.UnpublishNotify'));
    assert.equal(reg.get('pb1'), entry, 'the entry stays while a viewer waits');
    reg.removeViewer(entry!, viewer);
    assert.equal(reg.get('pb1'), undefined, 'and goes with the last viewer');
  });

  it('bounds the number of playback ids with only waiting viewers', () => {
    const reg = registry({ t: 0 }, 2);
    assert.ok(reg.addViewer('a', new RecordingSink(), { tokenKeyTenantId: undefined }));
    assert.ok(reg.addViewer('b', new RecordingSink(), { tokenKeyTenantId: undefined }));
    assert.equal(reg.addViewer('c', new RecordingSink(), { tokenKeyTenantId: undefined }), undefined);
    assert.ok(
      reg.addViewer('a', new RecordingSink(), { tokenKeyTenantId: undefined }),
      'an existing id still admits',
    );
  });

  it('bounds the viewers waiting edge-wide, not those of live streams', () => {
    const clock = { t: 0 };
    const reg = new StreamRegistry({
      createBroadcast: (name) => new Broadcast({ name }),
      publisherIdleTimeoutMs: 8000,
      maxWaitingStreams: 10,
      maxWaitingViewers: 2,
      now: () => clock.t,
    });
    const none = { tokenKeyTenantId: undefined };
    assert.ok(reg.addViewer('a', new RecordingSink(), none));
    assert.ok(reg.addViewer('b', new RecordingSink(), none));
    assert.equal(reg.addViewer('a', new RecordingSink(), none), undefined, 'a third waiting viewer');
    assert.equal(reg.waitingViewerCount(), 2);
    reg.claimPublisher(slot(clock));
    for (let i = 0; i < 5; i++) assert.ok(reg.addViewer('pb1', new RecordingSink(), none), 'live viewers');
  });

  it('counts viewer-seconds only while the stream is live, including viewers who left', () => {
    const clock = { t: 0 };
    const reg = registry(clock);
    const early = new RecordingSink();
    const entry = reg.addViewer('pb1', early, { tokenKeyTenantId: undefined })!;
    clock.t = 5000;
    reg.claimPublisher(slot(clock));
    const late = new RecordingSink();
    clock.t = 7000;
    reg.addViewer('pb1', late, { tokenKeyTenantId: undefined });
    clock.t = 9000;
    reg.removeViewer(entry, late);
    clock.t = 15_000;
    assert.equal(entry.viewerSeconds(clock.t), 10 + 2);
  });
  it('a local publisher replaces a pull from another edge at once; a pull never replaces anything', () => {
    const clock = { t: 0 };
    const reg = registry(clock);
    const closed: string[] = [];
    const pull = { ...slot(clock, 'relay', closed), relay: true };
    assert.equal(reg.claimPublisher(pull).ok, true);
    assert.equal(reg.publisherCount, 0, "a pull is not one of this edge's publishers");
    const local = reg.claimPublisher(slot(clock, 'k1'));
    assert.ok(local.ok);
    assert.equal(local.replaced, pull);
    assert.deepEqual(closed, ['taken_over']);
    assert.equal(reg.publisherCount, 1);
    assert.deepEqual(reg.claimPublisher({ ...slot(clock, 'relay'), relay: true }), {
      ok: false,
      reason: 'already_publishing',
    });
    clock.t += 60_000; // even a silent local publisher is not replaced by a pull
    assert.equal(reg.claimPublisher({ ...slot(clock, 'k1'), relay: true }).ok, false);
  });
});

describe('StreamRegistry ladders', () => {
  const ladder = [
    { name: 'high', width: 1280, height: 720, videoBitrateKbps: 2500, audioBitrateKbps: 128 },
    { name: 'low', width: 426, height: 240, videoBitrateKbps: 400, audioBitrateKbps: 64 },
  ];
  const rendition = (clock: { t: number }, name: string): PublisherSlot => ({
    ...slot(clock, `k-${name}`),
    grant: { ...grant, renditionSource: 'encoder', renditions: ladder, rendition: name },
  });

  it('registers each rendition as <playbackId>_<name> and lists the live ones in ladder order', () => {
    const clock = { t: 0 };
    const reg = registry(clock);
    const low = reg.claimPublisher(rendition(clock, 'low'));
    const high = reg.claimPublisher(rendition(clock, 'high'));
    assert.ok(low.ok && high.ok);
    assert.equal(low.entry.playbackId, 'pb1_low');
    assert.deepEqual(
      reg.liveRenditionsOf('pb1').map((r) => [r.name, r.entry.playbackId]),
      [
        ['high', 'pb1_high'],
        ['low', 'pb1_low'],
      ],
    );
    assert.deepEqual(reg.liveRenditionsOf('pb1_low'), []);
    reg.releasePublisher(high.entry, high.entry.publisher!);
    assert.deepEqual(
      reg.liveRenditionsOf('pb1').map((r) => r.name),
      ['low'],
    );
    reg.releasePublisher(low.entry, low.entry.publisher!);
    assert.deepEqual(reg.liveRenditionsOf('pb1'), []);
  });
});
