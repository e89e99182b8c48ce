/**
 * Are an encoder ladder's keyframes aligned (issue 13)? play2 switches and HLS level switches land on
 * the new rendition's keyframe; renditions whose keyframes fall at other instants than the reference
 * rendition's (the ladder's first) still switch cleanly, only later, and a player switching levels in
 * HLS gets segments that do not line up. This says so, per rendition, from the keyframe timestamps
 * alone. Pure; bounded (a few timestamps per rendition, at most 6 renditions per stream).
 */
export interface Misalignment {
  rendition: string;
  /** The keyframe's timestamp and the distance to the nearest reference keyframe, in ms. */
  timestamp: number;
  offsetMs: number;
}

/** Reference keyframes kept: enough for the renditions' skew (they arrive a few frames apart). */
const KEPT = 8;
/** A rendition's keyframes not yet judged (the reference's may still come): older ones are dropped. */
const MAX_PENDING = 16;

export class KeyframeAlignment {
  private readonly reference: number[] = [];
  private readonly pending = new Map<string, number[]>();

  /**
   * @param referenceName the rendition the others are compared with.
   * @param toleranceMs how far apart two keyframes may be and still count as the same instant (a frame).
   */
  constructor(
    readonly referenceName: string,
    private readonly toleranceMs = 50,
  ) {}

  /** A keyframe of `rendition` at `timestamp` (ms); returns the keyframes now known to be misaligned. */
  keyframe(rendition: string, timestamp: number): Misalignment[] {
    if (rendition === this.referenceName) {
      this.reference.push(timestamp);
      if (this.reference.length > KEPT) this.reference.shift();
    } else {
      let list = this.pending.get(rendition);
      if (!list) {
        if (this.pending.size >= 16) return [];
        list = [];
        this.pending.set(rendition, list);
      }
      list.push(timestamp);
      if (list.length > MAX_PENDING) list.shift();
    }
    return this.judge();
  }

  /** A rendition stopped: its pending keyframes go. */
  forget(rendition: string): void {
    this.pending.delete(rendition);
  }

  private judge(): Misalignment[] {
    const latest = this.reference.at(-1);
    const oldest = this.reference[0];
    if (latest === undefined || oldest === undefined) return [];
    const out: Misalignment[] = [];
    for (const [rendition, list] of this.pending) {
      // Judged once the reference has gone past it (its matching keyframe would have come by then) and
      // while the reference's kept keyframes still cover it.
      while (list.length > 0 && list[0]! <= latest + this.toleranceMs) {
        const t = list.shift()!;
        if (t < oldest - this.toleranceMs) continue;
        let nearest = Number.POSITIVE_INFINITY;
        for (const r of this.reference) nearest = Math.min(nearest, Math.abs(r - t));
        // Within the tolerance of the latest reference keyframe means nearest ≤ tolerance: aligned.
        if (nearest > this.toleranceMs) out.push({ rendition, timestamp: t, offsetMs: nearest });
      }
    }
    return out;
  }
}

/**
 * An FLV video tag body that is a keyframe's coded data (not a sequence header): legacy AVC/HEVC
 * (FrameType 1, AVCPacketType 1) or Enhanced RTMP (FrameType 1, PacketType CodedFrames or CodedFramesX).
 */
export function isVideoKeyframe(payload: Buffer): boolean {
  const first = payload[0];
  if (first === undefined || ((first >> 4) & 0x07) !== 1) return false;
  if (first & 0x80) {
    const packetType = first & 0x0f;
    return packetType === 1 || packetType === 3;
  }
  return payload[1] === 1;
}
