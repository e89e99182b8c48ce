import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangesResponse, ControlEvent } from '@tributary/contracts';
import { createLogger } from '@tributary/service-kit';
import { ControlPlaneError } from './api-client';
import { ControlFeedFollower } from './control-feed';

const silent = createLogger({ name: 'test', level: 'silent' });

const event = (id: string): ControlEvent => ({
  id,
  kind: 'stream_disabled',
  tenantId: 't1',
  liveStreamId: `ls-${id}`,
  signingKeyId: null,
  at: '2026-01-01T00:00:00.000Z',
});

type Step = ChangesResponse | Error;

/** A control plane answering from a script; once it runs out it answers "nothing new" after a few ms. */
function scriptedFeed(steps: Step[]) {
  const asked: Array<string | undefined> = [];
  return {
    asked,
    changes: async (after: string | undefined): Promise<ChangesResponse> => {
      asked.push(after);
      const step = steps.shift();
      if (step instanceof Error) throw step;
      if (step) return step;
      await new Promise((r) => setTimeout(r, 5));
      return { events: [], cursor: after ?? '0', resync: false };
    },
  };
}

async function follow(steps: Step[], resyncResults: boolean[] = []) {
  const feed = scriptedFeed(steps);
  const applied: string[] = [];
  const resyncs: string[] = [];
  const follower = new ControlFeedFollower({
    changes: feed.changes,
    apply: async (events) => {
      applied.push(...events.map((e) => e.id));
    },
    resync: async (reason) => {
      resyncs.push(reason);
      return resyncResults.shift() ?? true;
    },
    waitSeconds: 25,
    logger: silent,
    backoffMinMs: 1,
    backoffMaxMs: 4,
    emptyAnswerPauseMs: 1,
  });
  await follower.start();
  const deadline = Date.now() + 5000;
  while (steps.length > 0) {
    assert.ok(Date.now() < deadline, 'the follower consumed its script within 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 20));
  await follower.stop();
  return { asked: feed.asked, applied, resyncs, position: follower.position };
}

describe('ControlFeedFollower', () => {
  it('takes the head and resyncs at start, then applies events in order from its cursor', async () => {
    const run = await follow([
      { events: [], cursor: '10', resync: true },
      { events: [event('11'), event('12')], cursor: '12', resync: false },
      { events: [event('13')], cursor: '13', resync: false },
    ]);
    assert.deepEqual(run.resyncs, ['start']);
    assert.deepEqual(run.applied, ['11', '12', '13']);
    assert.deepEqual(run.asked.slice(0, 3), [undefined, '10', '12']);
    assert.equal(run.position, '13');
  });

  it('resumes from the same cursor after failures (api restart, network), missing nothing', async () => {
    const run = await follow([
      { events: [], cursor: '5', resync: true },
      new ControlPlaneError('unreachable', 'ECONNREFUSED'),
      new ControlPlaneError('http_status', 'HTTP 503', 503),
      new ControlPlaneError('timeout', 'no answer'),
      { events: [event('6')], cursor: '6', resync: false },
    ]);
    assert.deepEqual(run.asked.slice(0, 5), [undefined, '5', '5', '5', '5']);
    assert.deepEqual(run.applied, ['6']);
  });

  it('resyncs when the api no longer knows its cursor, and retries a resync that failed', async () => {
    const run = await follow(
      [
        { events: [], cursor: '5', resync: true },
        { events: [], cursor: '900', resync: true },
        { events: [], cursor: '900', resync: true },
        { events: [event('901')], cursor: '901', resync: false },
      ],
      [true, false, true],
    );
    assert.deepEqual(run.resyncs, ['start', 'cursor_lost', 'cursor_lost']);
    // The failed resync did not move the cursor: the api was asked from 5 again, then from 900.
    assert.deepEqual(run.asked.slice(0, 4), [undefined, '5', '5', '900']);
    assert.deepEqual(run.applied, ['901']);
  });

  it('retries the head when the api is down at start', async () => {
    const run = await follow([
      new ControlPlaneError('unreachable', 'ECONNREFUSED'),
      { events: [], cursor: '3', resync: true },
      { events: [event('4')], cursor: '4', resync: false },
    ]);
    assert.deepEqual(run.asked.slice(0, 3), [undefined, undefined, '3']);
    assert.deepEqual(run.resyncs, ['start']);
    assert.deepEqual(run.applied, ['4']);
  });
});
