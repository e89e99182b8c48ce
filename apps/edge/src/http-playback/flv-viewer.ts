import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
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
 * one contiguous Buffer, copied once for all of them, so each response pays one write. The body is
 * close-delimited (`FlvViewer.writeHead`: no chunked framing, `Connection: close`, as HTTP/1.0 streams
 * and nginx-http-flv send it), so that write goes straight to the socket, the RTMP viewers' cost.
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
  /** Responses whose head `writeHead` wrote: their body is the socket's bytes, written there directly. */
  private static readonly closeDelimited = new WeakSet<ServerResponse>();
  /** The socket the tags go to (a close-delimited response), or null: through `res.write` (chunked). */
  private socket: ServerResponse['socket'] = null;
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

  /**
   * The response head of an HTTP-FLV stream: 200 with `headers`, `Connection: close` and no
   * Transfer-Encoding, so the body runs until the connection closes (RFC 9112 §6.3: a response without
   * Content-Length or Transfer-Encoding) and needs no framing per write. Players (ffmpeg, flv.js and
   * mpegts.js over fetch) read such a body as they read a chunked one.
   */
  static writeHead(res: ServerResponse, headers: OutgoingHttpHeaders): void {
    // Node then frames nothing: without it, a body of unknown length is sent chunked
    res.removeHeader('transfer-encoding');
    res.writeHead(200, { ...headers, connection: 'close' });
    FlvViewer.closeDelimited.add(res);
  }

  /** Writes the FLV header; the caller then listens to the broadcast (which replays the GOP cache). */
  begin(): void {
    if (FlvViewer.closeDelimited.has(this.res)) {
      this.res.flushHeaders();
      this.socket = this.res.socket;
    }
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
    this.opts.fanout.schedule(this, this.opts.tracks.video && msg.typeId !== 9);
  }

  /** Hands the queued tags to the response in one write (FlvFanout calls this in each flush pass). */
  flush(): void {
    const parts = this.queued;
    const bytes = this.queuedBytes;
    this.queued = [];
    this.queuedBytes = 0;
    if (parts.length === 0 || this.res.destroyed || this.res.writableEnded) return;
    const buf = FlvViewer.joined(parts, bytes);
    if (this.socket !== null) {
      if (this.socket.destroyed) return;
      this.socket.write(buf);
    } else {
      // corked: the chunk goes to the socket now, not on Node's next-tick uncork of chunked responses
      this.res.cork();
      this.res.write(buf);
      this.res.uncork();
    }
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
