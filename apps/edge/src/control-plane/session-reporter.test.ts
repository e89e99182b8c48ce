import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionEndRequest, SessionStatsRequest } from '@tributary/contracts';
import { createLogger } from '@tributary/service-kit';
import { ControlPlaneError } from './api-client';
import { SessionReporter, type SessionTotals } from './session-reporter';

const logger = createLogger({ name: 'test', level: 'silent', format: 'json' });

function recordingApi() {
  const log = {
    starts: 0,
    stats: [] as SessionStatsRequest[],
    ends: [] as SessionEndRequest[],
    failStart: false,
    failStats: false,
  };
  const api = {
    startSession: async () => {
      log.starts += 1;
      if (log.failStart) throw new ControlPlaneError('unreachable', 'down');
      return 'sess-1';
    },
    reportStats: async (_id: string, req: SessionStatsRequest) => {
      if (log.failStats) throw new ControlPlaneError('timeout', 'slow');
      log.stats.push(req);
    },
    endSession: async (_id: string, req: SessionEndRequest) => {
      log.ends.push(req);
    },
  };
  return { api, log };
}

function reporter(api: ReturnType<typeof recordingApi>['api'], totals: SessionTotals, clock: { t: number }) {
  return new SessionReporter({
    api,
    start: { liveStreamId: 'ls1', clientIp: '127.0.0.1', video: null, audio: null },
    read: () => totals,
    intervalMs: 60_000,
    logger,
    now: () => clock.t,
  });
}

describe('SessionReporter', () => {
  it('reports deltas since the last accepted report and the bitrate over the interval', async () => {
    const { api, log } = recordingApi();
    const clock = { t: 0 };
    const totals: SessionTotals = {
      viewers: 2,
      bytesIn: 0,
      bytesOut: 0,
      viewerSeconds: 0,
      video: null,
      audio: null,
    };
    const r = reporter(api, totals, clock);
    await r.begin();
    assert.equal(r.id, 'sess-1');
    Object.assign(totals, { bytesIn: 1_250_000, bytesOut: 2_500_000, viewerSeconds: 20 });
    clock.t = 10_000;
    await r.tick();
    Object.assign(totals, { bytesIn: 1_500_000, bytesOut: 3_000_000, viewerSeconds: 40 });
    clock.t = 20_000;
    await r.tick();
    assert.deepEqual(
      log.stats.map((s) => [s.bitrateKbps, s.bytesInDelta, s.bytesOutDelta, s.viewerSecondsDelta, s.viewers]),
      [
        [1000, 1_250_000, 2_500_000, 20, 2],
        [200, 250_000, 500_000, 20, 2],
      ],
    );
    await r.end('publisher_closed');
  });

  it('carries a failed report into the next one and into the end report', async () => {
    const { api, log } = recordingApi();
    const clock = { t: 0 };
    const totals: SessionTotals = {
      viewers: 1,
      bytesIn: 0,
      bytesOut: 0,
      viewerSeconds: 0,
      video: null,
      audio: null,
    };
    const r = reporter(api, totals, clock);
    await r.begin();
    log.failStats = true;
    Object.assign(totals, { bytesIn: 100, bytesOut: 200, viewerSeconds: 5 });
    await r.tick();
    Object.assign(totals, { bytesIn: 300, bytesOut: 600, viewerSeconds: 9 });
    await r.end('publisher_closed');
    assert.deepEqual(log.ends, [
      { reason: 'publisher_closed', bytesInDelta: 300, bytesOutDelta: 600, viewerSecondsDelta: 9 },
    ]);
  });

  it('retries a failed start on the next tick and reports nothing until it succeeds', async () => {
    const { api, log } = recordingApi();
    const totals: SessionTotals = {
      viewers: 0,
      bytesIn: 10,
      bytesOut: 0,
      viewerSeconds: 0,
      video: null,
      audio: null,
    };
    log.failStart = true;
    const r = reporter(api, totals, { t: 0 });
    await r.begin();
    assert.equal(r.id, undefined);
    await r.tick();
    assert.equal(log.stats.length, 0);
    log.failStart = false;
    await r.tick();
    assert.equal(r.id, 'sess-1');
    assert.equal(log.starts, 3);
    assert.equal(log.stats.length, 1);
    await r.end('done');
  });

  it('ends once, even when called twice', async () => {
    const { api, log } = recordingApi();
    const totals: SessionTotals = {
      viewers: 0,
      bytesIn: 0,
      bytesOut: 0,
      viewerSeconds: 0,
      video: null,
      audio: null,
    };
    const r = reporter(api, totals, { t: 0 });
    await r.begin();
    await Promise.all([r.end('a'), r.end('b')]);
    assert.equal(log.ends.length, 1);
  });
});
