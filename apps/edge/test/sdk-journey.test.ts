import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Routes } from '@tributary/contracts';
import {
  type CallResult,
  listAll,
  pages,
  paginate,
  parseWebhookEvent,
  Tributary,
  TributaryError,
  verifyWebhookSignature,
} from '@tributary/sdk';
import { waitUntil } from '@tributary/test-kit';
import { ControlPlane, type EdgeHandle, type TenantHandle } from './support/control-plane';
import { Peers } from './support/peers';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * The customer journey with nothing but @tributary/sdk and an API key (issue 15: "the SDK drives the whole
 * customer journey"): a webhook endpoint to the customer's receiver, a signed live stream, ffmpeg publishing
 * to a real edge on the returned ingest URL and key, the stream active, live_stream.active received and
 * verified with verifyWebhookSignature, a playback token minted and played, live_stream.idle on stop,
 * sessions and usage read, 105 more streams listed with paginate past one page of 100, the key rotated,
 * the stream disabled and deleted, and errors as TributaryError. Only the tenant and its key come from the
 * operator (ControlPlane.newTenant), as they would for a customer.
 */
const STEP_MS = 20_000;
type LiveStream = CallResult<Routes['liveStreams']['get']>;

describe('the customer journey driven by the SDK', { timeout: 150_000 }, () => {
  let dir: string;
  let plane: ControlPlane;
  let edge: EdgeHandle;
  let owner: TenantHandle;
  let peers: Peers;
  let clip: string;
  let receiver: WebhookReceiver;
  let tb: Tributary;
  let secret: string;
  let stream: LiveStream & { streamKey: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sdk-journey-'));
    receiver = await WebhookReceiver.start();
    plane = await ControlPlane.start({ dir, env: { WEBHOOK_ALLOWED_HOSTS: receiver.allowedHost } });
    owner = await plane.newTenant('Journey');
    edge = await plane.startEdge({ name: 'journey-a' });
    peers = new Peers();
    clip = join(dir, 'clip.flv');
    await peers.makeClip(clip, 2);
    tb = new Tributary({
      baseUrl: plane.apis[0]?.url ?? '',
      apiKey: owner.key,
      userAgent: 'sdk-journey-test/1',
    });
  });

  after(async () => {
    await peers?.stopAll();
    await plane?.stop();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a webhook endpoint and a signed live stream (an idempotent retry returns the same stream)', async () => {
    const hook = await tb.webhooks.create({
      body: { url: receiver.url('/hooks'), events: ['live_stream.active', 'live_stream.idle'] },
    });
    assert.match(hook.secret, /^whsec_/);
    secret = hook.secret;
    const first = await tb.liveStreams.create({
      body: { name: 'journey', playbackPolicy: 'signed' },
      idempotencyKey: 'journey-stream-1',
    });
    assert.ok(first.streamKey, 'the first answer shows the stream key');
    stream = { ...first, streamKey: first.streamKey };
    // A retry with the same key is the same stream, answered without the key shown once.
    const retried = await tb.liveStreams.create.withResponse({
      body: { name: 'journey', playbackPolicy: 'signed' },
      idempotencyKey: 'journey-stream-1',
    });
    assert.equal(retried.data.id, stream.id);
    assert.equal(retried.data.streamKey, undefined);
    assert.equal(retried.response.headers.get('idempotent-redacted'), 'streamKey');
    assert.deepEqual(await tb.liveStreams.revealKey({ id: stream.id }), { streamKey: stream.streamKey });
    assert.equal(stream.status, 'idle');
    assert.ok(stream.ingest.length > 0, 'the stream names where to publish');
  });

  it('publishing with ffmpeg to the returned ingest URL makes it active, and live_stream.active arrives signed', async () => {
    const server = stream.ingest.find((i) => i.edgeId !== null)?.server ?? stream.ingest[0]?.server;
    assert.equal(server, edge.rtmp, 'the ingest URL is the running edge');
    peers.publish(clip, `${server}/${stream.streamKey}`);
    await waitUntil(async () => (await tb.liveStreams.get({ id: stream.id })).status === 'active', {
      what: 'the stream active through the SDK',
      timeoutMs: STEP_MS,
    });
    const active = await receiver.waitForType('live_stream.active', STEP_MS);
    const header = String(active.headers['tributary-signature']);
    assert.ok(await verifyWebhookSignature({ payload: active.raw, header, secret }));
    const tampered = active.raw.slice();
    tampered[0] = (tampered[0] as number) ^ 1;
    assert.equal(await verifyWebhookSignature({ payload: tampered, header, secret }), false);
    assert.equal(await verifyWebhookSignature({ payload: active.raw, header, secret: 'whsec_other' }), false);
    const event = await parseWebhookEvent({ payload: new TextDecoder().decode(active.raw), header, secret });
    assert.equal(event.type, 'live_stream.active');
    assert.equal(event.data.id, stream.id);
    assert.equal(event.id, active.headers['tributary-event-id']);
  });

  it('a minted playback token plays the signed stream; without it the edge refuses', async () => {
    const token = await tb.playbackTokens.create({
      body: { playbackId: stream.playbackId, ttlSeconds: 300 },
    });
    assert.ok(token.playback.rtmp?.includes(token.token), 'the ready-made URL carries the token');
    const played = await peers.decodeFrames(token.playback.rtmp as string, 10, ['-rw_timeout', '8000000']);
    assert.equal(played.frames, 10, played.stderr);
    const refused = await peers.decodeFrames(stream.playback.rtmp, 1, ['-rw_timeout', '8000000']);
    assert.equal(refused.frames, 0);
  });

  it('stopping the publisher sends live_stream.idle; sessions and usage are read through the SDK', async () => {
    await peers.stopAll();
    const idle = await receiver.waitForType('live_stream.idle', STEP_MS);
    assert.ok(
      await verifyWebhookSignature({
        payload: idle.raw,
        header: String(idle.headers['tributary-signature']),
        secret,
      }),
    );
    assert.equal((await tb.liveStreams.get({ id: stream.id })).status, 'idle');
    let ended: CallResult<Routes['sessions']['list']>['data'] = [];
    await waitUntil(
      async () => {
        ended = (await tb.sessions.list({ query: { liveStreamId: stream.id, active: 'false' } })).data;
        return ended.length === 1;
      },
      { what: 'the ended session listed', timeoutMs: STEP_MS },
    );
    assert.equal(ended[0]?.liveStreamId, stream.id);
    assert.notEqual(ended[0]?.endedAt, null);
    assert.deepEqual(await tb.sessions.get({ id: ended[0]?.id ?? '' }), ended[0]);
    const usage = await tb.usage.get({
      query: { granularity: 'hour', from: new Date(Date.now() - 3_600_000).toISOString() },
    });
    assert.equal(usage.granularity, 'hour');
    assert.ok(
      usage.data.reduce((sum, row) => sum + row.ingestBytes, 0) > 0,
      `ingest bytes counted: ${JSON.stringify(usage.data)}`,
    );
  });

  it('lists 106 streams with paginate, past one page of 100', async () => {
    const created: string[] = [];
    for (let batch = 0; batch < 7; batch++) {
      const made = await Promise.all(
        Array.from({ length: 15 }, (_, i) =>
          tb.liveStreams.create({ body: { name: `bulk-${batch * 15 + i}` } }),
        ),
      );
      created.push(...made.map((s) => s.id));
    }
    const seen: string[] = [];
    for await (const s of paginate(tb.liveStreams.list)) seen.push(s.id);
    assert.equal(seen.length, 106);
    assert.equal(new Set(seen).size, 106);
    assert.deepEqual(new Set(seen), new Set([...created, stream.id]));
    const sizes: number[] = [];
    for await (const page of pages(tb.liveStreams.list)) sizes.push(page.data.length);
    assert.deepEqual(sizes, [100, 6]);
    const idle = await listAll(tb.liveStreams.list, { query: { status: 'idle', limit: 40 } });
    assert.equal(idle.length, 106);
    await assert.rejects(listAll(tb.liveStreams.list, {}, { maxItems: 105 }), (err: unknown) => {
      return err instanceof TributaryError && err.code === 'pagination_limit';
    });
  });

  it('rotates the key, disables and deletes the stream; a wrong id is a TributaryError not_found', async () => {
    const rotated = await tb.liveStreams.rotateKey({ id: stream.id });
    assert.notEqual(rotated.streamKey, stream.streamKey);
    assert.deepEqual(await tb.liveStreams.revealKey({ id: stream.id }), rotated);
    await tb.liveStreams.disable({ id: stream.id });
    assert.equal((await tb.liveStreams.get({ id: stream.id })).status, 'disabled');
    assert.equal(await tb.liveStreams.delete({ id: stream.id }), undefined);
    for (const id of [stream.id, 'ls_doesnotexist'])
      await assert.rejects(tb.liveStreams.get({ id }), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.status, 404);
        assert.equal(err.code, 'not_found');
        assert.equal(err.route, 'liveStreams.get');
        return true;
      });
    await assert.rejects(tb.liveStreams.create({ body: { name: '' } }), (err: unknown) => {
      return (
        err instanceof TributaryError &&
        err.code === 'validation_failed' &&
        err.details.some((d) => d.field === 'name')
      );
    });
    const stranger = new Tributary({ baseUrl: plane.apis[0]?.url ?? '', apiKey: 'trib_not_a_key' });
    await assert.rejects(stranger.liveStreams.list(), (err: unknown) => {
      return err instanceof TributaryError && err.status === 401 && err.code === 'unauthenticated';
    });
  });
});
