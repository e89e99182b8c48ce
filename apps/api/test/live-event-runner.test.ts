import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreatedWebhookEndpointSchema, EdgeApiPaths, LiveEventSchema } from '@tributary/contracts';
import { TestApi } from './support/api';
import { type Received, WebhookReceiver } from './support/webhook-receiver';

/**
 * Live events that run themselves (issue 15), through the endpoints edges call (session start and end,
 * with a real edge credential): the next scheduled event goes live when its stream's publisher starts,
 * a publisher back within LIVE_EVENT_RECONNECT_WINDOW_SECONDS keeps it live, past the window it ends,
 * on whichever api instance sweeps first (exactly once), and every transition reaches a webhook receiver.
 */
const WINDOW_SECONDS = 2;

let api: TestApi;
let receiver: WebhookReceiver;
let operator: string;
let tenant: { tenantId: string; key: string };
let edge: { edgeId: string; credential: string };

before(async () => {
  receiver = await WebhookReceiver.start();
  api = await TestApi.start({
    WEBHOOK_ALLOWED_HOSTS: receiver.hostPort,
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_RETRY_MAX_MS: '400',
    LIVE_EVENT_RECONNECT_WINDOW_SECONDS: String(WINDOW_SECONDS),
  });
  operator = await api.login();
  tenant = await api.tenantWithKey('Events', operator);
  edge = await api.edge(operator);
  const hook = await api.request('POST', '/v1/webhooks', {
    key: tenant.key,
    body: {
      url: receiver.url('/events'),
      events: [
        'live_stream.active',
        'live_stream.idle',
        'live_event.live',
        'live_event.ended',
        'live_event.cancelled',
      ],
    },
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  CreatedWebhookEndpointSchema.parse(hook.body);
});
after(async () => {
  await api?.close();
  await receiver?.close();
});

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const newStream = (name: string) =>
  api.liveStream<{ id: string; playbackId: string; streamKey: string }>(tenant.key, { name });

async function newEvent(liveStreamId: string, title: string, scheduledStartAt: string | null) {
  const res = await api.request('POST', '/v1/live-events', {
    key: tenant.key,
    body: { liveStreamId, title, scheduledStartAt },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return LiveEventSchema.parse(res.body);
}

async function event(id: string, through = api) {
  const res = await through.request('GET', `/v1/live-events/${id}`, { key: tenant.key });
  assert.equal(res.status, 200);
  return LiveEventSchema.parse(res.body);
}

const startSession = (liveStreamId: string) => api.startSession(edge.credential, liveStreamId, '203.0.113.7');
const endSession = (sessionId: string, through = api) => through.endSession(edge.credential, sessionId);

const eventsAbout = (streamId: string): Received[] =>
  receiver.received.filter((r) => r.json.data.liveStreamId === streamId || r.json.data.id === streamId);

test('the next scheduled event goes live when its stream publishes; its title reaches the edge; a reconnect within the window keeps it live; past the window it ends', async () => {
  const stream = await newStream('auto');
  const other = await newStream('other');
  const later = await newEvent(stream.id, 'Later show', '2030-01-02T10:00:00.000Z');
  const unscheduled = await newEvent(stream.id, 'Whenever', null);
  const next = await newEvent(stream.id, 'Opening night', '2030-01-01T10:00:00.000Z');
  const elsewhere = await newEvent(other.id, 'Other stream', '2029-01-01T10:00:00.000Z');

  // What the edge is told at publish time is the event that the session then makes live.
  const auth = await api.request('POST', EdgeApiPaths.authorizePublish, {
    key: edge.credential,
    body: { streamKey: stream.streamKey, app: 'live', clientIp: '203.0.113.7' },
  });
  assert.equal(auth.status, 200);
  assert.equal(auth.body.eventTitle, 'Opening night');

  const before = Date.now();
  const first = await startSession(stream.id);
  const live = await event(next.id);
  assert.equal(live.state, 'live');
  assert.ok(live.startedAt && Date.parse(live.startedAt) >= before - 1000);
  assert.equal((await event(later.id)).state, 'scheduled');
  assert.equal((await event(unscheduled.id)).state, 'scheduled');
  assert.equal((await event(elsewhere.id)).state, 'scheduled');

  // The publisher drops and returns within the window: the event stays live, nothing ends.
  await endSession(first);
  await new Promise((r) => setTimeout(r, (WINDOW_SECONDS * 1000) / 2));
  const second = await startSession(stream.id);
  await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000 + 1500));
  assert.equal(
    (await event(next.id)).state,
    'live',
    'a publisher back within the window keeps the event live',
  );
  assert.equal((await event(later.id)).state, 'scheduled', 'the reconnect did not start another event');

  // It ends for good: past the window the event is ended, endedAt when the publish ended.
  const endedAt = Date.now();
  await endSession(second);
  const ended = await until('the event to end', 15_000, async () => {
    const e = await event(next.id);
    return e.state === 'ended' ? e : undefined;
  });
  assert.ok(Date.now() - endedAt >= WINDOW_SECONDS * 1000, 'not before the window closed');
  assert.ok(ended.endedAt && Math.abs(Date.parse(ended.endedAt) - endedAt) < 1500, ended.endedAt ?? '');
  assert.equal((await event(later.id)).state, 'scheduled');

  // Every transition reached the receiver, in order with the stream's own events.
  const types = await until('the webhooks', 15_000, async () => {
    const got = eventsAbout(stream.id).map((r) => `${r.json.type}:${r.json.data.title ?? ''}`);
    return got.includes('live_event.ended:Opening night') ? got : undefined;
  });
  assert.deepEqual(types, [
    'live_stream.active:',
    'live_event.live:Opening night',
    'live_stream.idle:',
    'live_stream.active:',
    'live_stream.idle:',
    'live_event.ended:Opening night',
  ]);
  const endedHook = eventsAbout(stream.id).find((r) => r.json.type === 'live_event.ended');
  assert.equal(endedHook?.json.data.id, next.id);
  assert.equal(endedHook?.json.data.state, 'ended');

  // The next publish starts the next scheduled event (by scheduledStartAt; unscheduled ones last).
  const third = await startSession(stream.id);
  assert.equal((await event(later.id)).state, 'live');
  assert.equal((await event(unscheduled.id)).state, 'scheduled');
  await endSession(third);
});

test('the reconnect window is durable: an event whose publish ended on an api that then stops is ended by another instance, exactly once', async () => {
  const peer = await TestApi.start(
    {
      WEBHOOK_ALLOWED_HOSTS: receiver.hostPort,
      LIVE_EVENT_RECONNECT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    },
    api,
  );
  const third = await TestApi.start(
    {
      WEBHOOK_ALLOWED_HOSTS: receiver.hostPort,
      LIVE_EVENT_RECONNECT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    },
    api,
  );
  try {
    const stream = await newStream('durable');
    const show = await newEvent(stream.id, 'Durable show', null);
    const session = await startSession(stream.id);
    assert.equal((await event(show.id)).state, 'live');
    // The session ends through `third`, which stops right away; `peer` and `api` both sweep.
    await endSession(session, third);
    // (Once its own delivery of live_stream.idle is done: the stop under test is the sweep's, not the queue's.)
    await until('the idle webhook', 15_000, async () =>
      eventsAbout(stream.id).some((r) => r.json.type === 'live_stream.idle') ? true : undefined,
    );
    await third.close();
    const ended = await until('the event to end', 15_000, async () => {
      const e = await event(show.id, peer);
      return e.state === 'ended' ? e : undefined;
    });
    assert.ok(ended.endedAt);
    await until('the ended webhook', 15_000, async () =>
      eventsAbout(stream.id).some((r) => r.json.type === 'live_event.ended') ? true : undefined,
    );
    // Several sweeps later there is still exactly one.
    await new Promise((r) => setTimeout(r, 2000));
    const endedHooks = eventsAbout(stream.id).filter((r) => r.json.type === 'live_event.ended');
    assert.equal(
      new Set(endedHooks.map((r) => r.json.id)).size,
      1,
      'one ended event, however many instances sweep',
    );
  } finally {
    await peer.close();
  }
});

test('manual transitions send their webhooks; a cancelled or ended event never starts by itself', async () => {
  const stream = await newStream('manual');
  const cancelled = await newEvent(stream.id, 'Called off', '2030-01-01T00:00:00.000Z');
  const res = await api.request('POST', `/v1/live-events/${cancelled.id}/transitions`, {
    key: tenant.key,
    body: { to: 'cancelled' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(LiveEventSchema.parse(res.body).state, 'cancelled');
  const session = await startSession(stream.id);
  assert.equal((await event(cancelled.id)).state, 'cancelled');
  await endSession(session);
  const hook = await until('the cancelled webhook', 15_000, async () =>
    eventsAbout(stream.id).find((r) => r.json.type === 'live_event.cancelled'),
  );
  assert.equal(hook.json.data.id, cancelled.id);
  assert.equal(hook.json.data.title, 'Called off');
  assert.equal(eventsAbout(stream.id).filter((r) => r.json.type === 'live_event.live').length, 0);
});
