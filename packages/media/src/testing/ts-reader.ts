// A small MPEG-TS reader for tests: packets by PID, continuity checks, PES reassembly with PTS/DTS.
// Independent of the muxer's code paths (reads bytes as ISO/IEC 13818-1 §2.4.3 lays them out).
import { readTimestamp } from '../ts/pes';

export interface TsPacketInfo {
  readonly pid: number;
  readonly payloadUnitStart: boolean;
  readonly continuityCounter: number;
  readonly randomAccess: boolean;
  readonly pcr: number | undefined;
  readonly payload: Buffer;
}

export interface PesInfo {
  readonly pid: number;
  readonly streamId: number;
  readonly pts: number;
  readonly dts: number;
  readonly randomAccess: boolean;
  readonly payload: Buffer;
}

export function readPackets(ts: Buffer): TsPacketInfo[] {
  if (ts.length % 188 !== 0) throw new Error(`stream of ${ts.length} bytes is not packet-aligned`);
  const packets: TsPacketInfo[] = [];
  for (let at = 0; at < ts.length; at += 188) {
    if (ts[at] !== 0x47) throw new Error(`no sync byte at ${at}`);
    const pid = ((ts[at + 1]! & 0x1f) << 8) | ts[at + 2]!;
    const control = (ts[at + 3]! >> 4) & 0x3;
    let payloadAt = at + 4;
    let randomAccess = false;
    let pcr: number | undefined;
    if (control & 0x2) {
      const length = ts[at + 4]!;
      if (length > 0) {
        const flags = ts[at + 5]!;
        randomAccess = (flags & 0x40) !== 0;
        if (flags & 0x10) {
          const p = at + 6;
          pcr =
            ts[p]! * 2 ** 25 +
            ts[p + 1]! * 2 ** 17 +
            ts[p + 2]! * 2 ** 9 +
            ts[p + 3]! * 2 +
            (ts[p + 4]! >> 7);
        }
      }
      payloadAt += 1 + length;
    }
    packets.push({
      pid,
      payloadUnitStart: (ts[at + 1]! & 0x40) !== 0,
      continuityCounter: ts[at + 3]! & 0xf,
      randomAccess,
      pcr,
      payload: ts.subarray(payloadAt, at + 188),
    });
  }
  return packets;
}

/** PIDs whose continuity counter does not step by 1 (mod 16) between consecutive packets. */
export function continuityErrors(packets: readonly TsPacketInfo[]): number[] {
  const last = new Map<number, number>();
  const broken: number[] = [];
  for (const packet of packets) {
    const previous = last.get(packet.pid);
    if (previous !== undefined && packet.continuityCounter !== (previous + 1) % 16) broken.push(packet.pid);
    last.set(packet.pid, packet.continuityCounter);
  }
  return broken;
}

/** Reassembles the PES packets of the elementary-stream PIDs. */
export function readPes(packets: readonly TsPacketInfo[], pids: readonly number[]): PesInfo[] {
  const open = new Map<number, { chunks: Buffer[]; randomAccess: boolean }>();
  const done: PesInfo[] = [];
  const finish = (pid: number): void => {
    const pes = open.get(pid);
    if (!pes) return;
    const bytes = Buffer.concat(pes.chunks);
    const flags = bytes[7]!;
    const headerLength = bytes[8]!;
    const pts = readTimestamp(bytes, 9);
    const dts = flags & 0x40 ? readTimestamp(bytes, 14) : pts;
    done.push({
      pid,
      streamId: bytes[3]!,
      pts,
      dts,
      randomAccess: pes.randomAccess,
      payload: bytes.subarray(9 + headerLength),
    });
    open.delete(pid);
  };
  for (const packet of packets) {
    if (!pids.includes(packet.pid)) continue;
    if (packet.payloadUnitStart) {
      finish(packet.pid);
      open.set(packet.pid, { chunks: [], randomAccess: packet.randomAccess });
    }
    open.get(packet.pid)?.chunks.push(packet.payload);
  }
  for (const pid of [...open.keys()]) finish(pid);
  return done;
}
