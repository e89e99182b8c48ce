import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LiveEventSchema } from '@tributary/contracts';
import { tempDir, waitUntil } from '@tributary/test-kit';
import { ControlPlane, type EdgeHandle, type StreamHandle, type TenantHandle } from './support/control-plane';
import { Peers } from './support/peers';

/**
 * Live events that run themselves (issue 15) with ffmpeg publishing to a real edge following a real api:
 * the stream's next scheduled event goes live when the publish starts, its title reaches players in
 * onMetaData (ffprobe), a publisher back within LIVE_EVENT_RECONNECT_WINDOW_SECONDS keeps it live, and
 * once the publish has been gone longer than the window the event is ended.
 */
const WINDOW_SECONDS = 3;
const STEP_MS = 30_000;

describe('live events follow their stream with a real edge and ffmpeg', { timeout: 180_000 }, () => {
  const dir = tempDir('tributary-live-events-e2e-');
  const peers = new Peers();
  let plane: ControlPlane;
  let tenant: TenantHandle;
  let edge: EdgeHandle;
  let stream: StreamHandle;
  let clip: string;

  const event = async (id: string) => {
    const res = await plane.via(0)('GET', `/v1/live-events/${id}`, { bearer: tenant.key });
    assert.equal(res.status, 200);
    return LiveEventSchema.parse(res.body);
  };
  const stateOf = (id: string, state: string, what: string) =>
    waitUntil(async () => (await event(id)).state === state, { timeoutMs: STEP_MS, stepMs: 200, what });
  const newEvent = async (title: string, scheduledStartAt: string) => {
    const res = await plane.via(0)(
      'POST',
      '/v1/live-events',
      { bearer: tenant.key },
      { liveStreamId: stream.id, title, scheduledStartAt },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return LiveEventSchema.parse(res.body);
  };

  before(async () => {
    clip = join(dir.path, 'clip.flv');
    await peers.makeClip(clip, 4);
    plane = await ControlPlane.start({
      dir: dir.path,
      env: { LIVE_EVENT_RECONNECT_WINDOW_SECONDS: String(WINDOW_SECONDS) },
    });
    tenant = await plane.newTenant('Events');
    edge = await plane.startEdge({ name: 'events' });
    stream = await plane.newStream(tenant, 'show');
  });

  after(async () => {
    await peers.stopAll();
    await plane?.stop();
    await dir.remove();
  });

  it('goes live with the publish (title in onMetaData), survives a quick reconnect, ends after the window', async () => {
    const later = await newEvent('Second night', '2031-01-02T20:00:00.000Z');
    const first = await newEvent('Opening night', '2031-01-01T20:00:00.000Z');

    const publisher = peers.publish(clip, `${edge.rtmp}/${stream.streamKey}`);
    await stateOf(first.id, 'live', 'the first scheduled event live');
    assert.equal((await event(later.id)).state, 'scheduled');
    const probe = await peers.probe(`${edge.rtmp}/${stream.playbackId}`);
    assert.equal(probe.code, 0);
    assert.equal(probe.json.format?.tags?.title, 'Opening night');

    // The encoder drops and reconnects at once: the event stays live through it and past the window.
    publisher.kill('SIGKILL');
    await once(publisher, 'exit');
    const again = peers.publish(clip, `${edge.rtmp}/${stream.streamKey}`);
    await waitUntil(
      async () => {
        const s = await plane.via(0)<{ status: string }>('GET', `/v1/live-streams/${stream.id}`, {
          bearer: tenant.key,
        });
        return s.body.status === 'active';
      },
      { timeoutMs: STEP_MS, stepMs: 200, what: 'the stream active again' },
    );
    await new Promise((r) => setTimeout(r, (WINDOW_SECONDS + 2) * 1000));
    assert.equal((await event(first.id)).state, 'live');
    assert.equal((await event(later.id)).state, 'scheduled');

    // It stops for good.
    again.kill('SIGINT');
    await once(again, 'exit');
    const stopped = Date.now();
    await stateOf(first.id, 'ended', 'the event ended after the window');
    assert.ok(Date.now() - stopped >= WINDOW_SECONDS * 1000 - 500, 'not before the window');
    const ended = await event(first.id);
    assert.ok(ended.startedAt && ended.endedAt && Date.parse(ended.endedAt) > Date.parse(ended.startedAt));
    assert.equal((await event(later.id)).state, 'scheduled');
  });
});
