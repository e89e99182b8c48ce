import { decodeAmf0 } from '../src/amf';
import { FFMPEG_CONNECT_BODY_HEX } from '../src/amf/testdata/ffmpeg-connect';
import { ChunkDecoder } from '../src/chunk/chunk-decoder';
import { ChunkEncoder } from '../src/chunk/chunk-encoder';
import { measure } from './measure';

/** A 3 Mbps video frame at 30 fps is 12.5 kB. */
const FRAME_BYTES = 12_500;
/** Socket reads arrive in 64 KiB pieces. */
const READ_BYTES = 64 * 1024;

export function chunkEncodeMBps(chunkSize: number): number {
  const encoder = new ChunkEncoder();
  encoder.setChunkSize(chunkSize);
  const payload = Buffer.alloc(FRAME_BYTES, 1);
  let ts = 0;
  const r = measure(1000, () => {
    ts += 33;
    encoder.encode({ csid: 6, timestamp: ts, typeId: 9, messageStreamId: 1, payload });
  });
  return (r.iterations * FRAME_BYTES) / 1e6 / r.cpuSeconds;
}

export function chunkDecodeMBps(chunkSize: number): number {
  const encoder = new ChunkEncoder();
  encoder.setChunkSize(chunkSize);
  const parts: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    parts.push(
      ...encoder.encode({
        csid: 6,
        timestamp: i * 33,
        typeId: 9,
        messageStreamId: 1,
        payload: Buffer.alloc(FRAME_BYTES, i),
      }),
    );
  }
  const stream = Buffer.concat(parts);
  const reads: Buffer[] = [];
  for (let at = 0; at < stream.length; at += READ_BYTES) reads.push(stream.subarray(at, at + READ_BYTES));
  const r = measure(1000, () => {
    const decoder = new ChunkDecoder({ maxBufferedBytes: 64 * 1024 * 1024 });
    decoder.setChunkSize(chunkSize);
    for (const read of reads) decoder.push(read);
  });
  return (r.iterations * 300 * FRAME_BYTES) / 1e6 / r.cpuSeconds;
}

export function amf0ConnectOpsPerSecond(): number {
  const body = Buffer.from(FFMPEG_CONNECT_BODY_HEX, 'hex');
  const r = measure(1000, () => decodeAmf0(body));
  return r.iterations / r.cpuSeconds;
}
