import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type BroadcastOptions } from '../src/broadcast/broadcast';
import { type MediaMessage } from '../src/message/media-message';
import { startLiveServer } from '../src/testing/live-server';

/** 3 Mbps: 30 fps video (a 60 kB keyframe every 30 frames, 10.9 kB otherwise) + 43 AAC frames/s of 200 B. */
const FPS = 30;
const GOP = 30;
const KEYFRAME_BYTES = 60_000;
const INTER_BYTES = 10_900;
const AUDIO_FPS = 43;
const AUDIO_BYTES = 200;

function frame(kind: 'key' | 'inter' | 'audio', timestamp: number): MediaMessage {
  if (kind === 'audio')
    return {
      typeId: 8,
      timestamp,
      payload: Buffer.concat([Buffer.from([0xaf, 0x01]), Buffer.alloc(AUDIO_BYTES - 2, 7)]),
    };
  const size = kind === 'key' ? KEYFRAME_BYTES : INTER_BYTES;
  const header = Buffer.from([kind === 'key' ? 0x17 : 0x27, 0x01, 0, 0, 0]);
  return { typeId: 9, timestamp, payload: Buffer.concat([header, Buffer.alloc(size - 5, 9)]) };
}

export interface FanoutResult {
  subscribers: number;
  seconds: number;
  serverCpuSeconds: number;
  microsPerSubscriberSecond: number;
  bitrateMbps: number;
  deliveredMB: number;
  droppedMessages: number;
  slowDisconnects: number;
}

/** Feeds `seconds` of a 3 Mbps stream into one Broadcast with `count` loopback players (in a child process). */
export async function fanout(
  count: number,
  seconds: number,
  options: BroadcastOptions = {},
): Promise<FanoutResult> {
  const live = await startLiveServer({ idleTimeoutMs: 120_000 }, undefined, options);
  const child = spawn(
    process.execPath,
    [join(__dirname, 'loopback-players.js'), String(live.port), String(count)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const next = async (): Promise<string> => (await once(lines, 'line'))[0] as string;
  await next();
  const broadcast = live.broadcasts.get('bench');
  while ((broadcast?.stats.subscribers ?? 0) < count) await new Promise((r) => setTimeout(r, 50));
  if (broadcast === undefined) throw new Error('no broadcast');
  broadcast.start();
  broadcast.setMetadata({ width: 1280, height: 720, videodatarate: 3000 });
  broadcast.pushMedia({ typeId: 9, timestamp: 0, payload: Buffer.from('1700000000014d401fffe1', 'hex') });
  broadcast.pushMedia({ typeId: 8, timestamp: 0, payload: Buffer.from('af001210', 'hex') });

  const startCpu = process.cpuUsage();
  const start = performance.now();
  let video = 0;
  let audio = 0;
  let bytesIn = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = performance.now() - start;
      while (video * (1000 / FPS) <= elapsed) {
        const m = frame(video % GOP === 0 ? 'key' : 'inter', Math.round(video * (1000 / FPS)));
        bytesIn += m.payload.length;
        broadcast.pushMedia(m);
        video++;
      }
      while (audio * (1000 / AUDIO_FPS) <= elapsed) {
        broadcast.pushMedia(frame('audio', Math.round(audio * (1000 / AUDIO_FPS))));
        audio++;
      }
      if (elapsed >= seconds * 1000) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(startCpu);
  const serverCpuSeconds = (used.user + used.system) / 1e6;
  child.stdin.write('stop\n');
  const report = JSON.parse(await next()) as { received: number };
  await live.close();
  return {
    subscribers: count,
    seconds: wall,
    serverCpuSeconds,
    microsPerSubscriberSecond: (serverCpuSeconds * 1e6) / (count * wall),
    bitrateMbps: (bytesIn * 8) / 1e6 / wall,
    deliveredMB: report.received / 1e6,
    droppedMessages: broadcast.stats.droppedMessages,
    slowDisconnects: broadcast.stats.slowDisconnects,
  };
}
