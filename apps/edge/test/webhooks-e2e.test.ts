import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ControlPlane, type EdgeHandle, type StreamHandle, type TenantHandle } from './support/control-plane';
import { Peers } from './support/peers';
import { WebhookReceiver } from './support/webhook-receiver';

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
  let dir: string;
  let plane: ControlPlane;
  let edge: EdgeHandle;
  let owner: TenantHandle;
  let stream: StreamHandle;
  let peers: Peers;
  let clip: string;
  let receiver: WebhookReceiver;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'webhooks-e2e-'));
    receiver = await WebhookReceiver.start();
    plane = await ControlPlane.start({ dir, env: { WEBHOOK_ALLOWED_HOSTS: receiver.allowedHost } });
    owner = await plane.newTenant('Automator');
    stream = await plane.newStream(owner, 'webhooked');
    edge = await plane.startEdge({ name: 'hooks-a' });
    peers = new Peers();
    clip = join(dir, 'clip.flv');
    await peers.makeClip(clip, 2);
  });

  after(async () => {
    await peers?.stopAll();
    await plane?.stop();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a publish sends live_stream.active then live_stream.idle, signed, to the registered endpoint', async () => {
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
