import { type AmfObject, encodeAmf0 } from '../amf';
import { encodeMessageFmt0 } from '../chunk/chunk-encoder';
import { type RtmpLogger, silentLogger } from '../logger/rtmp-logger';
import { ON_METADATA } from '../message/data';
import { type MediaMessage } from '../message/media-message';
import { Csid, MessageType } from '../message/message-types';
import { StatusCode, statusInfo } from '../message/on-status';
import { type BroadcastSink } from './broadcast-sink';
import { type CoalescePolicy, DEFAULT_FLUSH_OPTIONS, FlushScheduler } from './flush-scheduler';
import { classifyMedia, type MediaRole } from './media-role';

export interface BroadcastOptions {
  name?: string;
  logger?: RtmpLogger;
  /** Socket backlog (bytes) above which a subscriber skips to the next keyframe. */
  maxQueueBytes?: number;
  /** A subscriber that keeps dropping for longer than this is disconnected. */
  maxLagMs?: number;
  /** A GOP larger than this is not cached (late joiners then wait for the next keyframe). */
  gopCacheMaxBytes?: number;
  /**
   * When a subscriber's messages are written (see `CoalescePolicy`, flush-scheduler.ts). Default `turn`.
   * Without it, an explicit `mergeWriteMs: 0` means `off` and any other `mergeWriteMs` means `interval`, as
   * before the policy existed. Subscribers that got the same messages since the last flush (all but late
   * joiners and droppers) are handed the same Buffer: the batch's chunks copied once into one contiguous
   * buffer, one write each.
   */
  coalesce?: CoalescePolicy;
  /** The period of the `interval` policy, in ms (default 50). */
  mergeWriteMs?: number;
  /** The longest wait of the `adaptive` policy, in ms (default 15). */
  maxHoldMs?: number;
  /** Under load, the longest the `adaptive` policy holds audio for the next video frame, in ms (default 45). */
  audioHoldMs?: number;
  /** Clock (ms) for the lag rule and the `adaptive` policy's pass timing; injected by tests. */
  now?: () => number;
  /**
   * play2 switch: how far (in message time, ms) the stream being left runs behind for a viewer while the
   * new one has not reached its keyframe (default 250). Held messages from the switch point on are never
   * sent, so a rendition that is a little ahead of the other does not show one instant twice. 0 (the
   * default): no hold.
   */
  switchHoldMs?: number;
}

const DEFAULT_BROADCAST_OPTIONS = {
  /** 4 MiB ≈ 10 s of a 3 Mbps stream: a viewer this far behind gains nothing from the frames in between. */
  maxQueueBytes: 4 * 1024 * 1024,
  /** A viewer stalled for 10 s is disconnected: one slow reader must not hold memory for the others. */
  maxLagMs: 10_000,
  /** 16 MiB holds a 10 s GOP at 12 Mbps; the cache is bounded by bytes (one GOP), not by a count of messages. */
  gopCacheMaxBytes: 16 * 1024 * 1024,
  /** Off by default: the stream left plays on at once, and may show the switch instant twice. */
  switchHoldMs: 0,
  ...DEFAULT_FLUSH_OPTIONS,
};

/** Messages a viewer switching away may have held at once, whatever their timestamps say. */
const MAX_SWITCH_HELD = 512;

function resolveCoalesce(options: BroadcastOptions): CoalescePolicy {
  if (options.coalesce !== undefined) return options.coalesce;
  if (options.mergeWriteMs === undefined) return DEFAULT_BROADCAST_OPTIONS.coalesce;
  return options.mergeWriteMs === 0 ? 'off' : 'interval';
}

/**
 * A message as published, for message-level subscribers (HTTP-FLV, HLS segmenting): `typeId` is 8 (audio),
 * 9 (video) or 18 (onMetaData, AMF0); `payload` is the FLV tag body, shared and never to be mutated.
 */
export interface BroadcastMessage {
  readonly typeId: number;
  readonly timestamp: number;
  readonly payload: Buffer;
  readonly role: MediaRole;
}

/**
 * A message-level subscriber: gets messages rather than RTMP chunks, and does its own flow control
 * (the broadcast has no socket to measure for it).
 */
export interface BroadcastListener {
  /** On `listen` to a live broadcast: metadata, sequence headers and the cached GOP; then every message. */
  message(msg: BroadcastMessage): void;
  /** The publisher started (true) or left (false), as waiting RTMP subscribers get PublishNotify/UnpublishNotify. */
  live?(isLive: boolean): void;
}

export interface BroadcastStats {
  subscribers: number;
  messagesIn: number;
  bytesIn: number;
  bytesOut: number;
  droppedMessages: number;
  slowDisconnects: number;
}

/** A message serialised lazily once per (outgoing chunk size, message stream id) and shared by all sinks. */
class SharedMessage implements BroadcastMessage {
  private readonly encodings = new Map<number, { buffers: Buffer[]; length: number }>();

  constructor(
    readonly csid: number,
    readonly typeId: number,
    readonly timestamp: number,
    readonly payload: Buffer,
    readonly role: MediaRole,
  ) {}

  encodedFor(sink: BroadcastSink): { buffers: Buffer[]; length: number } {
    // Chunk sizes fit in 24 bits (spec 5.4.1), so this key is unique for message stream ids below 2^29.
    const key = sink.messageStreamId * 0x1000000 + sink.outgoingChunkSize;
    let e = this.encodings.get(key);
    if (e === undefined) {
      const buffers = encodeMessageFmt0(
        {
          csid: this.csid,
          timestamp: this.timestamp,
          typeId: this.typeId,
          messageStreamId: sink.messageStreamId,
          payload: this.payload,
        },
        sink.outgoingChunkSize,
      );
      let length = 0;
      for (const b of buffers) length += b.length;
      e = { buffers, length };
      this.encodings.set(key, e);
    }
    return e;
  }
}

interface Subscriber {
  readonly sink: BroadcastSink;
  /** Set after a drop: only a keyframe (or codec config) resumes delivery, so the decoder never sees a hole. */
  waitingForKeyframe: boolean;
  /** Subscribed by a play2 switch: silent until a keyframe, which is preceded by metadata and configs. */
  awaitingSwitch: boolean;
  /**
   * Switching away (play2): its unsubscribe waits for the new stream's keyframe; meanwhile its messages
   * run `switchHoldMs` behind in `held`, and those from the switch point on are dropped at the end.
   */
  switchingAway: boolean;
  held: SharedMessage[];
  droppingSince: number | null;
  dropped: number;
  /**
   * In step: gets every message of the batch and nothing else, so it has no queue of its own and costs
   * nothing per message; the flush pass writes it the batch. A subscriber out of step (a joiner with its
   * GOP, one waiting for a keyframe or a switch) goes message by message through `deliver` until the
   * pass after which it is back in step.
   */
  inStep: boolean;
  /** Merged-write queue of a subscriber out of step: messages not yet handed to the sink, and their encoded byte count. */
  queued: SharedMessage[];
  queuedBytes: number;
}

/**
 * One live stream's fan-out: payloads are shared, never copied per viewer, and caches are bounded by bytes.
 * Each publisher message is wrapped once; its chunk serialisation
 * is made once per (chunk size, message stream id) and the same Buffers go to every subscriber. Late
 * joiners get metadata, sequence headers and the current GOP. A subscriber whose socket backlog exceeds
 * `maxQueueBytes` skips to the next keyframe; one that keeps lagging for `maxLagMs` is disconnected.
 */
export class Broadcast {
  readonly name: string;
  readonly stats: BroadcastStats = {
    subscribers: 0,
    messagesIn: 0,
    bytesIn: 0,
    bytesOut: 0,
    droppedMessages: 0,
    slowDisconnects: 0,
  };
  private readonly options: Required<Omit<BroadcastOptions, 'name' | 'logger'>>;
  private readonly logger: RtmpLogger;
  private readonly subscribers = new Map<BroadcastSink, Subscriber>();
  private readonly listeners = new Set<BroadcastListener>();
  private live = false;
  private hasVideo = false;
  private metadata: SharedMessage | null = null;
  private videoConfig: SharedMessage | null = null;
  private audioConfig: SharedMessage | null = null;
  private gop: SharedMessage[] = [];
  private gopBytes = 0;
  /** When the queued messages are written, by the `coalesce` policy. */
  private readonly flusher: FlushScheduler;
  /** Every message fanned out since the last flush while a subscriber was in step, in order: what each one in step gets. */
  private batch: SharedMessage[] = [];
  /** Subscribers out of step (each message goes through `deliver` for them); all of them under `off`. */
  private readonly outOfStep = new Set<Subscriber>();
  private inStepCount = 0;

  constructor(options: BroadcastOptions = {}) {
    this.name = options.name ?? '';
    this.logger = (options.logger ?? silentLogger).child({ broadcast: this.name });
    this.options = {
      ...DEFAULT_BROADCAST_OPTIONS,
      now: () => performance.now(),
      ...Object.fromEntries(Object.entries(options).filter(([k]) => k !== 'name' && k !== 'logger')),
      coalesce: resolveCoalesce(options),
    };
    this.flusher = new FlushScheduler(() => this.writeQueued(), this.options);
  }

  get isLive(): boolean {
    return this.live;
  }

  /** The publisher started: subscribers that were waiting get StreamBegin and Play.PublishNotify. */
  start(): void {
    this.flush();
    this.live = true;
    for (const sub of this.subscribers.values()) {
      sub.sink.sendUserControl({ type: 'StreamBegin', streamId: sub.sink.messageStreamId });
      sub.sink.sendStatus(
        statusInfo('status', StatusCode.PlayPublishNotify, `${this.name} is now published.`),
      );
    }
    for (const listener of this.listeners) listener.live?.(true);
  }

  /** The publisher left: subscribers get Play.UnpublishNotify and StreamEOF and keep waiting for the next one. */
  stop(): void {
    this.flush();
    this.live = false;
    for (const sub of this.subscribers.values()) {
      sub.sink.sendStatus(
        statusInfo('status', StatusCode.PlayUnpublishNotify, `${this.name} is now unpublished.`),
      );
      sub.sink.sendUserControl({ type: 'StreamEOF', streamId: sub.sink.messageStreamId });
    }
    for (const listener of this.listeners) listener.live?.(false);
    // After the loop: a play list moving on unsubscribes the sink from this broadcast.
    for (const sink of [...this.subscribers.keys()]) sink.ended?.();
    this.metadata = null;
    this.videoConfig = null;
    this.audioConfig = null;
    this.hasVideo = false;
    this.resetGop();
  }

  /** Replaces onMetaData (the edge may add fields such as a title) and sends it to every subscriber. */
  setMetadata(meta: AmfObject, timestamp = 0): void {
    const payload = encodeAmf0([ON_METADATA, meta]);
    this.metadata = new SharedMessage(Csid.Data, MessageType.DataAmf0, timestamp, payload, 'config');
    this.fanOut(this.metadata);
  }

  /** Feeds one publisher message. Its payload is shared with every subscriber and must not be mutated. */
  pushMedia(msg: MediaMessage): void {
    this.stats.messagesIn++;
    this.stats.bytesIn += msg.payload.length;
    const role = classifyMedia(msg);
    const csid = msg.typeId === MessageType.Video ? Csid.Video : Csid.Audio;
    const shared = new SharedMessage(csid, msg.typeId, msg.timestamp, msg.payload, role);
    if (msg.typeId === MessageType.Video) this.hasVideo = true;
    if (role === 'config') {
      if (msg.typeId === MessageType.Video) this.videoConfig = shared;
      else this.audioConfig = shared;
    } else {
      this.cacheGop(shared);
    }
    this.fanOut(shared);
  }

  private resetGop(): void {
    this.gop = [];
    this.gopBytes = 0;
  }

  private cacheGop(shared: SharedMessage): void {
    if (shared.role === 'keyframe' && shared.typeId === MessageType.Video) this.resetGop();
    else if (this.gop.length === 0) return; // before the first keyframe nothing is useful to a late joiner
    this.gopBytes += shared.payload.length;
    if (this.gopBytes > this.options.gopCacheMaxBytes) {
      this.resetGop();
      return;
    }
    this.gop.push(shared);
  }

  private fanOut(shared: SharedMessage): void {
    if (this.inStepCount > 0) {
      this.batch.push(shared);
      this.flusher.schedule(this.holdable(shared));
    }
    for (const sub of this.outOfStep) this.deliver(sub, shared);
    for (const listener of this.listeners) listener.message(shared);
    // Nothing queued (every subscriber waiting for a keyframe): no flush will clear the batch, so do it now.
    if (!this.flusher.pending) this.batch = [];
  }

  /** Audio and data of a stream with video may wait for the next video frame's write (`adaptive` under load). */
  private holdable(shared: SharedMessage): boolean {
    return this.hasVideo && shared.typeId !== MessageType.Video;
  }

  /** True when `shared` may start playback for a subscriber that dropped (audio-only streams: any frame). */
  private resumesPlayback(shared: SharedMessage): boolean {
    if (shared.role !== 'frame') return true;
    return !this.hasVideo && shared.typeId === MessageType.Audio;
  }

  /** A switch happens on a keyframe (audio-only streams: any audio frame), never on a config or delta frame. */
  private startsSwitch(shared: SharedMessage): boolean {
    return shared.role === 'keyframe' || (shared.role === 'frame' && this.resumesPlayback(shared));
  }

  private deliver(sub: Subscriber, shared: SharedMessage): void {
    if (sub.switchingAway && this.options.switchHoldMs > 0) {
      sub.held.push(shared);
      const hold = this.options.switchHoldMs;
      while (
        sub.held.length > 0 &&
        (shared.timestamp - sub.held[0]!.timestamp > hold || sub.held.length > MAX_SWITCH_HELD)
      ) {
        this.write(sub, sub.held.shift()!);
        if (!this.subscribers.has(sub.sink)) return;
      }
      return;
    }
    this.write(sub, shared);
  }

  private write(sub: Subscriber, shared: SharedMessage): void {
    const { sink } = sub;
    if (sub.awaitingSwitch) {
      if (!this.startsSwitch(shared)) return;
      sub.awaitingSwitch = false;
      sink.switched?.(shared.timestamp);
      for (const m of [this.metadata, this.videoConfig, this.audioConfig])
        if (m !== null) this.deliver(sub, m);
    }
    if (shared.role !== 'config') {
      if (shared.typeId === MessageType.Audio && sink.receiveAudio === false) return;
      if (shared.typeId === MessageType.Video && sink.receiveVideo === false) return;
    }
    if (sub.waitingForKeyframe && !this.resumesPlayback(shared)) {
      // A viewer that joined without a cached GOP is not dropping, just waiting: only real drops count.
      if (sub.droppingSince !== null) this.drop(sub);
      return;
    }
    if (sink.writableLength + sub.queuedBytes > this.options.maxQueueBytes) {
      this.drop(sub);
      return;
    }
    if (sub.waitingForKeyframe) {
      if (sub.dropped > 0) this.logger.info({ dropped: sub.dropped }, 'subscriber resumed at a keyframe');
      sub.waitingForKeyframe = false;
      sub.droppingSince = null;
      sub.dropped = 0;
    }
    const e = shared.encodedFor(sink);
    this.stats.bytesOut += e.length;
    if (this.options.coalesce === 'off') {
      sink.writeChunks(e.buffers, e.length);
      return;
    }
    sub.queued.push(shared);
    sub.queuedBytes += e.length;
    this.flusher.schedule(this.holdable(shared));
  }

  /** The chunks of `messages` as encoded for `sink`: views of the shared serialisations, nothing copied. */
  private static chunksFor(sink: BroadcastSink, messages: readonly SharedMessage[]): Buffer[] {
    if (messages.length === 1) return messages[0]!.encodedFor(sink).buffers;
    const out: Buffer[] = [];
    for (const m of messages) for (const b of m.encodedFor(sink).buffers) out.push(b);
    return out;
  }

  /** Hands every subscriber's queued chunks to its sink now (also before any status, to keep the order). */
  private flush(): void {
    this.flusher.run();
  }

  /**
   * The flush pass (timed by the scheduler for the `adaptive` policy). Subscribers in step are written
   * the batch: one contiguous copy per (message stream id, chunk size), the same Buffer for all of them,
   * after the checks `deliver` makes per message for the others, made here once per write: a socket
   * backlog that the batch would take past `maxQueueBytes`, or receiveAudio/receiveVideo(false), puts
   * the subscriber out of step and the batch goes through `deliver` for it (drops to the next keyframe,
   * skipped kinds). A subscriber out of step writes its own queue and is back in step when it neither
   * waits for a keyframe nor for a switch.
   */
  private writeQueued(): void {
    const batch = this.batch;
    this.batch = [];
    const joined = new Map<number, { buffers: readonly Buffer[]; bytes: number }>();
    for (const sub of this.subscribers.values()) {
      const { sink } = sub;
      if (sub.inStep) {
        if (batch.length === 0) continue;
        const key = sink.messageStreamId * 0x1000000 + sink.outgoingChunkSize;
        let j = joined.get(key);
        if (j === undefined) {
          const chunks = Broadcast.chunksFor(sink, batch);
          let bytes = 0;
          for (const b of chunks) bytes += b.length;
          j = { buffers: [chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes)], bytes };
          joined.set(key, j);
        }
        if (
          sink.receiveAudio !== false &&
          sink.receiveVideo !== false &&
          sink.writableLength + j.bytes <= this.options.maxQueueBytes
        ) {
          this.stats.bytesOut += j.bytes;
          sink.writeChunks(j.buffers, j.bytes);
          continue;
        }
        this.leaveStep(sub, batch);
        if (!this.subscribers.has(sink)) continue; // disconnected as too slow
      }
      if (sub.queued.length > 0) {
        const messages = sub.queued;
        const bytes = sub.queuedBytes;
        sub.queued = [];
        sub.queuedBytes = 0;
        sink.writeChunks(Broadcast.chunksFor(sink, messages), bytes);
      }
      if (
        !sub.waitingForKeyframe &&
        !sub.awaitingSwitch &&
        !sub.switchingAway &&
        this.options.coalesce !== 'off'
      ) {
        sub.inStep = true;
        this.inStepCount++;
        this.outOfStep.delete(sub);
      }
    }
  }

  /** `sub` goes out of step; `pending` (the messages it was due as in step) go through `deliver` for it. */
  private leaveStep(sub: Subscriber, pending: readonly SharedMessage[]): void {
    sub.inStep = false;
    this.inStepCount--;
    this.outOfStep.add(sub);
    for (const m of pending) {
      if (!this.subscribers.has(sub.sink)) return;
      this.deliver(sub, m);
    }
  }

  private drop(sub: Subscriber): void {
    const now = this.options.now();
    this.stats.droppedMessages++;
    sub.dropped++;
    if (!sub.waitingForKeyframe) {
      sub.waitingForKeyframe = true;
      sub.droppingSince = now;
      sub.sink.lagging?.();
      this.logger.warn(
        { queued: sub.sink.writableLength },
        'subscriber too slow: dropping to the next keyframe',
      );
    } else if (sub.droppingSince !== null && now - sub.droppingSince > this.options.maxLagMs) {
      this.stats.slowDisconnects++;
      this.unsubscribe(sub.sink);
      sub.sink.close('subscriber too slow');
    }
  }

  /** Adds a viewer. On a live broadcast it first receives metadata, sequence headers and the current GOP. */
  subscribe(sink: BroadcastSink): void {
    if (this.subscribers.has(sink)) return;
    const sub: Subscriber = {
      sink,
      waitingForKeyframe: false,
      awaitingSwitch: sink.switching === true,
      switchingAway: false,
      held: [],
      droppingSince: null,
      dropped: 0,
      inStep: false,
      queued: [],
      queuedBytes: 0,
    };
    this.subscribers.set(sink, sub);
    this.outOfStep.add(sub);
    this.stats.subscribers = this.subscribers.size;
    if (!this.live || sub.awaitingSwitch) return;
    for (const m of [this.metadata, this.videoConfig, this.audioConfig]) if (m !== null) this.deliver(sub, m);
    // Without a cached GOP the viewer waits for the next keyframe rather than decoding from a hole.
    if (this.hasVideo && this.gop.length === 0) sub.waitingForKeyframe = true;
    for (const m of this.gop) this.deliver(sub, m);
  }

  /**
   * Removes a viewer (after its queued chunks). One switching away keeps playing until the switch point,
   * unless this is a stream it was still waiting to switch to (a second switch, or a stop).
   */
  unsubscribe(sink: BroadcastSink, cut?: number): void {
    const sub = this.subscribers.get(sink);
    if (
      sub !== undefined &&
      !sub.awaitingSwitch &&
      !sub.switchingAway &&
      sink.deferUnsubscribe?.((at) => this.unsubscribe(sink, at)) === true
    ) {
      // It keeps playing this stream until the switch point, a little behind (see switchHoldMs).
      sub.switchingAway = true;
      if (sub.inStep) this.leaveStep(sub, this.batch);
      return;
    }
    if (sub === undefined) return;
    if (sub.inStep) this.leaveStep(sub, this.batch);
    if (sub.switchingAway) {
      const held = sub.held;
      sub.held = [];
      sub.switchingAway = false;
      for (const m of held) {
        if (cut !== undefined && m.timestamp >= cut) continue;
        this.write(sub, m);
        if (!this.subscribers.has(sink)) return;
      }
    }
    if (sub.queued.length > 0) {
      sink.writeChunks(Broadcast.chunksFor(sink, sub.queued), sub.queuedBytes);
      sub.queued = [];
      sub.queuedBytes = 0;
    }
    this.subscribers.delete(sink);
    this.outOfStep.delete(sub);
    this.stats.subscribers = this.subscribers.size;
  }

  /**
   * Adds a message-level subscriber. On a live broadcast it first receives metadata, sequence headers and
   * the current GOP (as RTMP subscribers do), synchronously, before this returns.
   */
  listen(listener: BroadcastListener): void {
    if (this.listeners.has(listener)) return;
    this.listeners.add(listener);
    if (!this.live) return;
    for (const m of [this.metadata, this.videoConfig, this.audioConfig]) if (m !== null) listener.message(m);
    for (const m of this.gop) listener.message(m);
  }

  unlisten(listener: BroadcastListener): void {
    this.listeners.delete(listener);
  }

  /** Forgets every subscriber and listener; connections are closed by their owner. */
  close(): void {
    this.flush();
    this.subscribers.clear();
    this.outOfStep.clear();
    this.inStepCount = 0;
    this.batch = [];
    this.listeners.clear();
    this.stats.subscribers = 0;
    this.live = false;
  }
}
