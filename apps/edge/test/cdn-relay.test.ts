import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EdgeApiPaths, PlaybackHttpPaths, RELAY_TOKEN_AUDIENCE } from '@tributary/contracts';
import { MessageType, RtmpError, StatusCode } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { waitUntil, withDeadline } from '@tributary/test-kit';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { ControlPlane, type EdgeHandle, type StreamHandle, type TenantHandle } from './support/control-plane';
import { Peers } from './support/peers';

/**
 * Origin–edge distribution (issue 11) with real processes: the api on its database and four edges.
 * ffmpeg publishes to A; B and C play it by pulling it from A (one pull per edge, whatever its viewer
 * count), over RTMP (ffmpeg, rtmpdump --subscribe), HTTP-FLV and HLS; D pulls through B (its
 * EDGE_UPSTREAM_URL), a three-level tree; viewers on C stay connected while the publisher moves from A
 * to B; pulls stop when the viewers leave. A signed stream's viewer without a token is refused on B,
 * and the relay path opens only with a real relay token for that stream.
 */

/** A scene being set up (an encoder connecting, a pull starting) on a busy 2-core machine. */
const SETUP_DEADLINE_MS = 20_000;
/** After the publisher moves, C's viewers get video again within this. */
const MOVE_DEADLINE_MS = 10_000;

/** An RTMP viewer in the test process: records when video arrives and every onStatus code. */
class Viewer {
  readonly videoAt: number[] = [];
  readonly statuses: string[] = [];
  private client: RtmpClient | undefined;
  closed = false;

  constructor(
    private readonly app: string,
    private readonly name: string,
  ) {}

  async start(): Promise<this> {
    const client = new RtmpClient({ url: this.app, timeoutMs: SETUP_DEADLINE_MS });
    this.client = client;
    client.on('close', () => {
      this.closed = true;
    });
    await client.connect();
    const stream = await client.createStream();
    stream.on('media', (m: { typeId: number }) => {
      if (m.typeId === MessageType.Video) this.videoAt.push(Date.now());
    });
    stream.on('status', (s: { code: string }) => this.statuses.push(s.code));
    void client.play(this.name, { stream }).catch(() => undefined);
    return this;
  }

  framesSince(since: number): number {
    return this.videoAt.filter((t) => t >= since).length;
  }

  close(): void {
    this.client?.close();
  }
}

async function metrics(edge: EdgeHandle): Promise<string> {
  return (await fetch(`${edge.http}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
}

/** The value of one sample (`name` with its labels, e.g. `x_total{result="live"}`); 0 when absent. */
async function metric(edge: EdgeHandle, sample: string): Promise<number> {
  const line = (await metrics(edge)).split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

/** Plays `name` at `app` with our client; the play's refusal (or Play.Start) as a status code. */
async function playOutcome(app: string, name: string): Promise<string> {
  const client = new RtmpClient({ url: app, timeoutMs: 10_000 });
  try {
    await client.connect();
    await client.play(name);
    return StatusCode.PlayStart;
  } catch (err) {
    if (err instanceof RtmpError)
      return String((err.details?.info as { code?: string })?.code ?? err.message);
    throw err;
  } finally {
    client.close();
  }
}

describe('origin–edge distribution across four real edges', { timeout: 120_000 }, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-cdn-'));
  const clip = join(dir, 'clip.flv');
  let plane: ControlPlane;
  let tenant: TenantHandle;
  let open: StreamHandle;
  let signed: StreamHandle;
  let a: EdgeHandle;
  let b: EdgeHandle;
  let c: EdgeHandle;
  let d: EdgeHandle;
  let publisher: ChildProcess;
  let early: Viewer;
  const viewers: Viewer[] = [];

  before(async () => {
    await peers.makeClip(clip, 4);
    plane = await ControlPlane.start({ dir });
    tenant = await plane.newTenant('Distribution');
    open = await plane.newStream(tenant, 'relayed');
    signed = await plane.newStream(tenant, 'relayed and signed', 'signed');
    // Quick to let go of an idle pull and to notice a silent one, so the test stays short.
    const env = {
      RELAY_LINGER_MS: '1000',
      RELAY_STALL_TIMEOUT_MS: '3000',
      PUBLISHER_IDLE_TIMEOUT_MS: '3000',
    };
    [a, b, c] = (await Promise.all(
      ['a', 'b', 'c'].map((n) => plane.startEdge({ name: `edge-${n}`, env })),
    )) as [EdgeHandle, EdgeHandle, EdgeHandle];
    d = await plane.startEdge({ name: 'edge-d', env: { ...env, EDGE_UPSTREAM_URL: b.rtmp } });
  });

  after(async () => {
    early?.close();
    for (const v of viewers) v.close();
    await peers.stopAll();
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('before the stream is live anywhere, FCSubscribe on B answers StreamNotFound and a viewer on C waits', async () => {
    const client = new RtmpClient({ url: b.rtmp, timeoutMs: 10_000 });
    try {
      await client.connect();
      const answer = await client.fcSubscribe(open.playbackId);
      assert.equal(answer.code, StatusCode.PlayStreamNotFound);
    } finally {
      client.close();
    }
    early = await new Viewer(c.rtmp, open.playbackId).start();
    await waitUntil(async () => (await metric(c, 'tributary_edge_viewers')) === 1, {
      what: 'the early viewer waiting on C',
      timeoutMs: SETUP_DEADLINE_MS,
    });
  });

  it('published on A, the early viewer on C starts, and B plays it to ffmpeg (frames decode)', async () => {
    publisher = peers.publish(clip, `${a.rtmp}/${open.streamKey}`);
    await waitUntil(() => early.videoAt.length >= 25, {
      what: 'the viewer who played before the publisher started receiving video on C',
      timeoutMs: SETUP_DEADLINE_MS,
    });
    const played = await peers.decodeFrames(`${b.rtmp}/${open.playbackId}`, 30);
    assert.equal(played.frames, 30, played.stderr);
  });

  it('B plays it to rtmpdump --live --subscribe (FCSubscribe answered Play.Start: live in the fleet)', async () => {
    const client = new RtmpClient({ url: b.rtmp, timeoutMs: 10_000 });
    try {
      await client.connect();
      assert.equal((await client.fcSubscribe(open.playbackId)).code, StatusCode.PlayStart);
    } finally {
      client.close();
    }
    const dumped = await peers.rtmpdumpFrames(
      ['-r', `${b.rtmp}/${open.playbackId}`, '--subscribe', open.playbackId],
      join(dir, 'subscribed.flv'),
      3,
    );
    assert.ok(dumped.frames >= 25, `rtmpdump saved ${dumped.frames} frames`);
  });

  it('C serves it over HTTP-FLV and HLS (ffmpeg reads both)', async () => {
    const flv = await peers.decodeFrames(`${c.http}${PlaybackHttpPaths.flv(open.playbackId)}`, 30);
    assert.equal(flv.frames, 30, flv.stderr);
    const hls = await peers.decodeFrames(`${c.http}${PlaybackHttpPaths.hlsPlaylist(open.playbackId)}`, 30);
    assert.equal(hls.frames, 30, hls.stderr);
  });

  it('D pulls through B (EDGE_UPSTREAM_URL): origin → mid-tier → edge', async () => {
    const served = await metric(b, 'tributary_edge_relay_viewers_served_total');
    const v = await new Viewer(d.rtmp, open.playbackId).start();
    viewers.push(v);
    await waitUntil(() => v.videoAt.length >= 25, { what: 'video on D', timeoutMs: SETUP_DEADLINE_MS });
    assert.ok((await metric(b, 'tributary_edge_relay_viewers_served_total')) > served, "B served D's pull");
    // A holds the publisher and one pull each from B and C: D is not connected to the origin.
    assert.equal(await metric(a, 'tributary_edge_connections'), 3, 'D did not pull from the origin');
    assert.equal(await metric(d, 'tributary_edge_relay_pulls'), 1);
  });

  it('one pull per edge: more viewers on C share its pull', async () => {
    for (let i = 0; i < 3; i++) viewers.push(await new Viewer(c.rtmp, open.playbackId).start());
    await waitUntil(() => viewers.every((v) => v.videoAt.length >= 10), {
      what: 'every viewer receiving video',
      timeoutMs: SETUP_DEADLINE_MS,
    });
    assert.equal(await metric(c, 'tributary_edge_relay_pulls'), 1);
    assert.equal(await metric(c, 'tributary_edge_relay_pull_starts_total{result="live"}'), 1);
    // A: the publisher and one pull each from B (which also serves D) and C.
    assert.equal(await metric(a, 'tributary_edge_connections'), 3);
    assert.equal(await metric(a, 'tributary_edge_publishers'), 1);
    assert.equal(await metric(c, 'tributary_edge_publishers'), 0, 'a pull is not a publisher');
  });

  it('a signed stream relayed to B refuses a viewer without a token and plays one with a token', async () => {
    peers.publish(clip, `${a.rtmp}/${signed.streamKey}`);
    const refused = await new Viewer(b.rtmp, signed.playbackId).start();
    viewers.push(refused);
    await waitUntil(() => refused.statuses.includes(StatusCode.PlayFailed), {
      what: 'the tokenless viewer of the signed stream refused on B',
      timeoutMs: SETUP_DEADLINE_MS,
    });
    assert.equal(refused.videoAt.length, 0, 'no video reached the refused viewer');
    // Known live on A, a tokenless play on C is refused at once, as for a local publisher (the play itself fails).
    assert.equal(await playOutcome(c.rtmp, signed.playbackId), StatusCode.PlayFailed);
    const minted = await plane.mintPlaybackToken(tenant, signed.playbackId);
    const played = await peers.decodeFrames(`${b.rtmp}/${signed.playbackId}?token=${minted.token}`, 10);
    assert.equal(played.frames, 10, played.stderr);
  });

  it('the relay path opens only with a real relay token for the played stream', async () => {
    // A relay token as the api issues one to an edge (an edge credential is needed to ask).
    const thief = await plane.registerEdge({ name: 'not-started' });
    const asked = await fetch(`${plane.apis[0]?.url}${EdgeApiPaths.streamOrigin(signed.playbackId)}`, {
      headers: { authorization: `Bearer ${thief.credential}` },
      signal: AbortSignal.timeout(5000),
    });
    const origin = (await asked.json()) as { live: boolean; relayToken: string };
    assert.equal(origin.live, true);
    const relay = origin.relayToken;
    const viewerToken = (await plane.mintPlaybackToken(tenant, signed.playbackId)).token;
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = await new SignJWT({ edg: 'x' })
      .setProtectedHeader({ alg: 'EdDSA', kid: decodeProtectedHeader(relay).kid ?? '' })
      .setSubject(signed.playbackId)
      .setAudience(RELAY_TOKEN_AUDIENCE)
      .setExpirationTime('60s')
      .sign(privateKey);
    const id = signed.playbackId;
    assert.equal(await playOutcome(a.rtmp, `${id}?relay=${forged}`), StatusCode.PlayFailed, 'forged');
    assert.equal(
      await playOutcome(a.rtmp, `${id}?relay=${viewerToken}`),
      StatusCode.PlayFailed,
      'viewer token',
    );
    assert.equal(
      await playOutcome(a.rtmp, `${open.playbackId}?relay=${relay}`),
      StatusCode.PlayFailed,
      'other stream',
    );
    // A relay token as a viewer's token is no token at all for a signed stream's policy: refused.
    assert.equal(await playOutcome(a.rtmp, `${id}?token=${relay}`), StatusCode.PlayFailed, 'relay as token');
    // The real one, in the play name and in the connect URL, opens the signed stream without a viewer token.
    assert.equal(await playOutcome(`${a.rtmp}?relay=${relay}`, `${id}?relay=${relay}`), StatusCode.PlayStart);
    const text = await metrics(a);
    assert.match(text, /tributary_edge_play_authorizations_total\{result="relay_bad_signature"\} 1/);
    assert.match(text, /tributary_edge_play_authorizations_total\{result="relay_wrong_audience"\} 1/);
    assert.match(text, /tributary_edge_play_authorizations_total\{result="relay_wrong_stream"\} 1/);
    assert.match(text, /tributary_edge_play_authorizations_total\{result="token_wrong_audience"\} 1/);
  });

  it("the publisher moves from A to B: C's viewers stay connected and get video again", async () => {
    const onC = [early, ...viewers.filter((_, i) => i >= 1 && i <= 3)];
    publisher.kill('SIGKILL');
    await once(publisher, 'exit');
    const movedAt = Date.now();
    publisher = peers.publish(clip, `${b.rtmp}/${open.streamKey}`);
    await waitUntil(() => onC.every((v) => v.framesSince(movedAt + 500) >= 25), {
      what: "C's viewers receiving video from the publisher's new edge",
      timeoutMs: MOVE_DEADLINE_MS + SETUP_DEADLINE_MS,
    });
    const resumedIn = Date.now() - movedAt;
    for (const v of onC) assert.equal(v.closed, false, "C's viewers stayed connected");
    assert.ok(
      onC.every(
        (v) =>
          v.statuses.includes(StatusCode.PlayUnpublishNotify) &&
          v.statuses.includes(StatusCode.PlayPublishNotify),
      ),
      'they were told the stream stopped and started again, as on a local re-publish',
    );
    assert.ok(resumedIn < MOVE_DEADLINE_MS + 5000, `video resumed ${resumedIn} ms after the move`);
    // A has no publisher of it any more: C now pulls from B.
    assert.equal(
      await metric(a, 'tributary_edge_publishers'),
      1,
      "A keeps only the signed stream's publisher",
    );
  });

  it('when the viewers leave, the pulls stop', async () => {
    early.close();
    for (const v of viewers) v.close();
    await withDeadline(
      waitUntil(
        async () =>
          (await metric(c, 'tributary_edge_relay_pulls')) === 0 &&
          (await metric(d, 'tributary_edge_relay_pulls')) === 0 &&
          (await metric(b, 'tributary_edge_relay_pulls')) === 0,
        { what: 'no pull left on B, C or D', timeoutMs: SETUP_DEADLINE_MS },
      ),
      'pulls stopping',
      SETUP_DEADLINE_MS + 1000,
    );
    // B: its publisher alone; A: the signed stream's publisher alone.
    await waitUntil(
      async () =>
        (await metric(b, 'tributary_edge_connections')) === 1 &&
        (await metric(a, 'tributary_edge_connections')) === 1,
      { what: "B and A down to their publishers' connections", timeoutMs: SETUP_DEADLINE_MS },
    );
    assert.ok((await metric(c, 'tributary_edge_relay_pulls_ended_total{reason="no_viewers"}')) >= 1);
  });
});
