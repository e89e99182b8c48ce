import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FleetEdge } from '@tributary/contracts';
import { EgressMeter, fullReason } from './capacity';
import { pickFleetEdge, redirectUrl } from './choose-edge';
import { LoadBalancer } from './load-balancer';

const edge = (id: string, over: Partial<FleetEdge> = {}): FleetEdge => ({
  edgeId: id,
  name: id,
  region: null,
  rtmpUrl: `rtmp://${id}.example:1935/live`,
  httpUrl: `http://${id}.example:8080`,
  connections: 0,
  viewers: 0,
  maxViewers: null,
  capacity: 100,
  egressBps: 0,
  ...over,
});

function balancer(opts: { viewers?: number; maxViewers?: number; region?: string; now?: () => number } = {}) {
  let viewers = opts.viewers ?? 0;
  const lb = new LoadBalancer({
    limits: { maxViewers: opts.maxViewers },
    region: opts.region,
    viewers: () => viewers,
    egress: new EgressMeter(() => 0),
    fleetMaxAgeMs: () => 3000,
    now: opts.now,
  });
  return { lb, setViewers: (n: number) => (viewers = n) };
}

describe('pickFleetEdge', () => {
  it('takes the least loaded, skips edges at their own viewer cap, prefers the region while it has room', () => {
    const fleet = [
      edge('a', { connections: 50 }),
      edge('b', { connections: 10, viewers: 5, maxViewers: 5 }),
      edge('c', { connections: 20, region: 'eu' }),
      edge('d', { connections: 30, region: 'us' }),
    ];
    assert.equal(pickFleetEdge(fleet)?.edgeId, 'c');
    assert.equal(pickFleetEdge(fleet, 'us')?.edgeId, 'd');
    assert.equal(pickFleetEdge(fleet, 'ap')?.edgeId, 'c');
    assert.equal(pickFleetEdge([edge('full', { connections: 100 })]), undefined);
  });

  it('redirect URLs keep the connect query and refuse non-rtmp targets', () => {
    const q = new URLSearchParams('token=abc&x=1');
    assert.equal(redirectUrl('rtmp://b:1936/live', q), 'rtmp://b:1936/live?token=abc&x=1');
    assert.equal(redirectUrl('http://b/live', q), undefined);
    assert.equal(redirectUrl('not a url', q), undefined);
  });
});

describe('LoadBalancer', () => {
  it('accepts with room; at capacity redirects to a fleet edge, or accepts when there is none', () => {
    const { lb, setViewers } = balancer({ maxViewers: 2 });
    assert.deepEqual(lb.connect(new URLSearchParams()), { kind: 'accept' });
    setViewers(2);
    assert.deepEqual(lb.connect(new URLSearchParams()), { kind: 'accept', full: 'viewers' });
    lb.setFleet([edge('b')]);
    const v = lb.connect(new URLSearchParams('token=t'));
    assert.deepEqual(v, {
      kind: 'redirect',
      url: 'rtmp://b.example:1935/live?token=t',
      edgeId: 'b',
      reason: 'viewers',
    });
  });

  it('draining redirects, or rejects with no candidate', () => {
    const { lb } = balancer();
    lb.startDraining();
    assert.deepEqual(lb.connect(new URLSearchParams()), { kind: 'reject', reason: 'draining' });
    lb.setFleet([edge('b')]);
    assert.equal(lb.connect(new URLSearchParams()).kind, 'redirect');
    assert.equal(lb.hasRoom, false);
  });

  it('a client that came over TLS is sent only to an edge serving RTMPS, at its rtmps:// URL, never to plain RTMP', () => {
    const { lb } = balancer({ maxViewers: 1, viewers: 1 });
    // The least loaded (a) serves no RTMPS; b does.
    lb.setFleet([edge('a'), edge('b', { connections: 50, rtmpsUrl: 'rtmps://b.example/live' })]);
    assert.deepEqual(lb.connect(new URLSearchParams('token=t'), true), {
      kind: 'redirect',
      url: 'rtmps://b.example/live?token=t',
      edgeId: 'b',
      reason: 'viewers',
    });
    assert.equal(lb.target(undefined, true)?.edgeId, 'b');
    // Plain RTMP clients still go to the least loaded, at its rtmp:// URL.
    const plain = lb.connect(new URLSearchParams(), false);
    assert.equal(plain.kind === 'redirect' ? plain.url : plain.kind, 'rtmp://a.example:1935/live');
    // No edge serves RTMPS: a full edge keeps the TLS client rather than downgrade it; a draining one refuses.
    lb.setFleet([edge('a'), edge('c', { rtmpsUrl: null })]);
    assert.deepEqual(lb.connect(new URLSearchParams(), true), { kind: 'accept', full: 'viewers' });
    lb.startDraining();
    assert.deepEqual(lb.connect(new URLSearchParams(), true), { kind: 'reject', reason: 'draining' });
    assert.equal(redirectUrl('rtmps://b:443/live', new URLSearchParams('k=v')), 'rtmps://b:443/live?k=v');
  });

  it('forgets a fleet list older than its max age', () => {
    let now = 0;
    const { lb } = balancer({ maxViewers: 1, viewers: 1, now: () => now });
    lb.setFleet([edge('b')]);
    assert.equal(lb.fleet.length, 1);
    now = 3001;
    assert.equal(lb.fleet.length, 0);
    assert.equal(lb.connect(new URLSearchParams()).kind, 'accept');
  });

  it('SMIL names this edge while it has room and fits the region, else the fleet edge', () => {
    const self = 'rtmp://self:1935/live';
    const { lb, setViewers } = balancer({ maxViewers: 1, region: 'eu' });
    lb.setFleet([edge('b', { region: 'us' }), edge('c', { region: 'eu', connections: 5 })]);
    assert.equal(lb.smilBase(self), self);
    assert.equal(lb.smilBase(self, 'eu'), self);
    assert.equal(lb.smilBase(self, 'us'), 'rtmp://b.example:1935/live');
    assert.equal(lb.smilBase(self, 'ap'), self);
    setViewers(1);
    assert.equal(lb.smilBase(self), 'rtmp://c.example:1935/live');
    lb.setFleet([]);
    assert.equal(lb.smilBase(self), self, 'full with nowhere else: still this edge');
    lb.startDraining();
    assert.equal(lb.smilBase(self), undefined);
  });
});

describe('capacity', () => {
  it('is full at the viewer cap or the egress cap', () => {
    assert.equal(fullReason({}, 10_000, 1e12), undefined);
    assert.equal(fullReason({ maxViewers: 3 }, 3, 0), 'viewers');
    assert.equal(fullReason({ maxEgressBps: 1e6 }, 0, 2e6), 'egress');
  });

  it('measures egress over its window', () => {
    let now = 0;
    let bytes = 0;
    const m = new EgressMeter(
      () => bytes,
      1000,
      () => now,
    );
    assert.equal(m.rate(), 0);
    bytes = 125_000;
    now = 500;
    assert.equal(m.rate(), 0);
    now = 1000;
    assert.equal(m.rate(), 1_000_000);
  });
});
