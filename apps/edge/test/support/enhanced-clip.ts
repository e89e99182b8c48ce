import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeExAudioTag, encodeExVideoTag, MessageType } from '@tributary/rtmp-core';
import type { Peers } from './peers';

/**
 * Real encoder bitstreams as the Enhanced RTMP tags an encoder publishes. ffmpeg 5.1 (Debian 12) has no
 * Enhanced RTMP FLV muxer (that came with 6.1), so ffmpeg encodes (libx265, libaom-av1, libopus) into a
 * fragmented MP4 and this reads its samples and configuration boxes (hvcC, av1C, dOps) back and wraps
 * them with rtmp-core's encodeExVideoTag/encodeExAudioTag: SequenceStart with the record, then coded
 * frames (HEVC with its SI24 composition time), Opus as a v2 ExAudioTagHeader whose sequence start is
 * the OpusHead (RFC 7845 §5.1) rebuilt from dOps.
 */

export interface ClipTag {
  readonly typeId: typeof MessageType.Audio | typeof MessageType.Video;
  readonly timestamp: number;
  readonly payload: Buffer;
}

export interface EnhancedClip {
  /** In send order: sequence starts first, then frames interleaved by decode time. */
  readonly tags: ClipTag[];
  readonly videoFrames: number;
  readonly audioFrames: number;
  readonly width: number;
  readonly height: number;
}

export type ClipCodec = 'hevc' | 'av1';

const FRAME_RATE = 25;
const FRAGMENTED = ['-movflags', 'frag_keyframe+empty_moov+default_base_moof'];

/** Encodes `seconds` of testsrc2 (+ a sine as Opus when `opus`) and returns its Enhanced RTMP tags. */
export async function encodeEnhancedClip(
  peers: Peers,
  dir: string,
  codec: ClipCodec,
  opts: { seconds: number; opus?: boolean },
): Promise<EnhancedClip> {
  const width = codec === 'hevc' ? 320 : 160;
  const height = codec === 'hevc' ? 240 : 120;
  const inputs = ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${FRAME_RATE}`];
  if (opts.opus) inputs.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  const video =
    codec === 'hevc'
      ? [
          '-c:v',
          'libx265',
          '-preset',
          'ultrafast',
          '-x265-params',
          'log-level=none:keyint=25:bframes=2',
          '-tag:v',
          'hvc1',
        ]
      : ['-c:v', 'libaom-av1', '-cpu-used', '8', '-crf', '50', '-g', '25', '-usage', 'realtime'];
  const audio = opts.opus ? ['-c:a', 'libopus', '-b:a', '32k', '-ac', '2'] : [];
  const plain = join(dir, `${codec}-plain.mp4`);
  const fragmented = join(dir, `${codec}.mp4`);
  // Plain first, then remuxed: streaming libaom straight into a fragmented MP4, ffmpeg 5.1 writes an
  // empty av1C (the sequence header comes after the first frame), which no publisher would send.
  const enc = await peers.run('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-y',
    ...inputs,
    '-t',
    String(opts.seconds),
    ...video,
    ...audio,
    plain,
  ]);
  assert.equal(enc.code, 0, enc.stderr);
  const remux = await peers.run('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-i',
    plain,
    '-c',
    'copy',
    ...FRAGMENTED,
    fragmented,
  ]);
  assert.equal(remux.code, 0, remux.stderr);
  return { ...tagsOfFragmentedMp4(await readFile(fragmented)), width, height };
}

interface Box {
  type: string;
  /** Payload start and end in the file. */
  start: number;
  end: number;
}

function boxes(file: Buffer, start: number, end: number): Box[] {
  const out: Box[] = [];
  for (let at = start; at + 8 <= end; ) {
    const size = file.readUInt32BE(at);
    assert.ok(size >= 8 && at + size <= end, `box at ${at} of size ${size}`);
    out.push({ type: file.toString('latin1', at + 4, at + 8), start: at + 8, end: at + size });
    at += size;
  }
  return out;
}

function child(file: Buffer, parent: Box, path: string): Box {
  let box = parent;
  for (const type of path.split('/')) {
    const next = boxes(file, box.start, box.end).find((b) => b.type === type);
    assert.ok(next, `no ${path} box`);
    box = next;
  }
  return box;
}

/** A box nested in a sample entry (hvcC, av1C, dOps), found by type inside stsd. */
function configBox(file: Buffer, stsd: Box, type: string): Buffer | undefined {
  const at = file.indexOf(type, stsd.start, 'latin1');
  if (at < 0 || at >= stsd.end) return undefined;
  return file.subarray(at + 4, at - 4 + file.readUInt32BE(at - 4));
}

/** dOps (Opus in ISOBMFF §4.3.2, big-endian, no magic) → OpusHead (RFC 7845 §5.1, little-endian). */
function opusHeadOf(dOps: Buffer): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = dOps[1]!;
  head.writeUInt16LE(dOps.readUInt16BE(2), 10);
  head.writeUInt32LE(dOps.readUInt32BE(4), 12);
  head.writeInt16LE(dOps.readInt16BE(8), 16);
  head[18] = dOps[10]!;
  return Buffer.concat([head, dOps.subarray(11)]);
}

interface Track {
  kind: 'video' | 'audio';
  fourCc: 'hvc1' | 'av01' | 'Opus';
  timescale: number;
  config: Buffer;
}

function tagsOfFragmentedMp4(file: Buffer): Omit<EnhancedClip, 'width' | 'height'> {
  const top = boxes(file, 0, file.length);
  const moov = top.find((b) => b.type === 'moov');
  assert.ok(moov);
  const tracks = new Map<number, Track>();
  for (const trak of boxes(file, moov.start, moov.end).filter((b) => b.type === 'trak')) {
    const tkhd = child(file, trak, 'tkhd');
    const trackId = file.readUInt32BE(tkhd.start + (file[tkhd.start] === 1 ? 20 : 12));
    const mdhd = child(file, trak, 'mdia/mdhd');
    const timescale = file.readUInt32BE(mdhd.start + (file[mdhd.start] === 1 ? 20 : 12));
    const stsd = child(file, trak, 'mdia/minf/stbl/stsd');
    const hvcC = configBox(file, stsd, 'hvcC');
    const av1C = configBox(file, stsd, 'av1C');
    const dOps = configBox(file, stsd, 'dOps');
    if (hvcC) tracks.set(trackId, { kind: 'video', fourCc: 'hvc1', timescale, config: hvcC });
    else if (av1C) tracks.set(trackId, { kind: 'video', fourCc: 'av01', timescale, config: av1C });
    else if (dOps)
      tracks.set(trackId, { kind: 'audio', fourCc: 'Opus', timescale, config: opusHeadOf(dOps) });
  }
  assert.ok(tracks.size > 0, 'no hvc1/av01/Opus track');

  const frames: (ClipTag & { order: number })[] = [];
  let order = 0;
  for (const moof of top.filter((b) => b.type === 'moof')) {
    const moofStart = moof.start - 8;
    for (const traf of boxes(file, moof.start, moof.end).filter((b) => b.type === 'traf')) {
      const tfhd = child(file, traf, 'tfhd');
      const tfhdFlags = file.readUInt32BE(tfhd.start) & 0xffffff;
      const track = tracks.get(file.readUInt32BE(tfhd.start + 4));
      if (!track) continue;
      let at = tfhd.start + 8;
      if (tfhdFlags & 0x1) at += 8; // base_data_offset
      if (tfhdFlags & 0x2) at += 4; // sample_description_index
      const defaultDuration = tfhdFlags & 0x8 ? file.readUInt32BE(at) : 0;
      if (tfhdFlags & 0x8) at += 4;
      const defaultSize = tfhdFlags & 0x10 ? file.readUInt32BE(at) : 0;
      if (tfhdFlags & 0x10) at += 4;
      const defaultFlags = tfhdFlags & 0x20 ? file.readUInt32BE(at) : 0;
      const tfdt = child(file, traf, 'tfdt');
      let time =
        file[tfdt.start] === 1
          ? file.readUInt32BE(tfdt.start + 4) * 2 ** 32 + file.readUInt32BE(tfdt.start + 8)
          : file.readUInt32BE(tfdt.start + 4);
      const trun = child(file, traf, 'trun');
      const flags = file.readUInt32BE(trun.start) & 0xffffff;
      const count = file.readUInt32BE(trun.start + 4);
      let p = trun.start + 8;
      let dataAt = moofStart;
      if (flags & 0x1) {
        dataAt += file.readInt32BE(p);
        p += 4;
      }
      let firstFlags: number | undefined;
      if (flags & 0x4) {
        firstFlags = file.readUInt32BE(p);
        p += 4;
      }
      for (let i = 0; i < count; i++) {
        const read = (bit: number, fallback: number, signed = false) => {
          if (!(flags & bit)) return fallback;
          const v = signed ? file.readInt32BE(p) : file.readUInt32BE(p);
          p += 4;
          return v;
        };
        const duration = read(0x100, defaultDuration);
        const size = read(0x200, defaultSize);
        let sampleFlags = read(0x400, defaultFlags);
        if (i === 0 && firstFlags !== undefined) sampleFlags = firstFlags;
        const cto = read(0x800, 0, true);
        const data = file.subarray(dataAt, dataAt + size);
        const timestamp = Math.round((time * 1000) / track.timescale);
        if (track.kind === 'video') {
          const key = (sampleFlags & 0x00010000) === 0;
          const payload = encodeExVideoTag({
            fourCc: track.fourCc,
            packetType: 'coded-frames',
            frameType: key ? 'key' : 'inter',
            compositionTimeMs: track.fourCc === 'hvc1' ? Math.round((cto * 1000) / track.timescale) : 0,
            body: data,
          });
          frames.push({ typeId: MessageType.Video, timestamp, payload, order: order++ });
        } else {
          const payload = encodeExAudioTag({ fourCc: track.fourCc, packetType: 'coded-frames', body: data });
          frames.push({ typeId: MessageType.Audio, timestamp, payload, order: order++ });
        }
        dataAt += size;
        time += duration;
      }
    }
  }
  // Interleaved by decode time as an encoder sends them (stable: each track stays in decode order).
  frames.sort((a, b) => a.timestamp - b.timestamp || a.order - b.order);
  const starts: ClipTag[] = [...tracks.values()].map((t) =>
    t.kind === 'video'
      ? {
          typeId: MessageType.Video,
          timestamp: 0,
          payload: encodeExVideoTag({ fourCc: t.fourCc, packetType: 'sequence-start', body: t.config }),
        }
      : {
          typeId: MessageType.Audio,
          timestamp: 0,
          payload: encodeExAudioTag({ fourCc: t.fourCc, packetType: 'sequence-start', body: t.config }),
        },
  );
  return {
    tags: [...starts, ...frames.map(({ order: _, ...tag }) => tag)],
    videoFrames: frames.filter((f) => f.typeId === MessageType.Video).length,
    audioFrames: frames.filter((f) => f.typeId === MessageType.Audio).length,
  };
}
