import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AmfObject, Csid, MessageType, type RtmpClientStream } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { hostileSetDataFrame } from '@tributary/rtmp-core/testing';
import {
  type EdgeProcess,
  eventually,
  getWithin,
  startEdgeProcess,
  withDeadline,
} from './support/edge-process';

/** An AVC keyframe tag body (FLV VideoTagHeader: keyframe + AVC, NALU packet) with a dummy payload. */
const KEYFRAME = Buffer.from([0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65]);
/** /healthz answers well within this when the edge is well (the probe timeout of a Kubernetes liveness check). */
const HEALTHZ_TIMEOUT_MS = 2000;

/** What the publisher's onMetaData says besides its graph; all of it is on the whitelist. */
const SCALARS = {
  width: 1280,
  height: 720,
  framerate: 30,
  videocodecid: 7,
  audiocodecid: 10,
  audiosamplerate: 44100,
  stereo: true,
  encoder: 'hostile-encoder',
};

describe('a publisher whose onMetaData is an exponential AMF0 graph', { timeout: 60_000 }, () => {
  let run: EdgeProcess;
  const clients: RtmpClient[] = [];
  const client = () => {
    const c = new RtmpClient({ url: run.rtmpUrl, timeoutMs: 8000 });
    clients.push(c);
    return c;
  };
  const viewerOf = async (playbackId: string) => {
    const c = client();
    await c.connect();
    const stream = await c.createStream();
    const metadata: AmfObject[] = [];
    let media = 0;
    stream.on('metadata', (m) => metadata.push(m));
    stream.on('media', () => {
      media += 1;
    });
    await c.play(playbackId, { stream });
    return { metadata, media: () => media };
  };
  const sendKeyframes = (stream: RtmpClientStream, n: number) => {
    for (let i = 0; i < n; i++) stream.sendMedia({ typeId: 9, timestamp: i * 40, payload: KEYFRAME });
  };

  before(async () => {
    run = await startEdgeProcess();
    run.api.allow('hostile-key', { playbackId: 'hostilepb', cacheTtlSeconds: 0, eventTitle: 'Edge title' });
    run.api.allow('second-key', { playbackId: 'secondpb', cacheTtlSeconds: 0 });
  });

  after(async () => {
    for (const c of clients) c.close();
    await run.stop();
  });

  it('keeps the edge answering, and players get the whitelisted scalar fields only', async (t) => {
    const viewer = await viewerOf('hostilepb');
    const publisher = client();
    await publisher.connect();
    const stream = await publisher.publish('hostile-key');
    // 65 534 pad objects fill AMF0's reference table, then 32 levels each holding the next twice: 2^32
    // objects for an encoder that writes the decoded value out again without references.
    const payload = hostileSetDataFrame(32, 65_534, { ...SCALARS, notOnTheList: 'dropped' });
    t.diagnostic(`hostile onMetaData: ${payload.length} bytes`);
    publisher.sendMessage({
      csid: Csid.Data,
      timestamp: 0,
      typeId: MessageType.DataAmf0,
      messageStreamId: stream.messageStreamId,
      payload,
    });
    sendKeyframes(stream, 3);

    await eventually(() => viewer.metadata.length > 0, 'the viewer to get onMetaData');
    assert.equal(await getWithin(`${run.httpUrl}/healthz`, HEALTHZ_TIMEOUT_MS), 200);
    // The edge's own title wins; nothing outside the whitelist (the graph, unknown names) reaches players.
    assert.deepEqual(viewer.metadata.at(-1), { ...SCALARS, title: 'Edge title' });
    await eventually(() => viewer.media() >= 3, 'the viewer to get the media after the metadata');

    // Another tenant's publisher and viewer on the same edge are unaffected.
    const second = client();
    await second.connect();
    const secondStream = await second.publish('second-key');
    const secondViewer = await viewerOf('secondpb');
    secondStream.sendMetadata({ width: 640, height: 360 });
    sendKeyframes(secondStream, 5);
    await eventually(() => secondViewer.media() >= 5, 'the second viewer to get its media');
    assert.deepEqual(secondViewer.metadata.at(-1), { width: 640, height: 360 });
    assert.equal(
      await withDeadline(getWithin(`${run.httpUrl}/healthz`, HEALTHZ_TIMEOUT_MS), 5000, 'healthz'),
      200,
    );
  });
});
