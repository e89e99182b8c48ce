// One extra RTMP viewer that measures added latency: publisher send -> viewer receive, read from the
// in-band clock of stamped-publisher.mjs (latency-sei.mjs) in every coded video frame. Forked by
// run-bench.mjs with an IPC channel: {cmd:'start'} opens a window, {cmd:'stop'} closes it and replies
// with its percentiles; {cmd:'exit'} ends the process. It plays for the whole run (reconnecting if the
// server drops it), so every step of the harness counts it: its `0` step is one viewer (this probe).
//
//   (forked) latency-probe.mjs --url rtmp://127.0.0.1:1935/live/NAME

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readStamp } from './latency-sei.mjs';
import { harnessDir } from './paths.mjs';

const { RtmpPlayer, parseRtmpUrl } = await import(join(harnessDir, 'lib/rtmp-player.mjs'));
const { values: a } = parseArgs({ options: { url: { type: 'string' } } });
const target = parseRtmpUrl(a.url);

let samples = null; // µs, while a window is open
let stamped = 0;
let unstamped = 0;
let reconnects = 0;
let player = null;
let exiting = false;

function play() {
  player = new RtmpPlayer(target, {
    collectMedia: true,
    hooks: {
      onTag: (_p, type, _ts, body) => {
        if (type !== 9) return;
        const sent = readStamp(body);
        if (sent === null) {
          if ((body[0] & 0x0f) === 7 && body[1] === 1) unstamped++;
          return;
        }
        const now = process.hrtime.bigint() / 1000n;
        stamped++;
        if (samples !== null) samples.push(Number(now - sent));
      },
      onClose: () => {
        if (exiting) return;
        reconnects++;
        setTimeout(play, 200);
      },
    },
  }).start();
}

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

process.on('message', (m) => {
  if (m.cmd === 'start') {
    samples = [];
    return;
  }
  if (m.cmd === 'stop') {
    const s = Float64Array.from(samples ?? []).sort();
    samples = null;
    const ms = (x) => (x === null ? null : Math.round(x) / 1000);
    process.send({
      id: m.id,
      frames: s.length,
      p50Ms: ms(pct(s, 50)),
      p90Ms: ms(pct(s, 90)),
      p99Ms: ms(pct(s, 99)),
      maxMs: ms(pct(s, 100)),
      minMs: ms(pct(s, 0)),
      stampedTotal: stamped,
      unstampedTotal: unstamped,
      reconnects,
    });
    return;
  }
  if (m.cmd === 'exit') {
    exiting = true;
    player?.stop();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
play();
