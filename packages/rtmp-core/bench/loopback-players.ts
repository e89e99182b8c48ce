import { connect, type Socket } from 'node:net';
import { ChunkEncoder } from '../src/chunk/chunk-encoder';
import { HANDSHAKE_SIZE } from '../src/handshake/handshake-constants';
import { encodeCommand } from '../src/message/command';

/**
 * Child process of the fan-out bench: `count` minimal RTMP players on loopback. Each does the simple
 * handshake, pipelines connect + createStream + play, then reads and discards, so the parent's CPU is the
 * server's alone. Prints "ready" when every player is connected, and its byte count when told to stop.
 */
const [port, count, name] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4] ?? 'bench'];
const BATCH = 100;

function commands(): Buffer {
  const e = new ChunkEncoder();
  const at = (csid: number, messageStreamId: number) => ({ csid, messageStreamId });
  return Buffer.concat([
    ...e.encode(
      encodeCommand({ name: 'connect', transactionId: 1, object: { app: 'live' }, args: [] }, at(3, 0)),
    ),
    ...e.encode(encodeCommand({ name: 'createStream', transactionId: 2, object: null, args: [] }, at(3, 0))),
    ...e.encode(encodeCommand({ name: 'play', transactionId: 0, object: null, args: [name] }, at(5, 1))),
  ]);
}

let received = 0;
const sockets: Socket[] = [];

function player(): Promise<void> {
  return new Promise((resolve, reject) => {
    let handshake = 0;
    const s = connect(port, '127.0.0.1', () =>
      s.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(HANDSHAKE_SIZE)])),
    );
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      received += d.length;
      if (handshake < 1 + 2 * HANDSHAKE_SIZE) {
        handshake += d.length;
        if (handshake >= 1 + 2 * HANDSHAKE_SIZE) {
          s.write(Buffer.concat([Buffer.alloc(HANDSHAKE_SIZE), commands()]));
          resolve();
        }
      }
    });
    sockets.push(s);
  });
}

async function main(): Promise<void> {
  for (let i = 0; i < count; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, () => player()));
  }
  process.stdout.write('ready\n');
  process.stdin.on('data', () => {
    const cpu = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ received, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
    for (const s of sockets) s.destroy();
    process.exit(0);
  });
}

void main();
