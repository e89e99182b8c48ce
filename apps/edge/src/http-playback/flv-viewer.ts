import type { ServerResponse } from 'node:http';
import { FlvTimeline } from '@tributary/media';
import { type BroadcastListener, type BroadcastMessage, encodeFlvHeader } from '@tributary/rtmp-core';
import type { HttpViewer } from '../streams/stream-registry';
import type { FlvFanout, MergedWriter } from './flv-fanout';

export interface FlvViewerOptions {
  /** Tracks announced in the FLV header (players such as mpegts.js wait for each announced track). */
  tracks: { audio: boolean; video: boolean };
  /** Shares each tag's Buffers between viewers and paces their writes. */
  fanout: FlvFanout;
  /** Queued plus unsent response bytes above which the viewer skips to the next keyframe (VIEWER_QUEUE_MAX_BYTES). */
  maxQueueBytes: number;
  /** A viewer that keeps dropping for longer than this is disconnected (VIEWER_MAX_LAG_MS). */
  maxLagMs: number;
  /** Bytes handed to the socket, for egress accounting. */
  onSent: (bytes: number) => void;
  /** Why the viewer ended: 'unpublished', 'too_slow' or the reason given to close(). */
  onEnd: (reason: string) => void;
  now?: () => number;
}

export interface FlvViewerStats {
  droppedMessages: number;
  slowDisconnect: boolean;
}

/**
 * One HTTP-FLV viewer (GET /live/<id>.flv): the FLV header, then the broadcast's metadata, sequence
 * headers and GOP cache, then live tags. Tags are shared with every viewer (FlvFanout) and queued here;
 * the fan-out writes the queue in one write per flush pass, when the RTMP viewers' write policy says (edge
 * FANOUT_COALESCE: by default right after the event-loop turn that queued it), as RTMP viewers get theirs: viewers
 * that queued the same tags since the last flush (all but joiners, droppers and shifted timelines) write
 * one contiguous Buffer, copied once for all of them, so each response pays one chunk and one write.
 * Flow control is the RTMP viewers' (rtmp-core Broadcast; a viewer stalled for 10 s is cut): past `maxQueueBytes` of
 * queued and unsent response the viewer drops to the next keyframe, and one that keeps dropping for
 * `maxLagMs` is disconnected, so a slow reader holds at most about one queue of memory.
 */
export class FlvViewer implements BroadcastListener, HttpViewer, MergedWriter {
  readonly protocol = 'http-flv' as const;
  readonly stats: FlvViewerStats = { droppedMessages: 0, slowDisconnect: false };
  private readonly timeline = new FlvTimeline();
  /**
   * The last batch made contiguous, by the buffer lists it joined (tag buffer lists are shared between
   * viewers): the next viewer of the same flush with the same lists writes the same Buffer. Held until
   * the next batch replaces it, so at most one batch of memory.
   */
  private static lastBatch: { parts: readonly (readonly Buffer[])[]; joined: Buffer } | null = null;
  /** Tag buffer lists waiting for the next merged write, and their byte count. */
  private queued: (readonly Buffer[])[] = [];
  private queuedBytes = 0;
  private readonly now: () => number;
  private waitingForKeyframe = false;
  private droppingSince: number | null = null;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: FlvViewerOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Queued and unsent response bytes (bounded by maxQueueBytes plus one message). */
  get backlog(): number {
    return this.res.writableLength + this.queuedBytes;
  }

  /** Writes the FLV header; the caller then listens to the broadcast (which replays the GOP cache). */
  begin(): void {
    const header = encodeFlvHeader(this.opts.tracks);
    this.queue([header], header.length);
    this.flush();
  }

  message(msg: BroadcastMessage): void {
    const tag = this.opts.fanout.tagOf(msg);
    if (this.ended || tag === undefined) return;
    if (this.waitingForKeyframe && !this.resumesPlayback(msg)) {
      this.drop();
      return;
    }
    if (this.backlog > this.opts.maxQueueBytes) {
      this.drop();
      return;
    }
    this.waitingForKeyframe = false;
    this.droppingSince = null;
    this.queue(tag.buffersAt(this.timeline.map(tag.kind, msg.timestamp)), tag.byteLength);
    this.opts.fanout.schedule(this);
  }

  /** Hands the queued tags to the response in one write (FlvFanout calls this in each flush pass). */
  flush(): void {
    const parts = this.queued;
    const bytes = this.queuedBytes;
    this.queued = [];
    this.queuedBytes = 0;
    if (parts.length === 0 || this.res.destroyed || this.res.writableEnded) return;
    // corked: the chunk goes to the socket now, not on Node's next-tick uncork of chunked responses
    this.res.cork();
    this.res.write(FlvViewer.joined(parts, bytes));
    this.res.uncork();
    this.opts.onSent(bytes);
  }

  private static joined(parts: readonly (readonly Buffer[])[], bytes: number): Buffer {
    const last = FlvViewer.lastBatch;
    if (last !== null && last.joined.length === bytes && last.parts.length === parts.length) {
      let same = true;
      for (let i = 0; i < parts.length && same; i++) same = parts[i] === last.parts[i];
      if (same) return last.joined;
    }
    const joined = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const list of parts) for (const b of list) at += b.copy(joined, at);
    FlvViewer.lastBatch = { parts, joined };
    return joined;
  }

  /** The publisher left: the response ends (HTTP-FLV viewers do not wait; the player reconnects). */
  live(isLive: boolean): void {
    if (!isLive) this.close('unpublished');
  }

  /** Ends the response after what is queued (nothing more reaches a destroyed one). */
  close(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.opts.fanout.cancel(this);
    this.flush();
    this.res.end();
    this.opts.onEnd(reason);
  }

  /** A keyframe or codec config restarts decoding; so does any audio frame of an audio-only stream. */
  private resumesPlayback(msg: BroadcastMessage): boolean {
    return msg.role !== 'frame' || (!this.opts.tracks.video && msg.typeId === 8);
  }

  private drop(): void {
    this.stats.droppedMessages++;
    const now = this.now();
    if (!this.waitingForKeyframe) {
      this.waitingForKeyframe = true;
      this.droppingSince = now;
    } else if (this.droppingSince !== null && now - this.droppingSince > this.opts.maxLagMs) {
      this.stats.slowDisconnect = true;
      this.res.destroy();
      this.close('too_slow');
    }
  }

  private queue(buffers: readonly Buffer[], byteLength: number): void {
    this.queued.push(buffers);
    this.queuedBytes += byteLength;
  }
}
