// What an on-demand RTMP viewer is owed and when: the pacing rule, with no I/O and no clock of its own
// (every call is told the time). rtmp-vod-player.ts reads the samples it names and sends them.
import { type MediaFileIndex, SAMPLE_VIDEO, seekSample } from '@tributary/media';

/** A batch of samples owed now: [from, to) of the index's sample table, in this play's generation. */
export interface OwedSamples {
  readonly from: number;
  readonly to: number;
  /** Bumped by every seek: a batch of an older generation is dropped, never sent. */
  readonly generation: number;
}

/**
 * A play's start and length as the play command carries them (rtmp-core PlayRequest): `start` in ms
 * (-2 and -1, live-or-recorded and live, play a file from its start), `len` in ms as Flash Player and
 * librtmp send it on the wire (-1 or absent: to the end; 0: one frame, the keyframe at `start`).
 * Anything not finite or negative counts as the default.
 */
export interface PlayWindow {
  readonly startMs: number;
  readonly lenMs: number;
}

/**
 * One viewer's position in a file and its media clock. The clock is anchored (wall time, media time) at
 * play, seek and unpause; a sample is owed once its decoding time is at most the clock plus `aheadMs`
 * (the player's buffer plus a margin), so a viewer holds about its buffer and no more. A viewer that
 * fell behind its clock (it stopped reading, the file's bytes came slowly) is re-anchored where it is:
 * it gets a buffer's worth, then real time again, never the whole backlog at once.
 */
export class VodPacer {
  private cursor: number;
  /** Samples from here on are past the play's length. */
  private readonly endSample: number;
  private anchorWallMs: number;
  private anchorMediaMs: number;
  private generationNo = 0;
  paused = false;

  constructor(
    private readonly index: MediaFileIndex,
    window: PlayWindow,
    nowMs: number,
  ) {
    const startMs = Number.isFinite(window.startMs) && window.startMs > 0 ? window.startMs : 0;
    const landing = seekSample(index, startMs);
    this.cursor = landing.sample;
    this.anchorWallMs = nowMs;
    this.anchorMediaMs = landing.timeMs;
    this.endSample = endSampleOf(index, landing.sample, startMs, window.lenMs);
  }

  get generation(): number {
    return this.generationNo;
  }

  /** The next sample to send (the sample count when everything is sent). */
  get position(): number {
    return this.cursor;
  }

  /** Media time of the next sample to send (the end of what the play sends once it is all sent). */
  get positionMs(): number {
    return this.timeOf(this.cursor);
  }

  /** Every sample of the play is sent. */
  get done(): boolean {
    return this.cursor >= this.endSample;
  }

  /** Where the viewer's playhead is estimated to be (media ms): the clock, not past what was sent. */
  playheadMs(nowMs: number): number {
    if (this.paused) return this.anchorMediaMs;
    return this.anchorMediaMs + Math.max(0, nowMs - this.anchorWallMs);
  }

  /**
   * The samples owed at `nowMs`: those whose decoding time is at most the clock plus `aheadMs`, at most
   * `maxBytes` of them (at least one), none past the play's end; null when nothing is owed (paused,
   * done, or ahead enough).
   */
  owed(nowMs: number, aheadMs: number, maxBytes: number): OwedSamples | null {
    if (this.paused || this.done) return null;
    const dts = this.index.samples.dts;
    const size = this.index.samples.size;
    const next = dts[this.cursor] as number;
    // Behind the clock: the player has run dry (it did not read, or bytes came slowly). Re-anchored at
    // the next sample, so it gets a buffer's worth now and real time after.
    if (next < this.playheadMs(nowMs)) {
      this.anchorMediaMs = next;
      this.anchorWallMs = nowMs;
    }
    const due = this.playheadMs(nowMs) + aheadMs;
    if (next > due) return null;
    let to = this.cursor;
    let bytes = 0;
    while (to < this.endSample && (dts[to] as number) <= due) {
      const s = size[to] as number;
      if (to > this.cursor && bytes + s > maxBytes) break;
      bytes += s;
      to++;
    }
    return { from: this.cursor, to, generation: this.generationNo };
  }

  /** The batch was sent: the cursor moves past it (a batch of an older generation changes nothing). */
  commit(batch: OwedSamples): void {
    if (batch.generation !== this.generationNo || batch.from !== this.cursor) return;
    this.cursor = batch.to;
  }

  /**
   * Seek: from the keyframe at or before `timeMs` (not a finite number, or negative: the start), the
   * clock anchored there now; whatever was owed before is of an older generation.
   */
  seek(timeMs: number, nowMs: number): { sample: number; timeMs: number } {
    const t = Number.isFinite(timeMs) && timeMs > 0 ? timeMs : 0;
    const landing = seekSample(this.index, t);
    this.generationNo++;
    this.cursor = Math.min(landing.sample, this.endSample);
    this.anchorMediaMs = landing.timeMs;
    this.anchorWallMs = nowMs;
    return landing;
  }

  /** Pause: nothing is owed until unpause; the clock stops where it is. */
  pause(nowMs: number): void {
    if (this.paused) return;
    this.anchorMediaMs = this.playheadMs(nowMs);
    this.anchorWallMs = nowMs;
    this.paused = true;
  }

  /**
   * Unpause: sending resumes from where it stopped, the clock re-anchored now at the player's playhead
   * (`playheadMs`, the time its unpause names), taken only between a buffer before the next sample and
   * the next sample, so that a bogus time neither stalls the viewer nor floods it.
   */
  unpause(playheadMs: number, nowMs: number, aheadMs: number): void {
    const next = this.positionMs;
    const said = Number.isFinite(playheadMs) ? playheadMs : next;
    this.anchorMediaMs = Math.min(next, Math.max(next - aheadMs, said));
    this.anchorWallMs = nowMs;
    this.paused = false;
  }

  private timeOf(sample: number): number {
    const s = this.index.samples;
    if (sample < Math.min(s.count, this.endSample)) return s.dts[sample] as number;
    const last = Math.min(s.count, this.endSample) - 1;
    return last < 0 ? 0 : (s.dts[last] as number);
  }
}

/**
 * The first sample past a play of `lenMs` from `startMs` (from the landing keyframe `first`): the first
 * sample whose decoding time is at or after start + len; len 0 plays the landing keyframe alone (and the
 * audio before it in decoding order, none); negative or not finite: to the end.
 */
export function endSampleOf(index: MediaFileIndex, first: number, startMs: number, lenMs: number): number {
  const s = index.samples;
  if (!Number.isFinite(lenMs) || lenMs < 0) return s.count;
  if (lenMs === 0) {
    for (let i = first; i < s.count; i++) if ((s.flags[i] as number) & SAMPLE_VIDEO) return i + 1;
    return Math.min(s.count, first + 1);
  }
  const end = startMs + lenMs;
  let lo = first;
  let hi = s.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((s.dts[mid] as number) < end) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How far ahead of the playhead a viewer is sent: its buffer (at least `minMs`, at most `maxMs`) plus a margin. */
export function aheadMsFor(bufferLengthMs: number, minMs: number, maxMs: number, marginMs: number): number {
  const buffer = Number.isFinite(bufferLengthMs) ? bufferLengthMs : 0;
  return Math.min(maxMs, Math.max(minMs, buffer)) + marginMs;
}
