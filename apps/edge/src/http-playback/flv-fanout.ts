import type { FlvTagKind } from '@tributary/media';
import {
  type BroadcastMessage,
  encodeFlvTag,
  FlushScheduler,
  type FlushSchedulerOptions,
  FlvTagType,
} from '@tributary/rtmp-core';

/** Broadcast message type ids are the FLV TagTypes (FLV spec §E.4.1 reuses the RTMP message types). */
const TAG_KINDS: Readonly<Record<number, { kind: FlvTagKind; type: FlvTagType }>> = {
  [FlvTagType.Audio]: { kind: 'audio', type: FlvTagType.Audio },
  [FlvTagType.Video]: { kind: 'video', type: FlvTagType.Video },
  [FlvTagType.ScriptData]: { kind: 'script', type: FlvTagType.ScriptData },
};

/**
 * One broadcast message as an FLV tag, encoded once and shared by every HTTP-FLV viewer: the payload is
 * the published Buffer, the 11-byte header and 4-byte trailer are made once at the published timestamp.
 * A viewer whose timeline was shifted (its publisher's clock went back, FlvTimeline) gets a header of its own.
 */
export class SharedFlvTag {
  readonly kind: FlvTagKind;
  /** Header, payload and trailer bytes. */
  readonly byteLength: number;
  private readonly buffers: readonly Buffer[];

  private constructor(
    private readonly msg: BroadcastMessage,
    private readonly type: FlvTagType,
    kind: FlvTagKind,
  ) {
    this.kind = kind;
    const [header, , trailer] = encodeFlvTag(type, msg.timestamp, msg.payload);
    this.buffers = [header, msg.payload, trailer];
    this.byteLength = header.length + msg.payload.length + trailer.length;
  }

  /** The tag of an audio, video or script message; undefined for anything FLV cannot carry. */
  static of(msg: BroadcastMessage): SharedFlvTag | undefined {
    const tag = TAG_KINDS[msg.typeId];
    return tag === undefined ? undefined : new SharedFlvTag(msg, tag.type, tag.kind);
  }

  /** [header, payload, trailer] at the viewer's timestamp: the shared Buffers unless its timeline shifted. */
  buffersAt(timestampMs: number): readonly Buffer[] {
    if (timestampMs === this.msg.timestamp) return this.buffers;
    const [header, , trailer] = encodeFlvTag(this.type, timestampMs, this.msg.payload);
    return [header, this.msg.payload, trailer];
  }
}

/** What the fan-out flushes: a viewer with queued tags. */
export interface MergedWriter {
  flush(): void;
}

/**
 * The HTTP-FLV fan-out of one edge: every message becomes a SharedFlvTag once, however many viewers and
 * streams listen (the cache is keyed by the broadcast's message object, and lives as long as it does, GOP
 * cache included); viewers queue the tags and every queue is written in one flush pass, one corked write
 * per viewer per pass. When the pass runs is the RTMP viewers' rule, rtmp-core's FlushScheduler with the
 * same policy and settings (edge FANOUT_COALESCE, FANOUT_MAX_HOLD_MS, FANOUT_AUDIO_HOLD_MS, FANOUT_MERGE_WRITE_MS): `turn`
 * writes what one event-loop turn queued right after it, `adaptive` (the edge's default) is `turn` until a
 * pass takes ≥ 1 ms and then holds the next one for twice that (at most the max hold), `interval` writes
 * every merge period, `off` writes each tag at once. The scheduler times the whole pass over every viewer
 * of every stream, so `adaptive` holds grow with the edge's HTTP-FLV audience, not one stream's.
 */
export class FlvFanout {
  private readonly tags = new WeakMap<BroadcastMessage, SharedFlvTag | null>();
  private readonly dirty = new Set<MergedWriter>();
  private readonly flusher: FlushScheduler;

  /** `options` as given to rtmp-core's Broadcast (default `turn`). */
  constructor(options: FlushSchedulerOptions = {}) {
    this.flusher = new FlushScheduler(() => this.writeQueued(), options);
  }

  tagOf(msg: BroadcastMessage): SharedFlvTag | undefined {
    let tag = this.tags.get(msg);
    if (tag === undefined) {
      tag = SharedFlvTag.of(msg) ?? null;
      this.tags.set(msg, tag);
    }
    return tag ?? undefined;
  }

  /**
   * `writer` has queued tags: it is flushed in the next pass the policy schedules (`off`: now).
   * `holdable`: an audio or data tag of a stream with video, which under `adaptive`'s load rule waits for
   * the next video tag's pass (rtmp-core FlushScheduler).
   */
  schedule(writer: MergedWriter, holdable = false): void {
    this.dirty.add(writer);
    this.flusher.schedule(holdable);
  }

  /** `writer` ended: nothing more is flushed for it. */
  cancel(writer: MergedWriter): void {
    this.dirty.delete(writer);
  }

  /** Writes every queued viewer now, in place of the scheduled pass. */
  flush(): void {
    this.flusher.run();
  }

  private writeQueued(): void {
    const writers = [...this.dirty];
    this.dirty.clear();
    for (const writer of writers) writer.flush();
  }
}
