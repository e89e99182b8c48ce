import type { ServerResponse } from 'node:http';
import { type FlvTagKind, HttpFlvWriter } from '@tributary/media';
import type { BroadcastListener, BroadcastMessage } from '@tributary/rtmp-core';
import type { HttpViewer } from '../streams/stream-registry';

/** FLV TagType (FLV spec §E.4.1). */
const TAG_KINDS: Record<number, FlvTagKind> = { 8: 'audio', 9: 'video', 18: 'script' };

export interface FlvViewerOptions {
  /** Tracks announced in the FLV header (players such as mpegts.js wait for each announced track). */
  tracks: { audio: boolean; video: boolean };
  /** Response backlog (bytes) above which the viewer skips to the next keyframe (VIEWER_QUEUE_MAX_BYTES). */
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
 * headers and GOP cache, then live tags, each payload shared with every viewer (HttpFlvWriter).
 * Flow control is the RTMP viewers' (rtmp-core Broadcast, RELIABILITY L3): past `maxQueueBytes` of
 * unsent response the viewer drops to the next keyframe, and one that keeps dropping for `maxLagMs`
 * is disconnected, so a slow reader holds at most about one queue of memory.
 */
export class FlvViewer implements BroadcastListener, HttpViewer {
  readonly protocol = 'http-flv' as const;
  readonly stats: FlvViewerStats = { droppedMessages: 0, slowDisconnect: false };
  private readonly writer: HttpFlvWriter;
  private readonly now: () => number;
  private waitingForKeyframe = false;
  private droppingSince: number | null = null;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: FlvViewerOptions,
  ) {
    this.writer = new HttpFlvWriter(opts.tracks);
    this.now = opts.now ?? Date.now;
  }

  /** Response bytes not yet handed to the kernel (bounded by maxQueueBytes plus one message). */
  get backlog(): number {
    return this.res.writableLength;
  }

  /** Writes the FLV header; the caller then listens to the broadcast (which replays the GOP cache). */
  begin(): void {
    this.write([this.writer.header()]);
  }

  message(msg: BroadcastMessage): void {
    const kind = TAG_KINDS[msg.typeId];
    if (this.ended || kind === undefined) return;
    if (this.waitingForKeyframe && !this.resumesPlayback(msg)) {
      this.drop();
      return;
    }
    if (this.res.writableLength > this.opts.maxQueueBytes) {
      this.drop();
      return;
    }
    this.waitingForKeyframe = false;
    this.droppingSince = null;
    this.write(this.writer.tag(kind, msg.timestamp, msg.payload));
  }

  /** The publisher left: the response ends (HTTP-FLV viewers do not wait; the player reconnects). */
  live(isLive: boolean): void {
    if (!isLive) this.close('unpublished');
  }

  close(reason: string): void {
    if (this.ended) return;
    this.ended = true;
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

  private write(buffers: Buffer[]): void {
    let bytes = 0;
    this.res.cork();
    for (const b of buffers) {
      this.res.write(b);
      bytes += b.length;
    }
    this.res.uncork();
    this.opts.onSent(bytes);
  }
}
