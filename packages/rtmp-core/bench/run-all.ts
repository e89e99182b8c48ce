import { amf0ConnectOpsPerSecond, chunkDecodeMBps, chunkEncodeMBps } from './codec-bench';
import { fanout } from './fanout-bench';

/**
 * `npm run bench`: the numbers issue 3 asks for. CPU-time based (process.cpuUsage), so other load on the
 * machine slows wall time but not the figures much. FANOUT_SUBSCRIBERS / FANOUT_SECONDS override the defaults.
 */
async function main(): Promise<void> {
  const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });
  for (const size of [128, 4096]) {
    console.log(`chunk encode, 12.5 kB frames, chunk size ${size}: ${fmt(chunkEncodeMBps(size))} MB/s`);
    console.log(`chunk decode, 12.5 kB frames, chunk size ${size}: ${fmt(chunkDecodeMBps(size))} MB/s`);
  }
  console.log(`AMF0 decode of FFmpeg's connect command: ${fmt(amf0ConnectOpsPerSecond())} ops/s`);
  const subscribers = Number(process.env.FANOUT_SUBSCRIBERS ?? 1000);
  const seconds = Number(process.env.FANOUT_SECONDS ?? 10);
  const r = await fanout(subscribers, seconds);
  console.log(
    `fan-out of a ${fmt(r.bitrateMbps, 2)} Mbps stream to ${r.subscribers} loopback subscribers for ${fmt(r.seconds, 1)} s: ` +
      `${fmt(r.serverCpuSeconds, 2)} s server CPU = ${fmt(r.microsPerSubscriberSecond, 1)} µs CPU per subscriber-second ` +
      `(delivered ${fmt(r.deliveredMB)} MB, dropped ${r.droppedMessages} messages, ${r.slowDisconnects} slow disconnects)`,
  );
}

void main();
