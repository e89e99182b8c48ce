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
 * the fan-out writes the queue in one corked write per `FLV_MERGE_WRITE_MS`, as RTMP viewers get theirs.
 * Flow control is the RTMP viewers' (rtmp-core Broadcast, RELIABILITY L3): past `maxQueueBytes` of
 * queued and unsent response the viewer drops to the next keyframe, and one that keeps dropping for
 * `maxLagMs` is disconnected, so a slow reader holds at most about one queue of memory.
 */
export class FlvViewer implements BroadcastListener, HttpViewer, MergedWriter {
  readonly protocol = 'http-flv' as const;
  readonly stats: FlvViewerStats = { droppedMessages: 0, slowDisconnect: false };
  private readonly timeline = new FlvTimeline();
  /** Tag Buffers waiting for the next merged write, and their byte count. */
  private queued: Buffer[] = [];
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

  /** Hands the queued tags to the response in one corked write (FlvFanout calls this every period). */
  flush(): void {
    const buffers = this.queued;
    const bytes = this.queuedBytes;
    this.queued = [];
    this.queuedBytes = 0;
    if (buffers.length === 0 || this.res.destroyed || this.res.writableEnded) return;
    this.res.cork();
    for (const b of buffers) this.res.write(b);
    this.res.uncork();
    this.opts.onSent(bytes);
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
    for (const b of buffers) this.queued.push(b);
    this.queuedBytes += byteLength;
  }
}
