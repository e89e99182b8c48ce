import type { FlvTagKind } from '@tributary/media';
import { type BroadcastMessage, encodeFlvTag, FlvTagType } from '@tributary/rtmp-core';

/**
 * 50 ms, as rtmp-core's Broadcast `mergeWriteMs` for RTMP viewers: far below a player's start buffer
 * (mpegts.js and ffmpeg buffer more), while the response write is paid every ~3.6 messages of a 30 fps
 * stream with audio instead of once per message (apps/edge `npm run bench:http`, README).
 */
export const FLV_MERGE_WRITE_MS = 50;

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
 * The HTTP-FLV fan-out of one edge (RTMP's merged writes, rtmp-core Broadcast `mergeWriteMs`): every
 * message becomes a SharedFlvTag once, however many viewers and streams listen (the cache is keyed by the
 * broadcast's message object, and lives as long as it does, GOP cache included); viewers queue the tags
 * and every queue is written each `mergeWriteMs`, one corked write per viewer per period.
 */
export class FlvFanout {
  private readonly tags = new WeakMap<BroadcastMessage, SharedFlvTag | null>();
  private readonly dirty = new Set<MergedWriter>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly mergeWriteMs: number = FLV_MERGE_WRITE_MS) {}

  tagOf(msg: BroadcastMessage): SharedFlvTag | undefined {
    let tag = this.tags.get(msg);
    if (tag === undefined) {
      tag = SharedFlvTag.of(msg) ?? null;
      this.tags.set(msg, tag);
    }
    return tag ?? undefined;
  }

  /** `writer` has queued tags: it is flushed within `mergeWriteMs`. */
  schedule(writer: MergedWriter): void {
    this.dirty.add(writer);
    this.timer ??= setTimeout(() => this.flush(), this.mergeWriteMs);
  }

  /** `writer` ended: nothing more is flushed for it. */
  cancel(writer: MergedWriter): void {
    this.dirty.delete(writer);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const writers = [...this.dirty];
    this.dirty.clear();
    for (const writer of writers) writer.flush();
  }
}
