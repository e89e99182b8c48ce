import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PLAYBACK_TOKEN_AUDIENCE } from '@tributary/contracts';
import { SignJWT } from 'jose';
import { type RunningEdge, startEdge, until } from './support/edge-harness';
import { Peers } from './support/peers';

const signingKey = generateKeyPairSync('ed25519');

function token(sub: string, expInSeconds = 600): Promise<string> {
  return new SignJWT({ aud: PLAYBACK_TOKEN_AUDIENCE, sub, exp: Math.floor(Date.now() / 1000) + expInSeconds })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'platform-1' })
    .sign(signingKey.privateKey);
}

interface Answer {
  status: number;
  body: Buffer;
}

/** One RTMPT POST (keep-alive agent), optionally from another loopback address. */
function post(
  base: URL,
  path: string,
  body: Buffer = Buffer.from([0]),
  opts: { agent?: http.Agent; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        agent: opts.agent,
        localAddress: opts.localAddress,
        headers: { 'content-type': 'application/x-fcs', 'content-length': body.length },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error(`POST ${path} timed out`)));
    req.once('error', reject);
    req.end(body);
  });
}

async function openSession(
  base: URL,
  opts: { agent?: http.Agent; localAddress?: string } = {},
): Promise<string> {
  const a = await post(base, '/open/1', undefined, opts);
  assert.equal(a.status, 200);
  return a.body.toString('latin1').trim();
}

const SLOW_DISCONNECTS = /^tributary_edge_slow_viewer_disconnects_total (\d+)$/m;

describe('RTMPT on the edge with ffmpeg and rtmpdump', { timeout: 300_000 }, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-rtmpt-'));
  const clip = join(dir, 'clip.flv');
  let run: RunningEdge;
  let base: URL;
  let rtmptUrl: string;
  /** The clip's own pictures (framemd5): every frame a viewer decodes must be one of them. */
  let clipHashes: Set<string>;
  const slowDisconnects = (): number =>
    Number(SLOW_DISCONNECTS.exec(run.edge.metrics.registry.render())?.[1] ?? 0);

  before(async () => {
    await peers.makeClip(clip);
    run = await startEdge({
      AUTH_FAILURES_BEFORE_DELAY: '50',
      RTMPT_BODY_TIMEOUT_MS: '1000',
      // small bounds, so a viewer that stops polling meets them within seconds
      VIEWER_QUEUE_MAX_BYTES: String(64 * 1024),
      VIEWER_MAX_LAG_MS: '2000',
      // long enough that none of the 10,000 is reaped while they are still being opened on a busy machine
      RTMPT_IDLE_TIMEOUT_MS: '30000',
      RTMPT_MAX_SESSIONS: '10000',
      RTMPT_MAX_SESSIONS_PER_IP: '100',
      // the sessions' RTMP handshakes never start: RTMPT's own reaping ends them, not this
      HANDSHAKE_TIMEOUT_MS: '120000',
    });
    base = new URL(run.httpUrl);
    rtmptUrl = `rtmpt://127.0.0.1:${base.port}/live`;
    const jwk = signingKey.publicKey.export({ format: 'jwk' }) as { x: string };
    run.api.playbackKeys = [
      { kid: 'platform-1', tenantId: null, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } },
    ];
    await run.edge.refreshPlaybackKeys();
    run.api.allow('public-key', { playbackId: 'publicpb' });
    run.api.allow('tunnel-key', { playbackId: 'tunnelpb' });
    run.api.allow('signed-key', { playbackId: 'signedpb', playbackPolicy: 'signed' });
    const own = await peers.decodeFrames(clip, 1000);
    clipHashes = new Set(own.hashes);
    assert.ok(clipHashes.size >= 90, `the clip has ${clipHashes.size} distinct pictures`);
    peers.publish(clip, `${run.rtmpUrl}/public-key`);
    await until(() => run.edge.registry.get('publicpb')?.isLive === true);
  });

  after(async () => {
    await peers.stopAll();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ffmpeg -i rtmpt:// plays the stream published over RTMP, the same pictures as over RTMP', async () => {
    const [overRtmpt, overRtmp] = await Promise.all([
      peers.decodeFrames(`${rtmptUrl}/publicpb`, 50),
      peers.decodeFrames(`${run.rtmpUrl}/publicpb`, 50),
    ]);
    assert.equal(overRtmpt.frames, 50, overRtmpt.stderr);
    assert.equal(overRtmp.frames, 50, overRtmp.stderr);
    for (const h of overRtmpt.hashes) assert.ok(clipHashes.has(h), 'a picture over RTMPT is the publisher’s');
    for (const h of overRtmp.hashes) assert.ok(clipHashes.has(h), 'a picture over RTMP is the publisher’s');
  });

  it('rtmpdump -r rtmpt:// plays it', async () => {
    const r = await peers.rtmpdumpFrames(['-r', `${rtmptUrl}/publicpb`], join(dir, 'rtmpt.flv'));
    assert.ok(r.frames >= 25, `rtmpdump saved ${r.frames} frames`);
  });

  it('ffmpeg publishes over rtmpt:// and a viewer plays it over RTMP', async () => {
    peers.publish(clip, `${rtmptUrl}/tunnel-key`);
    await until(() => run.edge.registry.get('tunnelpb')?.isLive === true);
    const played = await peers.decodeFrames(`${run.rtmpUrl}/tunnelpb`, 50);
    assert.equal(played.frames, 50, played.stderr);
    for (const h of played.hashes) assert.ok(clipHashes.has(h));
    assert.ok(run.edge.rtmpt !== undefined && run.edge.rtmpt.sessions >= 1);
  });

  it('a signed stream over RTMPT: a forged or missing token is refused as over RTMP, a valid one plays', async () => {
    peers.publish(clip, `${run.rtmpUrl}/signed-key`);
    await until(() => run.edge.registry.get('signedpb')?.isLive === true);
    const otherKey = generateKeyPairSync('ed25519');
    const forged = await new SignJWT({
      aud: PLAYBACK_TOKEN_AUDIENCE,
      sub: 'signedpb',
      exp: Math.floor(Date.now() / 1000) + 600,
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'platform-1' })
      .sign(otherKey.privateKey);
    const refusals = (): Map<string, number> =>
      new Map(run.edge.metrics.playAuth.samples().map(([labels, n]) => [String(labels.result), n]));
    const grown = (from: Map<string, number>): string[] => {
      const out: string[] = [];
      for (const [result, n] of refusals()) for (let i = from.get(result) ?? 0; i < n; i++) out.push(result);
      return out;
    };
    let mark = refusals();
    const overRtmp = await peers.decodeFrames(`${run.rtmpUrl}/signedpb?token=${forged}`, 5);
    const rtmpRefusal = grown(mark);
    mark = refusals();
    const overRtmpt = await peers.decodeFrames(`${rtmptUrl}/signedpb?token=${forged}`, 5);
    const rtmptRefusal = grown(mark);
    assert.equal(overRtmp.frames, 0);
    assert.equal(overRtmpt.frames, 0);
    assert.equal(rtmpRefusal.length, 1);
    assert.match(rtmpRefusal[0]!, /^token_/);
    assert.deepEqual(rtmptRefusal, rtmpRefusal, 'the same refusal over RTMPT as over RTMP');
    mark = refusals();
    const none = await peers.decodeFrames(`${rtmptUrl}/signedpb`, 5);
    assert.equal(none.frames, 0);
    assert.deepEqual(grown(mark), ['token_missing']);
    const valid = await peers.decodeFrames(`${rtmptUrl}/signedpb?token=${await token('signedpb')}`, 10);
    assert.equal(valid.frames, 10, valid.stderr);
  });

  it('bad sequence numbers are 400 and leave the session usable; ident2 is 404', async () => {
    assert.equal((await post(base, '/fcs/ident2')).status, 404);
    const id = await openSession(base);
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal((await post(base, `/idle/${id}/5`)).status, 400);
    const first = await post(base, `/idle/${id}/0`);
    assert.equal(first.status, 200);
    assert.equal(first.body[0], 1, 'interval byte');
    for (const seq of [0, 2, 99])
      assert.equal((await post(base, `/idle/${id}/${seq}`)).status, 400, `seq ${seq}`);
    assert.equal((await post(base, `/idle/${id}/1`)).status, 200);
    assert.equal((await post(base, `/close/${id}/2`)).status, 200);
    assert.equal((await post(base, `/idle/${id}/3`)).status, 404);
    assert.ok(
      run.edge.metrics.registry
        .render()
        .includes('tributary_edge_rtmpt_refused_total{reason="bad_sequence"} 4'),
    );
  });

  it('unknown ids are 404; an id used from another address is unknown there and the owner keeps it', async () => {
    assert.equal((await post(base, `/idle/${'0'.repeat(32)}/0`)).status, 404);
    assert.equal((await post(base, '/idle/not-an-id/0')).status, 404);
    const id = await openSession(base);
    // the session's RTMP handshake starts from its owner
    const c0c1 = Buffer.concat([Buffer.from([3]), Buffer.alloc(1536)]);
    const shake = await post(base, `/send/${id}/0`, c0c1);
    assert.equal(shake.status, 200);
    const stolen = await post(base, `/idle/${id}/1`, undefined, { localAddress: '127.0.0.2' });
    assert.equal(stolen.status, 404, 'another address');
    const injected = await post(base, `/send/${id}/1`, Buffer.alloc(1536), { localAddress: '127.0.0.2' });
    assert.equal(injected.status, 404);
    const closeFromElsewhere = await post(base, `/close/${id}`, undefined, { localAddress: '127.0.0.2' });
    assert.equal(closeFromElsewhere.status, 404);
    // the owner still gets its S0S1S2 (possibly over two polls) with seq 1
    let got = shake.body.length - 1;
    for (let seq = 1; got < 3073 && seq < 20; seq++) {
      const a = await post(base, `/idle/${id}/${seq}`);
      assert.equal(a.status, 200);
      got += a.body.length - 1;
    }
    assert.equal(got, 3073, 'S0 + S1 + S2');
    await post(base, `/close/${id}`);
  });

  it('an oversized body is 413 (declared or streamed) and a slow body is cut after RTMPT_BODY_TIMEOUT_MS', async () => {
    const id = await openSession(base);
    const big = await post(base, `/send/${id}/0`, Buffer.alloc(2 * 1024 * 1024 + 1));
    assert.equal(big.status, 413);
    // chunked, no length: cut once past the bound
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: base.hostname, port: base.port, path: `/send/${id}/0`, method: 'POST' },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.once('error', reject);
      for (let i = 0; i < 40; i++) req.write(Buffer.alloc(64 * 1024));
      req.end();
    });
    assert.equal(chunked, 413);
    // a body that trickles: 408 and the socket closes, within the bound and well before HTTP's own timeout
    const started = Date.now();
    const slow = await new Promise<string>((resolve, reject) => {
      const s = net.connect(Number(base.port), '127.0.0.1');
      let text = '';
      s.on('data', (d) => (text += d.toString('latin1')));
      s.once('close', () => resolve(text));
      s.once('error', reject);
      s.write(`POST /send/${id}/0 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab`);
      const t = setInterval(() => s.writable && s.write('c'), 200);
      s.once('close', () => clearInterval(t));
      setTimeout(() => s.destroy(), 8000).unref();
    });
    assert.match(slow, /^HTTP\/1\.1 408/);
    assert.ok(Date.now() - started < 4000, `cut after ${Date.now() - started} ms`);
    // the session itself is untouched: its first seq is still 0
    assert.equal((await post(base, `/idle/${id}/0`)).status, 200);
    await post(base, `/close/${id}`);
  });

  it('a viewer over RTMPT that stops polling is dropped as a TCP viewer that stops reading is', async () => {
    const slowBefore = slowDisconnects();
    const sessionsBefore = run.edge.rtmpt!.sessions;
    const entry = run.edge.registry.get('publicpb')!;
    const viewersBefore = entry.viewers.size;
    // rtmpdump writing to a pipe nobody reads: once the pipe is full it stops polling
    const dump = peers.spawn('rtmpdump', ['-q', '--live', '-r', `${rtmptUrl}/publicpb`, '-o', '-']);
    await until(() => entry.viewers.size === viewersBefore + 1, 50, 20_000, 'the RTMPT viewer to play');
    await until(() => slowDisconnects() === slowBefore + 1, 100, 30_000, 'the stalled viewer to be dropped');
    await until(() => run.edge.rtmpt!.sessions === sessionsBefore, 100, 20_000, 'its session to end');
    assert.equal(entry.viewers.size, viewersBefore);
    dump.kill('SIGKILL');
  });

  it('10,000 idle sessions: caps hold, memory stays bounded, RTMP still plays, all are reaped', async () => {
    const rssBefore = process.memoryUsage().rss;
    // the sessions of earlier tests still open (the publisher over rtmpt://)
    const already = run.edge.rtmpt!.sessions;
    const open = async (localAddress: string, agent: http.Agent): Promise<number> => {
      const a = await post(base, '/open/1', undefined, { agent, localAddress });
      return a.status;
    };
    // 100 client addresses (127.0.0.2 ... 127.0.0.101) x 100 sessions each = RTMPT_MAX_SESSIONS
    const addresses = Array.from({ length: 100 }, (_, i) => `127.0.0.${i + 2}`);
    const agents = addresses.map(() => new http.Agent({ keepAlive: true, maxSockets: 4 }));
    const started = Date.now();
    const render = () => run.edge.metrics.registry.render();
    // the per-address cap first: the first address fills its 100, the 101st is refused for it
    for (let n = 0; n < 100; n++) assert.equal(await open(addresses[0]!, agents[0]!), 200);
    assert.equal(await open(addresses[0]!, agents[0]!), 503);
    assert.ok(
      render().includes('tributary_edge_rtmpt_refused_total{reason="too_many_sessions_from_address"} 1'),
    );
    // then the others up to RTMPT_MAX_SESSIONS (the tunnelled publisher above holds one already)
    let left = 10_000 - run.edge.rtmpt!.sessions;
    await Promise.all(
      addresses.slice(1).map(async (ip, i) => {
        for (let n = 0; n < 100 && left > 0; n++) {
          left--;
          assert.equal(await open(ip, agents[i + 1]!), 200);
        }
      }),
    );
    const openMs = Date.now() - started;
    assert.equal(run.edge.rtmpt!.sessions, 10_000);
    // the global cap: a fresh address is refused too
    assert.equal(await open('127.0.0.200', agents[0]!), 503);
    assert.ok(render().includes('tributary_edge_rtmpt_refused_total{reason="too_many_sessions"} 1'));
    const rssAt10k = process.memoryUsage().rss;
    const grownMb = (rssAt10k - rssBefore) / 1024 / 1024;
    // each session is an RTMP connection waiting for its handshake: a few KiB, not a buffer each
    assert.ok(grownMb < 400, `RSS grew ${grownMb.toFixed(0)} MiB for 10,000 sessions`);
    // the edge still serves RTMP meanwhile
    const played = await peers.decodeFrames(`${run.rtmpUrl}/publicpb`, 25);
    assert.equal(played.frames, 25, played.stderr);
    // nobody polls: every session is reaped (RTMPT_IDLE_TIMEOUT_MS 30 s, swept each second)
    await until(() => run.edge.rtmpt!.sessions <= already, 250, 90_000, 'the idle sessions to be reaped');
    for (const a of agents) a.destroy();
    console.log(
      `# rtmpt 10k: opened in ${openMs} ms, RSS +${grownMb.toFixed(0)} MiB, reaped within ${Date.now() - started} ms`,
    );
    // and a new session opens again
    const id = await openSession(base);
    await post(base, `/close/${id}`);
  });
});
