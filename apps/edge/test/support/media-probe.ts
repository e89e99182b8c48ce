import type { Peers } from './peers';

export interface ProbedPacket {
  codec_type: 'video' | 'audio';
  stream_index: number;
  pts?: number;
  dts?: number;
  /** 'K' first for a keyframe (ffprobe's packet flags). */
  flags: string;
}

/**
 * ffprobe -show_packets at `-v error`: every packet of the input with its timestamps, and whatever
 * ffprobe complained about (an empty string for a clean stream). `extra` goes before `-i`.
 */
export async function probePackets(
  peers: Peers,
  url: string,
  extra: string[] = [],
): Promise<{ code: number | null; packets: ProbedPacket[]; stderr: string }> {
  const res = await peers.run('ffprobe', [
    '-v',
    'error',
    '-rw_timeout',
    '8000000',
    ...extra,
    '-show_entries',
    'packet=codec_type,stream_index,pts,dts,flags',
    '-of',
    'json',
    url,
  ]);
  const packets =
    res.code === 0 ? ((JSON.parse(res.stdout) as { packets?: ProbedPacket[] }).packets ?? []) : [];
  return { code: res.code, packets, stderr: res.stderr };
}

/** Packets whose DTS does not increase over the previous packet of the same stream (should be none). */
export function nonMonotonic(packets: readonly ProbedPacket[]): string[] {
  const last = new Map<number, number>();
  const broken: string[] = [];
  for (const [i, p] of packets.entries()) {
    if (p.dts === undefined) continue;
    const previous = last.get(p.stream_index);
    if (previous !== undefined && p.dts <= previous)
      broken.push(`#${i} ${p.codec_type} ${previous} -> ${p.dts}`);
    if (p.pts !== undefined && p.pts < p.dts)
      broken.push(`#${i} ${p.codec_type} pts ${p.pts} < dts ${p.dts}`);
    last.set(p.stream_index, p.dts);
  }
  return broken;
}

/** MPEG-TS packet size and sync byte (ISO/IEC 13818-1 §2.4.3.2). */
const TS_PACKET = 188;
const SYNC = 0x47;

/**
 * Program clock references of an MPEG-TS byte stream in order (adaptation field, §2.4.3.4-5: the
 * 33-bit base in 90 kHz units; the 27 MHz extension is left out).
 */
export function pcrs(ts: Buffer): number[] {
  const found: number[] = [];
  for (let at = 0; at + TS_PACKET <= ts.length; at += TS_PACKET) {
    if (ts[at] !== SYNC) throw new Error(`no sync byte at ${at}`);
    const hasAdaptation = (ts[at + 3]! & 0x20) !== 0;
    if (!hasAdaptation || ts[at + 4]! === 0 || (ts[at + 5]! & 0x10) === 0) continue;
    const p = at + 6;
    found.push(
      ts[p]! * 2 ** 25 + ts[p + 1]! * 2 ** 17 + ts[p + 2]! * 2 ** 9 + ts[p + 3]! * 2 + (ts[p + 4]! >> 7),
    );
  }
  return found;
}
