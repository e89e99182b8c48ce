import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { MessageType } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { waitUntil } from '@tributary/test-kit';
import { selfSignedCertificate } from '../src/rtmps/self-signed-cert';
import {
  ControlPlane,
  type EdgeHandle,
  edgeMetric,
  type StreamHandle,
  type TenantHandle,
} from './support/control-plane';
import { Peers } from './support/peers';

/**
 * RTMPS with real processes (the api, an edge with a certificate, ffmpeg): ffmpeg publishes over
 * rtmps:// and plays over rtmps://, a viewer over plain RTMP sees the RTMPS-published stream, our client
 * plays over TLS verifying the certificate; the certificate files are replaced while ffmpeg keeps
 * publishing and new handshakes get the new one, a broken replacement is refused and the served one
 * kept; and the TLS port's hostile surfaces: garbage, plain RTMP bytes, a stalled handshake (closed at
 * the deadline) and many half-open handshakes from one address (the per-address cap holds).
 */

const DEADLINE_MS = 20_000;
const HANDSHAKE_MS = 1500;
const PER_IP = 12;

/** The subject CN a new TLS handshake with the edge's RTMPS port is shown. */
function servedCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
    sock.setTimeout(5000, () => sock.destroy(new Error('TLS handshake took over 5 s')));
    sock.once('secureConnect', () => {
      resolve(String(sock.getPeerCertificate().subject.CN));
      sock.destroy();
    });
    sock.once('error', reject);
  });
}

/** ms until the edge closed `sock` (rejects past `ms`). */
function closedWithin(sock: Socket, ms: number): Promise<number> {
  const t0 = Date.now();
  sock.on('error', () => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket not closed within ${ms} ms`)), ms);
    sock.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

describe('RTMPS: publish and play over TLS on a real edge, certificate reload, hostile TLS', {
  timeout: 180_000,
}, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-rtmps-'));
  const clip = join(dir, 'clip.flv');
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  let plane: ControlPlane;
  let stream: StreamHandle;
  let tenant: TenantHandle;
  /** One stream per GStreamer sink, each published over RTMPS by it. */
  const gstStreams: Record<string, StreamHandle> = {};
  let edge: EdgeHandle;
  let port: number;
  let rtmps: string;
  let publisher: ChildProcess;
  let firstCertPem: string;

  function installPair(commonName: string): string {
    const made = selfSignedCertificate({ commonName, altNames: ['localhost', '127.0.0.1'], days: 2 });
    writeFileSync(`${keyFile}.new`, made.keyPem, { mode: 0o600 });
    writeFileSync(`${certFile}.new`, made.certPem);
    renameSync(`${keyFile}.new`, keyFile);
    renameSync(`${certFile}.new`, certFile);
    return made.certPem;
  }

  before(async () => {
    await peers.makeClip(clip, 4);
    firstCertPem = installPair('edge-one');
    plane = await ControlPlane.start({ dir });
    tenant = await plane.newTenant('Secure');
    stream = await plane.newStream(tenant, 'over-tls');
    for (const sink of ['rtmp2sink', 'rtmpsink'])
      gstStreams[sink] = await plane.newStream(tenant, `gst-${sink}`);
    edge = await plane.startEdge({
      name: 'edge-tls',
      env: {
        RTMPS_PORT: '0',
        RTMPS_CERT_FILE: certFile,
        RTMPS_KEY_FILE: keyFile,
        RTMPS_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_MS),
        RTMPS_CERT_CHECK_INTERVAL_MS: '200',
        MAX_CONNECTIONS_PER_IP: String(PER_IP),
        // What the api offers encoders beside the RTMP ingest URL (a public name, not this test's port).
        EDGE_PUBLIC_RTMPS_URL: 'rtmps://live.example.test/live',
      },
    });
    const ready = await edge.proc.waitForLog((l) => l.msg === 'edge ready', 'edge ready');
    port = Number(String(ready.rtmps).split(':').at(-1));
    assert.ok(port > 0, `edge ready names the RTMPS address (${String(ready.rtmps)})`);
    rtmps = `rtmps://127.0.0.1:${port}/live`;
    publisher = peers.publish(clip, `${rtmps}/${stream.streamKey}`);
    await waitUntil(async () => (await edgeMetric(edge, 'tributary_edge_publishers')) === 1, {
      what: 'ffmpeg publishing over rtmps:// live on the edge',
      timeoutMs: DEADLINE_MS,
    });
  });

  after(async () => {
    await peers.stopAll();
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ffmpeg plays over rtmps:// and decodes frames of the stream ffmpeg publishes over rtmps://', async () => {
    const res = await peers.decodeFrames(`${rtmps}/${stream.playbackId}`, 25, ['-rw_timeout', '10000000']);
    assert.equal(res.frames, 25, res.stderr);
  });

  it("the api offers the edge's RTMPS URL to encoders beside its RTMP ingest URL (heartbeat rtmpsUrl)", async () => {
    await waitUntil(
      async () => {
        const res = await plane.via(0)<{ ingest: { server: string; rtmpsServer?: string }[] }>(
          'GET',
          `/v1/live-streams/${stream.id}`,
          {
            bearer: tenant.key,
          },
        );
        return (
          res.status === 200 &&
          res.body.ingest.some((i) => i.rtmpsServer === 'rtmps://live.example.test/live')
        );
      },
      { what: 'ingest[].rtmpsServer from the edge heartbeat', timeoutMs: DEADLINE_MS },
    );
  });

  it('rtmpdump (librtmp with TLS) plays over rtmps:// and saves decodable video', async () => {
    const { frames } = await peers.rtmpdumpFrames(
      ['-r', `${rtmps}/${stream.playbackId}`],
      join(dir, 'tls-dump.flv'),
      3,
    );
    assert.ok(frames >= 25, `rtmpdump saved ${frames} video frames over TLS`);
  });

  for (const [sink, what] of [
    ['rtmp2sink', 'GStreamer rtmp2sink (GIO TLS)'],
    ['rtmpsink', 'GStreamer rtmpsink (librtmp on GnuTLS)'],
  ] as const) {
    it(`${what} publishes over rtmps:// and ffmpeg decodes it over RTMP`, async () => {
      const s = gstStreams[sink] as StreamHandle;
      const location = `${rtmps}/${s.streamKey}`;
      // The clip re-muxed in real time (sync=true) into the sink: an encoder's pace.
      const gst = peers.spawn('gst-launch-1.0', [
        '-q',
        'filesrc',
        `location=${clip}`,
        '!',
        'flvdemux',
        'name=d',
        'd.video',
        '!',
        'queue',
        '!',
        'h264parse',
        '!',
        'flvmux',
        'name=m',
        'streamable=true',
        'd.audio',
        '!',
        'queue',
        '!',
        'aacparse',
        '!',
        'm.',
        'm.',
        '!',
        sink,
        ...(sink === 'rtmp2sink'
          ? [`location=${location}`, 'tls-validation-flags=0', 'sync=true']
          : [`location=${location} live=1`, 'sync=true']),
      ]);
      try {
        const res = await peers.decodeFrames(`${edge.rtmp}/${s.playbackId}`, 10, ['-rw_timeout', '10000000']);
        assert.equal(res.frames, 10, res.stderr);
      } finally {
        gst.kill('SIGKILL');
      }
    });
  }

  it('a viewer over plain RTMP sees the RTMPS-published stream', async () => {
    const res = await peers.decodeFrames(`${edge.rtmp}/${stream.playbackId}`, 25, [
      '-rw_timeout',
      '10000000',
    ]);
    assert.equal(res.frames, 25, res.stderr);
  });

  it('our client plays over rtmps:// verifying the certificate (its only CA, servername localhost)', async () => {
    const client = new RtmpClient({
      url: rtmps,
      timeoutMs: DEADLINE_MS,
      tls: { ca: firstCertPem, servername: 'localhost' },
    });
    try {
      await client.connect();
      const s = await client.createStream();
      let video = 0;
      s.on('media', (m: { typeId: number }) => {
        if (m.typeId === MessageType.Video) video++;
      });
      await client.play(stream.playbackId, { stream: s });
      await waitUntil(() => video >= 10, { what: '10 video messages over TLS', timeoutMs: DEADLINE_MS });
    } finally {
      client.close();
    }
    // A client that verifies against another CA is refused in the TLS handshake, before any RTMP.
    const other = selfSignedCertificate({ commonName: 'other', altNames: ['localhost'], days: 1 });
    const wrong = new RtmpClient({
      url: rtmps,
      timeoutMs: 5000,
      tls: { ca: other.certPem, servername: 'localhost' },
    });
    await assert.rejects(wrong.connect(), /self[- ]signed|unable to verify|certificate/i);
    wrong.close();
  });

  it('replaced certificate files: new handshakes get the new certificate, the publisher keeps going', async () => {
    assert.equal(await servedCommonName(port), 'edge-one');
    const sessionsBefore = await edgeMetric(edge, 'tributary_edge_publishers');
    installPair('edge-two');
    await waitUntil(async () => (await servedCommonName(port)) === 'edge-two', {
      what: 'the renewed certificate served to new handshakes',
      timeoutMs: 10_000,
    });
    // days: 2, so the line also warns that it expires within 14 days.
    await edge.proc.waitForLog(
      (l) => String(l.msg).startsWith('RTMPS certificate reloaded') && l.subject === 'CN=edge-two',
      'the reload logged with the new subject',
      5000,
    );
    assert.equal(publisher.exitCode, null, 'ffmpeg (on the old TLS session) is still publishing');
    assert.equal(await edgeMetric(edge, 'tributary_edge_publishers'), sessionsBefore);
    const res = await peers.decodeFrames(`${rtmps}/${stream.playbackId}`, 25, ['-rw_timeout', '10000000']);
    assert.equal(res.frames, 25, `frames still flow after the reload: ${res.stderr}`);
  });

  it('a broken replacement is logged and refused: the served certificate stays', async () => {
    writeFileSync(certFile, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    await edge.proc.waitForLog(
      (l) =>
        typeof l.msg === 'string' && l.msg.startsWith('RTMPS certificate files changed but cannot be served'),
      'the refusal logged',
      10_000,
    );
    assert.equal(await servedCommonName(port), 'edge-two');
    assert.equal(
      await edgeMetric(edge, 'tributary_edge_rtmps_certificate_reloads_total{result="refused"}'),
      1,
    );
  });

  it('garbage and plain RTMP bytes on the TLS port are closed at once; the edge plays on', async () => {
    const garbage = tcpConnect(port, '127.0.0.1');
    garbage.on('connect', () => garbage.write(Buffer.from('\x00\xff garbage, not a ClientHello \r\n\r\n')));
    const rtmp = tcpConnect(port, '127.0.0.1');
    rtmp.on('connect', () => rtmp.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 0x5a)])));
    const [g, r] = await Promise.all([closedWithin(garbage, 3000), closedWithin(rtmp, 3000)]);
    assert.ok(g < 1000 && r < 1000, `closed after ${g} and ${r} ms`);
    assert.ok(
      (await edgeMetric(edge, 'tributary_edge_rtmps_handshake_failures_total{reason="tls_error"}')) >= 2,
    );
  });

  it(`a stalled TLS handshake is closed at RTMPS_HANDSHAKE_TIMEOUT_MS (${HANDSHAKE_MS} ms)`, async () => {
    const stalled = tcpConnect(port, '127.0.0.1');
    // Half a TLS record header, then nothing.
    stalled.on('connect', () => stalled.write(Buffer.from([0x16, 0x03, 0x01])));
    const ms = await closedWithin(stalled, HANDSHAKE_MS + 3000);
    assert.ok(ms >= HANDSHAKE_MS - 200, `closed after ${ms} ms, not before its deadline`);
    assert.ok(
      (await edgeMetric(edge, 'tributary_edge_rtmps_handshake_failures_total{reason="timeout"}')) >= 1,
    );
  });

  it(`many half-open TLS connections from one address: the per-address cap (${PER_IP}) holds, then frees`, async () => {
    const socks = Array.from({ length: PER_IP * 3 }, () => tcpConnect(port, '127.0.0.1'));
    for (const s of socks) s.on('error', () => {});
    await waitUntil(async () => (await edgeMetric(edge, 'tributary_edge_rtmps_handshakes_pending')) > 0, {
      what: 'handshakes pending',
      timeoutMs: 5000,
    });
    await waitUntil(() => socks.filter((s) => s.destroyed).length >= PER_IP * 2, {
      what: 'the sockets over the cap closed at once',
      timeoutMs: 5000,
    });
    const pending = await edgeMetric(edge, 'tributary_edge_rtmps_handshakes_pending');
    // The publisher's connection holds one of the address's slots; handshakes get the rest.
    assert.ok(pending >= 1 && pending <= PER_IP - 1, `pending handshakes ${pending}`);
    assert.ok(
      (await edgeMetric(edge, 'tributary_edge_rtmps_handshake_failures_total{reason="address_limit"}')) >=
        PER_IP * 2,
    );
    await waitUntil(async () => (await edgeMetric(edge, 'tributary_edge_rtmps_handshakes_pending')) === 0, {
      what: 'held handshakes closed at their deadline',
      timeoutMs: HANDSHAKE_MS + 5000,
    });
    for (const s of socks) s.destroy();
    // The address is free again and the stream still plays over TLS.
    const res = await peers.decodeFrames(`${rtmps}/${stream.playbackId}`, 10, ['-rw_timeout', '10000000']);
    assert.equal(res.frames, 10, res.stderr);
    assert.equal(publisher.exitCode, null);
  });
});
