import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  listOf,
  UsageAlertSchema,
  UsageThresholdEventDataSchema,
  WebhookHeaders,
} from '@tributary/contracts';
import { parseWebhookEvent } from '@tributary/sdk';
import { waitUntil } from '@tributary/test-kit';
import { startWebhookScene, type WebhookScene } from './support/webhook-scene';

/**
 * Usage alerts end to end (issue 15): ffmpeg publishes to a real edge following a real api and ffmpeg plays
 * from it; the edge's session reports (every second here) carry the bytes in and out to the api, whose
 * usage alerts on a small ingestBytes and egressBytes threshold each cross once. The customer's receiver (a
 * node:http server on 127.0.0.1, allowed through WEBHOOK_ALLOWED_HOSTS) gets exactly one usage.threshold
 * event per alert, verified by the SDK's parseWebhookEvent, and nothing more while usage keeps growing.
 */
const STEP_DEADLINE_MS = 20_000;
/** Ingest and egress thresholds: a few seconds of the 25 fps test clip, in and out. */
const INGEST_THRESHOLD = 100_000;
const EGRESS_THRESHOLD = 50_000;

describe('usage alerts with a real edge, ffmpeg and a webhook receiver', { timeout: 120_000 }, () => {
  let scene: WebhookScene;

  before(async () => {
    scene = await startWebhookScene({
      dir: 'usage-alerts-e2e',
      tenant: 'Metered',
      stream: 'metered',
      edge: 'usage-a',
    });
  });

  after(async () => {
    await scene?.stop();
  });

  it('a publisher and a viewer cross an ingest and an egress threshold: one signed usage.threshold each', async () => {
    const { plane, edge, owner, stream, peers, clip, receiver } = scene;
    const api = plane.via(0);
    const got = receiver.received;
    const hook = await api<{ secret: string }>(
      'POST',
      '/v1/webhooks',
      { bearer: owner.key },
      { url: receiver.url('/usage'), events: ['usage.threshold'] },
    );
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const alerts = [];
    for (const [metric, threshold] of [
      ['ingestBytes', INGEST_THRESHOLD],
      ['egressBytes', EGRESS_THRESHOLD],
    ] as const) {
      const res = await api(
        'POST',
        '/v1/usage-alerts',
        { bearer: owner.key },
        { metric, threshold, period: 'day' },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      alerts.push(UsageAlertSchema.parse(res.body));
    }

    peers.publish(clip, `${edge.rtmp}/${stream.streamKey}`);
    // A viewer decodes 75 frames (3 s) over RTMP from the same edge: the egress.
    const played = await peers.decodeFrames(`${edge.rtmp}/${stream.playbackId}`, 75);
    assert.equal(played.frames, 75, played.stderr);
    await receiver.waitForCount(2, STEP_DEADLINE_MS, 'two usage.threshold deliveries');
    // Usage keeps growing for three more reports: no alert fires again in the same day.
    const settledAt = Date.now();
    await waitUntil(
      async () => {
        if (Date.now() - settledAt < 3000) return false;
        const list = await api('GET', '/v1/usage-alerts', { bearer: owner.key });
        const data = listOf(UsageAlertSchema).parse(list.body).data;
        return data.every((a) => a.current.value > 2 * a.threshold);
      },
      { timeoutMs: STEP_DEADLINE_MS, what: 'usage past twice each threshold' },
    );
    assert.equal(got.length, 2, 'one event per alert');

    const events = await Promise.all(
      got.map((g) =>
        parseWebhookEvent({
          payload: g.body,
          header: String(g.headers[WebhookHeaders.signature]),
          secret: hook.body.secret,
        }),
      ),
    );
    for (const [i, e] of events.entries()) {
      assert.equal(e.type, 'usage.threshold');
      assert.equal(got[i]?.headers[WebhookHeaders.eventId], e.id);
    }
    const byMetric = new Map(events.map((e) => [UsageThresholdEventDataSchema.parse(e.data).metric, e]));
    for (const alert of alerts) {
      const data = UsageThresholdEventDataSchema.parse(byMetric.get(alert.metric)?.data);
      assert.equal(data.alertId, alert.id);
      assert.equal(data.threshold, alert.threshold);
      assert.equal(data.period, 'day');
      assert.equal(data.periodStart, alert.current.periodStart);
      assert.equal(data.periodEnd, alert.current.periodEnd);
      assert.ok(data.value >= alert.threshold, `${alert.metric}: ${data.value} reached ${alert.threshold}`);
    }
    const list = listOf(UsageAlertSchema).parse(
      (await api('GET', '/v1/usage-alerts', { bearer: owner.key })).body,
    );
    for (const a of list.data) assert.ok(a.current.firedAt, `${a.metric} shows when it fired`);
  });
});
