import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startWebhookScene, type WebhookScene } from './support/webhook-scene';

/**
 * Webhooks end to end (issue 15): ffmpeg publishes to a real edge following a real api; the customer's
 * receiver (a node:http server on 127.0.0.1, allowed through WEBHOOK_ALLOWED_HOSTS) gets live_stream.active
 * when the publisher starts and live_stream.idle when it stops, in that order, each verified with the
 * documented recipe: hex HMAC-SHA256(secret, t + "." + raw body) against `Tributary-Signature: t=…,v1=…`.
 */
const STEP_DEADLINE_MS = 20_000;

function verify(headers: IncomingHttpHeaders, body: string, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['tributary-signature'] ?? ''));
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2] as string, 'hex'));
}

describe('webhooks with a real edge and ffmpeg', { timeout: 180_000 }, () => {
  let scene: WebhookScene;

  before(async () => {
    scene = await startWebhookScene({
      dir: 'webhooks-e2e',
      tenant: 'Automator',
      stream: 'webhooked',
      edge: 'hooks-a',
    });
  });

  after(async () => {
    await scene?.stop();
  });

  it('a publish sends live_stream.active then live_stream.idle, signed, to the registered endpoint', async () => {
    const { plane, edge, owner, stream, peers, clip, receiver } = scene;
    const hook = await plane.via(0)<{ id: string; secret: string }>(
      'POST',
      '/v1/webhooks',
      { bearer: owner.key },
      { url: receiver.url('/tributary'), events: ['live_stream.active', 'live_stream.idle'] },
    );
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const publisher = peers.publish(clip, `${edge.rtmp}/${stream.streamKey}`);
    await receiver.waitForCount(1, STEP_DEADLINE_MS, 'live_stream.active delivered');
    publisher.kill('SIGTERM');
    const got = await receiver.waitForCount(2, STEP_DEADLINE_MS, 'live_stream.idle delivered');
    // Nothing else arrives (one activation, one end).
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(got.length, 2);
    const payloads = got.map((g) => JSON.parse(g.body) as { id: string; type: string; data: { id: string } });
    assert.deepEqual(
      payloads.map((p) => p.type),
      ['live_stream.active', 'live_stream.idle'],
    );
    for (const [i, g] of got.entries()) {
      assert.ok(verify(g.headers, g.body, hook.body.secret), 'the signature verifies');
      assert.equal(payloads[i]?.data.id, stream.id);
      assert.equal(g.headers['tributary-event-id'], payloads[i]?.id);
    }
    assert.notEqual(payloads[0]?.id, payloads[1]?.id);
  });
});
