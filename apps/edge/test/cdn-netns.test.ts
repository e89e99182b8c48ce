import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MessageType } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { createNetnsLab, type NetnsLab, netnsUnavailable, waitUntil } from '@tributary/test-kit';
import { ControlPlane, type EdgeHandle, type StreamHandle, type TenantHandle } from './support/control-plane';
import { Peers } from './support/peers';

/**
 * The fleet over a network: three edges, each on its own host (a network namespace with its own IP,
 * linked by a bridge to the api in the test's namespace). A stream published on edge A plays on edges
 * B and C, which pull it from A over their links. Cutting the path between C and A stalls C's pull:
 * C's viewers stay connected and get media again once the path is back; B's viewers never notice; and
 * nothing is left behind on A (no pull connection per attempt, none after the viewers leave).
 */

/** A scene being set up (an encoder connecting, a pull starting) on a busy 2-core machine. */
const SETUP_DEADLINE_MS = 25_000;
/** How long the path between C and A stays cut. */
const CUT_MS = 6_000;
/** After the path is back, C's viewers get media again within this (the pull notices, re-resolves, re-pulls). */
const RECOVER_DEADLINE_MS = 25_000;

/** An RTMP viewer in the test process that records when each video message arrived. */
class CountingViewer {
  readonly videoAt: number[] = [];
  private client: RtmpClient | undefined;
  closed = false;

  constructor(private readonly url: string) {}

  async start(): Promise<this> {
    const url = new URL(this.url);
    const name = url.pathname.split('/').pop() ?? '';
    url.pathname = url.pathname.slice(0, url.pathname.lastIndexOf('/'));
    const client = new RtmpClient({ url: url.toString(), timeoutMs: SETUP_DEADLINE_MS });
    this.client = client;
    client.on('close', () => {
      this.closed = true;
    });
    await client.connect();
    const stream = await client.createStream();
    stream.on('media', (m: { typeId: number }) => {
      if (m.typeId === MessageType.Video) this.videoAt.push(Date.now());
    });
    void client.play(name, { stream }).catch(() => undefined);
    return this;
  }

  /** Video messages received since `since` (ms epoch). */
  framesSince(since: number): number {
    let n = 0;
    for (let i = this.videoAt.length - 1; i >= 0 && (this.videoAt[i] ?? 0) >= since; i--) n++;
    return n;
  }

  /** The longest wait between two video messages received in [from, to]. */
  longestGap(from: number, to: number): number {
    const inWindow = this.videoAt.filter((t) => t >= from && t <= to);
    let gap = 0;
    for (let i = 1; i < inWindow.length; i++)
      gap = Math.max(gap, (inWindow[i] ?? 0) - (inWindow[i - 1] ?? 0));
    if (inWindow.length > 0) gap = Math.max(gap, (inWindow[0] ?? 0) - from, to - (inWindow.at(-1) ?? 0));
    return inWindow.length === 0 ? to - from : gap;
  }

  close(): void {
    this.client?.close();
  }
}

async function metric(edge: EdgeHandle, name: string): Promise<number> {
  const text = await (await fetch(`${edge.http}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

const skip = netnsUnavailable();

describe('the fleet over real links: edges on their own hosts', { skip, timeout: 240_000 }, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-netns-'));
  const clip = join(dir, 'clip.flv');
  let lab: NetnsLab;
  let plane: ControlPlane;
  let tenant: TenantHandle;
  let stream: StreamHandle;
  const edge: Record<'a' | 'b' | 'c', EdgeHandle | undefined> = { a: undefined, b: undefined, c: undefined };
  const viewers: Record<'a' | 'b' | 'c', CountingViewer[]> = { a: [], b: [], c: [] };
  const allViewers = () => [...viewers.a, ...viewers.b, ...viewers.c];

  const on = (which: 'a' | 'b' | 'c') => {
    const e = edge[which];
    assert.ok(e, `edge ${which} started`);
    return e;
  };

  before(async () => {
    await peers.makeClip(clip, 4);
    lab = createNetnsLab(3);
    // The api listens on the bridge's address too: the edges reach it from their hosts.
    plane = await ControlPlane.start({ dir, env: { API_HOST: '0.0.0.0' } });
    tenant = await plane.newTenant('Fleet');
    stream = await plane.newStream(tenant, 'over the network');
    const names = ['a', 'b', 'c'] as const;
    for (const [i, host] of lab.hosts.entries()) {
      const which = names[i];
      if (which === undefined) continue;
      edge[which] = await plane.startEdge({
        name: `edge-${which}`,
        host,
        apiHost: lab.gatewayIp,
        // Quick to notice a stalled pull and to let go of an idle one, so the test stays short.
        env: { RELAY_LINGER_MS: '1000', CONNECTION_IDLE_TIMEOUT_MS: '5000' },
      });
    }
  });

  after(async () => {
    for (const v of allViewers()) v.close();
    await peers.stopAll();
    await plane?.stop();
    lab?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes on edge A, and edges B and C play it by pulling from A over their links', async () => {
    peers.publish(clip, `${on('a').rtmp}/${stream.streamKey}`);
    for (const which of ['a', 'b', 'c', 'b', 'c'] as const) {
      viewers[which].push(await new CountingViewer(`${on(which).rtmp}/${stream.playbackId}`).start());
    }
    await waitUntil(() => allViewers().every((v) => v.videoAt.length >= 25), {
      what: 'every viewer, on every edge, receiving video',
      timeoutMs: SETUP_DEADLINE_MS,
    });
    // One pull per edge whatever its viewer count: A serves its own viewer and one relay each for B and C.
    await waitUntil(async () => (await metric(on('a'), 'tributary_edge_connections')) === 4, {
      what: "A's connections: the publisher, its viewer and one pull each from B and C",
      timeoutMs: SETUP_DEADLINE_MS,
    });
  });

  it("cutting C's path to A stalls only C; C's viewers get media again once the path is back", async () => {
    const [c, a] = [lab.hosts[2], lab.hosts[0]];
    assert.ok(c && a);
    const [bViewers, cViewers] = [viewers.b, viewers.c];
    const cutAt = Date.now();
    lab.block(c, a.ip);
    await new Promise((r) => setTimeout(r, CUT_MS));
    const restoredAt = Date.now();
    lab.unblock(c, a.ip);
    // B's viewers never waited more than a GOP's worth between frames.
    for (const v of bViewers) {
      const gap = v.longestGap(cutAt, restoredAt);
      assert.ok(gap < 1500, `a viewer on B waited ${gap} ms between frames while C was cut`);
    }
    // C's viewers saw the stall (the cut is real) and stayed connected through it.
    for (const v of cViewers) {
      assert.ok(v.longestGap(cutAt + 1500, restoredAt) > 2000, 'the cut stalled C');
      assert.equal(v.closed, false, "C's viewers stay connected while the pull recovers");
    }
    await waitUntil(() => cViewers.every((v) => v.framesSince(restoredAt) >= 25), {
      what: "C's viewers receiving video again after the path is back",
      timeoutMs: RECOVER_DEADLINE_MS,
    });
    // Nothing leaked on A: still one pull from C (the stalled one was closed, not kept beside the new one).
    await waitUntil(async () => (await metric(on('a'), 'tributary_edge_connections')) === 4, {
      what: "A's connections back to the publisher, its viewer and one pull each from B and C",
      timeoutMs: RECOVER_DEADLINE_MS,
    });
  });

  it('when the viewers leave, B and C stop pulling and A is left with its publisher', async () => {
    for (const v of allViewers()) v.close();
    await waitUntil(async () => (await metric(on('a'), 'tributary_edge_connections')) === 1, {
      what: "A's connections down to the publisher alone",
      timeoutMs: SETUP_DEADLINE_MS,
    });
    for (const which of ['b', 'c'] as const) {
      assert.equal(await metric(on(which), 'tributary_edge_connections'), 0, `${which} holds no connection`);
    }
  });
});
