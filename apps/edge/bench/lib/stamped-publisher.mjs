#!/usr/bin/env node
// The bench's publisher: publishes an FLV clip over RTMP in an endless real-time loop, as
// `ffmpeg -re -stream_loop -1 -c copy -f flv` does (the shared harness's anchors/publish.sh), and puts its
// clock in band: every coded video frame starts with an H.264 SEI NAL unit (user data unregistered,
// LATENCY_UUID) holding the CLOCK_MONOTONIC microseconds at which the frame was handed to the socket.
// A viewer on the same machine (latency-probe.mjs) reads it on receive: publisher send -> viewer receive,
// the same method whatever server is in between (every RTMP server forwards video payloads untouched).
//
//   node stamped-publisher.mjs --clip clip.flv --url rtmp://127.0.0.1:1935/live/KEY
//
// Runs until SIGTERM; exits non-zero when the server refuses or closes the stream.
import net from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LATENCY_UUID } from './latency-sei.mjs';
import { harnessDir } from './paths.mjs';

const { readFlvTags } = await import(join(harnessDir, 'lib/flv.mjs'));
const { ChunkReader } = await import(join(harnessDir, 'lib/chunk-reader.mjs'));
const { encodeAmf0, decodeAmf0 } = await import(join(harnessDir, 'lib/amf0.mjs'));

const { values: a } = parseArgs({ options: { clip: { type: 'string' }, url: { type: 'string' } } });
if (!a.clip || !a.url) {
  process.stderr.write('usage: stamped-publisher.mjs --clip clip.flv --url rtmp://host:port/app/name\n');
  process.exit(2);
}
const url = new URL(a.url);
const parts = url.pathname.replace(/^\/+/, '').split('/');
const streamName = parts.pop() + url.search;
const app = parts.join('/');
const tcUrl = `rtmp://${url.host}/${app}`;

const CHUNK_SIZE = 4096; // what ffmpeg's RTMP muxer announces
const tags = readFlvTags(a.clip);
const script = tags.find((t) => t.type === 18);
const isConfig = (t) =>
  (t.type === 9 && t.body[1] === 0) || (t.type === 8 && t.body[0] >> 4 === 10 && t.body[1] === 0);
const configs = tags.filter((t) => (t.type === 8 || t.type === 9) && isConfig(t));
const media = tags.filter((t) => (t.type === 8 || t.type === 9) && !isConfig(t));
const lastVideo = media.filter((t) => t.type === 9).at(-1);
// One loop lasts up to the last frame plus one frame interval (30 fps clip: 33 ms), as -stream_loop does.
const loopMs = (lastVideo?.ts ?? media.at(-1).ts) + 33;

/** fmt-0 first chunk, fmt-3 continuations, csid < 64, timestamps below 2^24 ms (4.6 h) or extended. */
function chunkMessage(csid, type, streamId, timestamp, payload) {
  const ext = timestamp >= 0xffffff;
  const n = payload.length;
  const parts = [];
  const first = Buffer.alloc(12 + (ext ? 4 : 0));
  first[0] = csid;
  first.writeUIntBE(ext ? 0xffffff : timestamp, 1, 3);
  first.writeUIntBE(n, 4, 3);
  first[7] = type;
  first.writeUInt32LE(streamId, 8);
  if (ext) first.writeUInt32BE(timestamp >>> 0, 12);
  parts.push(first);
  for (let p = 0; p < n; p += CHUNK_SIZE) {
    if (p > 0) {
      const c = Buffer.alloc(ext ? 5 : 1);
      c[0] = 0xc0 | csid;
      if (ext) c.writeUInt32BE(timestamp >>> 0, 1);
      parts.push(c);
    }
    parts.push(payload.subarray(p, Math.min(n, p + CHUNK_SIZE)));
  }
  return Buffer.concat(parts);
}

/** The SEI NAL unit (4-byte length prefix) carrying `micros`: ASCII digits, so no emulation prevention is needed. */
function stampNal(micros) {
  const digits = Buffer.from(String(micros).padStart(20, '0'), 'latin1');
  const payload = Buffer.concat([LATENCY_UUID, digits]); // 16 + 20 bytes
  const nal = Buffer.concat([Buffer.from([0x06, 0x05, payload.length]), payload, Buffer.from([0x80])]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(nal.length, 0);
  return Buffer.concat([len, nal]);
}

const micros = () => process.hrtime.bigint() / 1000n;
const socket = net.connect({ host: url.hostname, port: Number(url.port || 1935) });
socket.setNoDelay(true);
let streamId = 1;
let hs = Buffer.alloc(0);
let handshook = false;
const reader = new (class extends ChunkReader {
  onMessage(type, _ts, _len, _sid, body) {
    if (type !== 20) return;
    const [name, txn, , info] = decodeAmf0(body);
    if (name === '_result' && txn === 4) {
      streamId = decodeAmf0(body)[3];
      send(8, 20, streamId, 0, encodeAmf0('publish', 5, null, streamName, 'live'));
    } else if (name === '_error') fail(`_error: ${JSON.stringify(info)}`);
    else if (name === 'onStatus') {
      if (info?.code === 'NetStream.Publish.Start') startMedia();
      else if (info?.level === 'error') fail(`status ${info.code}: ${info.description ?? ''}`);
    }
  }
})();
const send = (csid, type, sid, ts, payload) => socket.write(chunkMessage(csid, type, sid, ts, payload));

socket.on('connect', () => {
  const c0c1 = Buffer.alloc(1537);
  c0c1[0] = 3;
  socket.write(c0c1);
});
socket.on('data', (d) => {
  if (!handshook) {
    hs = Buffer.concat([hs, d]);
    if (hs.length < 1 + 1536 * 2) return;
    socket.write(hs.subarray(1, 1537)); // C2 echoes S1
    handshook = true;
    const setChunk = Buffer.alloc(4);
    setChunk.writeUInt32BE(CHUNK_SIZE, 0);
    socket.write(chunkMessage(2, 1, 0, 0, setChunk));
    send(3, 20, 0, 0, encodeAmf0('connect', 1, { app, type: 'nonprivate', flashVer: 'FMLE/3.0', tcUrl }));
    send(3, 20, 0, 0, encodeAmf0('releaseStream', 2, null, streamName));
    send(3, 20, 0, 0, encodeAmf0('FCPublish', 3, null, streamName));
    send(3, 20, 0, 0, encodeAmf0('createStream', 4, null));
    d = hs.subarray(1 + 1536 * 2);
    if (d.length === 0) return;
  }
  try {
    reader.feed(d);
  } catch (e) {
    fail(`protocol error: ${e.message}`);
  }
});
socket.on('close', () => fail('the server closed the connection'));
socket.on('error', (e) => fail(e.message));

let started = false;
function startMedia() {
  if (started) return;
  started = true;
  if (script) send(4, 18, streamId, 0, Buffer.concat([encodeAmf0('@setDataFrame'), script.body]));
  for (const t of configs) send(t.type === 9 ? 6 : 4, t.type, streamId, 0, t.body);
  const t0 = performance.now();
  let loop = 0;
  let i = 0;
  const tick = () => {
    for (;;) {
      const t = media[i];
      const ts = loop * loopMs + t.ts;
      const wait = t0 + ts - performance.now();
      if (wait > 0) {
        setTimeout(tick, wait);
        return;
      }
      let body = t.body;
      // coded AVC frames (packet type 1): the stamp goes first, before the frame's own NAL units
      if (t.type === 9 && (t.body[0] & 0x0f) === 7 && t.body[1] === 1)
        body = Buffer.concat([t.body.subarray(0, 5), stampNal(micros()), t.body.subarray(5)]);
      send(t.type === 9 ? 6 : 4, t.type, streamId, ts, body);
      if (++i === media.length) {
        i = 0;
        loop++;
      }
    }
  };
  tick();
}

function fail(reason) {
  process.stderr.write(`stamped-publisher: ${reason}\n`);
  process.exit(1);
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
