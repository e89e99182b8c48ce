import { EventEmitter } from 'node:events';
import { type RtmpMessage } from '../chunk/chunk-constants';
import { type OutgoingMessage } from '../chunk/chunk-encoder';
import { onStatusCommand } from '../command/commands';
import {
  type ConnectRequest,
  type PlayRequest,
  parsePlay,
  parsePlay2,
  parsePublish,
  type SubscribeRequest,
} from '../command/requests';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { ServerHandshake } from '../handshake/server-handshake';
import { RateLimitedLogger } from '../logger/rate-limited-logger';
import { splitAggregate } from '../message/aggregate';
import { type Command, decodeCommand, encodeCommand } from '../message/command';
import { decodeData, encodeData, metadataObject, ON_METADATA } from '../message/data';
import { isMediaType, type MediaMessage } from '../message/media-message';
import { Csid, MessageType } from '../message/message-types';
import { CapsEx, type OnStatusInfo, StatusCode, statusInfo } from '../message/on-status';
import { encodeSetPeerBandwidth, PeerBandwidthLimit } from '../message/protocol-control';
import { decodeUserControl, encodeUserControl } from '../message/user-control';
import { type ConnectionStats, ProtocolSession } from '../session/protocol-session';
import { type RtmpTransport } from '../transport/transport';
import {
  type ConnectionPhase,
  type NetConnectionEffect,
  NetConnectionMachine,
} from './net-connection-machine';
import { type NetStreamEffect } from './net-stream-machine';
import { type ResolvedServerOptions } from './server-options';
import { RtmpServerStream, type ServerConnection } from './server-stream';
import { type HookDecision, type HookResult, type RecordedItem } from './server-types';

/** Commands waiting past this many times maxQueuedCommands (all from reads before the pause) close the connection. */
const QUEUED_COMMANDS_HARD_FACTOR = 4;
/** After close() sent its statuses and FIN, a peer that never closes its side is destroyed after this. */
const CLOSE_LINGER_MS = 2_000;

async function decide(result: HookResult): Promise<HookDecision> {
  const decision = await result;
  return decision ?? { allow: true };
}

/**
 * One RTMP connection on the server: transport ↔ handshake ↔ ProtocolSession ↔ NetConnection/NetStream
 * commands. It owns no socket: TCP, TLS, RTMPT and in-memory transports run it alike. Commands run
 * one at a time in arrival order (a pending hook delays the ones behind it);
 * media of a stream whose publish is being authorised is held, bounded, and released after acceptance.
 */
export class RtmpServerConnection extends EventEmitter implements ServerConnection {
  /** This connection's lines, rate-limited: a hostile peer cannot make the server write thousands. */
  readonly logger: RateLimitedLogger;
  readonly streams = new Map<number, RtmpServerStream>();
  /** The NetConnection's protocol state (connect first, streams, the FMS calls): sans-I/O, effects out. */
  private readonly machine: NetConnectionMachine;
  private readonly handshake = new ServerHandshake();
  private readonly session: ProtocolSession;
  private queue: Promise<void> = Promise.resolve();
  /** Media of message streams whose publish command is queued or being authorised, by message stream id. */
  private readonly heldMedia = new Map<number, MediaMessage[]>();
  private heldBytes = 0;
  private handshakeTimer: NodeJS.Timeout | undefined;
  /** An idle ping went out and no byte has arrived since (onIdle). */
  private awaitingPingReply = false;
  /** Command token bucket (options.commandRate). */
  private commandTokens: number;
  private commandTokensAt = Date.now();
  /** Data-message byte bucket (options.dataRate). */
  private dataTokens: number;
  private dataTokensAt = Date.now();
  /** Commands received and not yet finished. */
  private queuedCommands = 0;
  /** Input paused because the peer is not reading what we write (options.readPauseBytes). */
  private pausedForBacklog = false;
  /** Input paused because maxQueuedCommands commands wait to run. */
  private pausedForQueue = false;

  constructor(
    readonly id: string,
    private readonly transport: RtmpTransport,
    private readonly options: ResolvedServerOptions,
    private readonly events: EventEmitter,
  ) {
    super();
    const remote = `${transport.remoteAddress}:${transport.remotePort}`;
    this.logger = RateLimitedLogger.wrap(
      options.logger.child({ connId: id, remote, transport: transport.kind }),
      options.logRate,
    );
    this.machine = new NetConnectionMachine({ maxStreamsPerConnection: options.maxStreamsPerConnection });
    this.commandTokens = options.commandRate.burst;
    this.dataTokens = options.dataRate.burst;
    this.session = new ProtocolSession((buffers) => this.writeRaw(buffers), options.chunkLimits);
    this.handshakeTimer = setTimeout(
      () => this.close('handshake timeout', RtmpErrorCode.Timeout),
      options.handshakeTimeoutMs,
    );
    transport.start(
      {
        data: (data) => this.onData(data),
        // A pinged viewer meets the idle timeout again (onIdle).
        idle: () => this.onIdle(),
        // EPIPE/ECONNRESET: the peer went away while we wrote (FFmpeg closes right after deleteStream).
        error: (err) =>
          err.code === 'EPIPE' || err.code === 'ECONNRESET'
            ? this.close('peer reset')
            : this.close('transport error', undefined, err),
        close: () => this.close('peer closed'),
        drain: () => this.resumeInput(),
      },
      options.idleTimeoutMs,
    );
    this.logger.always('info', {}, 'opened');
  }

  /** Set once `connect` is accepted. */
  get connectRequest(): ConnectRequest | null {
    return this.machine.connectRequest;
  }

  /** Whether replies go out as AMF3 command messages (17): the client sent its connect as one. */
  get usesAmf3(): boolean {
    return this.machine.usesAmf3;
  }

  private get state(): ConnectionPhase {
    return this.machine.phase;
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  /** What carries this connection: 'tcp', 'tls', 'rtmpt', ... */
  get transportKind(): string {
    return this.transport.kind;
  }

  get stats(): ConnectionStats {
    return this.session.stats;
  }

  get outgoingChunkSize(): number {
    return this.session.outgoingChunkSize;
  }

  get writableLength(): number {
    return this.transport.writableLength;
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  send(msg: OutgoingMessage): void {
    if (this.state !== 'closed') this.session.send(msg);
  }

  writeChunks(buffers: readonly Buffer[], byteLength?: number): void {
    if (this.state !== 'closed') this.session.writeChunks(buffers, byteLength);
  }

  /**
   * Every byte to the peer goes through here, so this is where a peer that stops reading is bounded:
   * past readPauseBytes its input is no longer read (its commands wait with it), past
   * maxWriteBufferBytes the connection is dropped. Media never gets that far for a slow viewer (the
   * broadcast skips it to the next keyframe at its own, lower bound); control replies can.
   */
  private writeRaw(buffers: readonly Buffer[]): void {
    const transport = this.transport;
    if (transport.destroyed) return;
    transport.write(buffers);
    const backlog = transport.writableLength;
    if (backlog > this.options.maxWriteBufferBytes && this.state !== 'closed') {
      // Destroyed first: the statuses close() sends would only add to the backlog (and come back here).
      transport.destroy();
      this.logger.always('warn', { backlog }, 'peer is not reading: dropping it');
      this.close(`write backlog over ${this.options.maxWriteBufferBytes} bytes`, RtmpErrorCode.BufferLimit);
    } else if (backlog > this.options.readPauseBytes && !this.pausedForBacklog) {
      this.pausedForBacklog = true;
      transport.pause();
    }
  }

  /** 'drain': the peer read its backlog. */
  private resumeInput(): void {
    this.pausedForBacklog = false;
    if (!this.pausedForQueue && this.state !== 'closed') this.transport.resume();
  }

  /** A command finished: below half the queue bound, reading resumes (unless the peer is not reading). */
  private commandDone(): void {
    this.queuedCommands -= 1;
    if (!this.pausedForQueue || this.queuedCommands > this.options.maxQueuedCommands / 2) return;
    this.pausedForQueue = false;
    if (!this.pausedForBacklog && this.state !== 'closed') this.transport.resume();
  }

  /**
   * Charges a data message before it is decoded: decoding AMF costs CPU per byte (a 256 KiB graph of
   * 65 536 objects takes milliseconds), media does not, so data messages get a byte budget of their own.
   */
  private takeDataBytes(n: number): void {
    const { bytesPerSecond, burst } = this.options.dataRate;
    const now = Date.now();
    this.dataTokens = Math.min(burst, this.dataTokens + ((now - this.dataTokensAt) / 1000) * bytesPerSecond);
    this.dataTokensAt = now;
    if (n > this.dataTokens) {
      throw new RtmpError(
        RtmpErrorCode.Limit,
        `data messages over ${burst} bytes at once or ${bytesPerSecond} bytes a second`,
      );
    }
    this.dataTokens -= n;
  }

  /** Takes a command token; throws (closing the connection) when the peer is over its command rate. */
  private takeCommandToken(): void {
    const { perSecond, burst } = this.options.commandRate;
    const now = Date.now();
    this.commandTokens = Math.min(
      burst,
      this.commandTokens + ((now - this.commandTokensAt) / 1000) * perSecond,
    );
    this.commandTokensAt = now;
    if (this.commandTokens < 1) {
      throw new RtmpError(
        RtmpErrorCode.Limit,
        `more than ${burst} commands at once or ${perSecond} a second`,
      );
    }
    this.commandTokens -= 1;
    // At the bound the transport stops being read (TCP holds the rest back); one read may still carry
    // more commands than that, so far past it the connection goes.
    if (this.queuedCommands >= this.options.maxQueuedCommands && !this.pausedForQueue) {
      this.pausedForQueue = true;
      this.transport.pause();
    }
    if (this.queuedCommands >= QUEUED_COMMANDS_HARD_FACTOR * this.options.maxQueuedCommands) {
      throw new RtmpError(
        RtmpErrorCode.Limit,
        `more than ${QUEUED_COMMANDS_HARD_FACTOR * this.options.maxQueuedCommands} commands waiting to run`,
      );
    }
  }

  private onData(data: Buffer): void {
    if (this.state === 'closed') return;
    this.awaitingPingReply = false;
    try {
      let chunkBytes = data;
      if (this.state === 'handshake') {
        const step = this.handshake.push(data);
        this.writeRaw(step.send);
        if (!step.done) return;
        this.machine.handshakeDone();
        this.logger.debug({ kind: this.handshake.kind }, 'handshake done');
        chunkBytes = step.rest;
      }
      for (const msg of this.session.receive(chunkBytes)) this.onMessage(msg);
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * No byte either way for `idleTimeoutMs`. A playing stream may legitimately be silent (a viewer waiting
   * for its publisher, or paused; nginx-rtmp's idle streams): its connection gets a PingRequest (spec
   * 7.1.7, answered by every client, by ProtocolSession here) and is closed only when nothing at all has
   * come back by the next timeout, as a half-open one would. Any other connection is closed at once.
   */
  private onIdle(): void {
    if (this.awaitingPingReply || !this.hasPlayingStream()) {
      this.close('idle timeout', RtmpErrorCode.Timeout);
      return;
    }
    this.awaitingPingReply = true;
    // The ping timestamp is 32-bit milliseconds; only its echo matters.
    this.send(encodeUserControl({ type: 'PingRequest', timestamp: Date.now() % 2 ** 32 }));
    this.logger.debug({}, 'idle: ping sent');
  }

  private hasPlayingStream(): boolean {
    for (const stream of this.streams.values()) if (stream.state === 'playing') return true;
    return false;
  }

  /** Closes this connection for a protocol violation, never the process. */
  private fail(err: unknown): void {
    if (err instanceof RtmpError) this.close(err.message, err.code);
    else this.close('internal error', undefined, err);
  }

  private onMessage(msg: RtmpMessage): void {
    switch (msg.typeId) {
      case MessageType.CommandAmf0:
      case MessageType.CommandAmf3: {
        this.takeCommandToken();
        const cmd = decodeCommand(msg, this.options.amfLimits);
        this.markPending(cmd, msg.messageStreamId);
        this.queuedCommands += 1;
        this.enqueue(async () => {
          try {
            await this.onCommand(cmd, msg);
          } finally {
            this.commandDone();
          }
        });
        return;
      }
      case MessageType.Audio:
      case MessageType.Video:
        this.onMedia(msg.messageStreamId, {
          typeId: msg.typeId,
          timestamp: msg.timestamp,
          payload: msg.payload,
        });
        return;
      case MessageType.Aggregate:
        for (const sub of splitAggregate(msg)) {
          if (isMediaType(sub.typeId)) this.onMedia(msg.messageStreamId, { ...sub, typeId: sub.typeId });
          else this.onDataMessage({ ...msg, ...sub });
        }
        return;
      case MessageType.DataAmf0:
      case MessageType.DataAmf3:
        this.onDataMessage(msg);
        return;
      case MessageType.UserControl:
        this.onUserControl(msg);
        return;
      default:
        // Shared objects and the like: tolerated.
        this.logger.debug({ typeId: msg.typeId }, 'message ignored');
    }
  }

  /**
   * A client's user control event (PingRequest is ProtocolSession's): SetBufferLength is kept on its
   * stream (a recorded item is sent that far ahead); PingResponse and the rest are tolerated.
   */
  private onUserControl(msg: RtmpMessage): void {
    const event = decodeUserControl(msg);
    if (event.type !== 'SetBufferLength') return;
    const stream = this.streams.get(event.streamId);
    if (stream === undefined) return;
    stream.bufferLengthMs = event.bufferLengthMs;
    stream.emit('buffer', event.bufferLengthMs);
  }

  /**
   * A publish command holds its message stream's media from the moment it arrives, not when the queue
   * reaches it (a pipelining client may send createStream, publish and media in one write).
   */
  private markPending(cmd: Command, messageStreamId: number): void {
    if (cmd.name === 'publish' && !this.heldMedia.has(messageStreamId))
      this.heldMedia.set(messageStreamId, []);
  }

  private enqueue(task: () => Promise<void> | void): void {
    this.queue = this.queue.then(async () => {
      if (this.state === 'closed') return;
      try {
        await task();
      } catch (err) {
        this.fail(err);
      }
    });
  }

  private onMedia(messageStreamId: number, media: MediaMessage): void {
    const stream = this.streams.get(messageStreamId);
    if (stream?.state === 'publishing') {
      stream.emit('media', media);
      return;
    }
    const held = this.heldMedia.get(messageStreamId);
    if (held === undefined) return; // no publish pending on that stream: media before authorisation is dropped
    this.heldBytes += media.payload.length;
    if (this.heldBytes > this.options.maxPendingMediaBytes) {
      throw new RtmpError(
        RtmpErrorCode.Limit,
        `${this.heldBytes} bytes of media held while authorising exceed ${this.options.maxPendingMediaBytes}`,
      );
    }
    held.push(media);
  }

  private onDataMessage(msg: RtmpMessage): void {
    const stream = this.streams.get(msg.messageStreamId);
    if (stream?.state !== 'publishing') return;
    this.takeDataBytes(msg.payload.length);
    const data = decodeData(msg, this.options.amfLimits);
    const meta = data.name === ON_METADATA ? metadataObject(data.values[0]) : null;
    if (meta !== null) stream.emit('metadata', meta, msg.timestamp);
    else
      stream.emit('data', {
        name: data.name,
        values: data.values,
        timestamp: msg.timestamp,
        payload: msg.payload,
      });
  }

  private reply(cmd: Command, messageStreamId = 0): void {
    const csid = messageStreamId === 0 ? Csid.Command : Csid.StreamCommand;
    this.send(encodeCommand(cmd, { csid, messageStreamId, amf3: this.usesAmf3 }));
  }

  private async onCommand(cmd: Command, msg: RtmpMessage): Promise<void> {
    const amf3 = msg.typeId === MessageType.CommandAmf3;
    await this.applyConnection(this.machine.command(cmd, msg.messageStreamId, amf3));
  }

  /**
   * Carries out the NetConnection machine's effects in order; a hook (onConnect, onSubscribe,
   * onStreamLength) runs in the command queue and the machine's answer to it follows.
   */
  private async applyConnection(effects: readonly NetConnectionEffect[]): Promise<void> {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'reply':
          this.reply(effect.cmd);
          break;
        case 'authorize-connect': {
          clearTimeout(this.handshakeTimer);
          const { req } = effect;
          const decision = await this.runHook('onConnect', () => this.options.hooks.onConnect?.(this, req));
          if (this.isClosed) return;
          return this.applyConnection(this.machine.connectAuthorized(decision));
        }
        case 'connected':
          this.session.announceWindow(this.options.windowAckSize);
          this.send(encodeSetPeerBandwidth(this.options.peerBandwidth, PeerBandwidthLimit.Dynamic));
          this.session.setOutgoingChunkSize(this.options.chunkSize);
          this.reply(effect.reply);
          this.events.emit('connect', this);
          break;
        case 'rejected':
          this.reply(effect.reply);
          this.close('connect rejected');
          return;
        case 'stream-created': {
          const id = effect.messageStreamId;
          const limits = { maxPlayListItems: this.options.maxPlayListItems };
          this.streams.set(id, new RtmpServerStream(this, id, limits));
          this.reply(effect.reply);
          break;
        }
        case 'stream-command': {
          const stream = this.streams.get(effect.messageStreamId);
          if (stream !== undefined) await this.onStreamCommand(effect.cmd, stream);
          break;
        }
        case 'delete-stream': {
          const stream = this.streams.get(effect.messageStreamId);
          if (stream === undefined) break;
          this.applyNow(stream, stream.machine.end());
          this.streams.delete(effect.messageStreamId);
          break;
        }
        case 'query-subscribe': {
          const live = await this.askSubscribe(effect.req);
          if (this.isClosed) return;
          return this.applyConnection(this.machine.subscribeAnswered(effect.req, live));
        }
        case 'query-length': {
          const seconds = await this.askStreamLength(effect.req);
          if (this.isClosed) return;
          return this.applyConnection(this.machine.lengthAnswered(effect.transactionId, seconds));
        }
        case 'log':
          this.logger[effect.level](effect.fields, effect.msg);
          break;
      }
    }
  }

  private async runHook(hook: string, call: () => HookResult): Promise<HookDecision> {
    try {
      return await decide(call());
    } catch (err) {
      this.logger.warn(
        { hook, err: err instanceof Error ? err.message : String(err) },
        'hook failed: denying',
      );
      return { allow: false };
    }
  }

  /**
   * FCSubscribe(name), the live subscription of Akamai/Limelight CDNs that JW Player and rtmpdump
   * `--subscribe` send: the `onSubscribe` hook says whether the stream is live (anywhere in a fleet).
   * Without the hook every subscription is live. A throwing hook answers not live.
   */
  private async askSubscribe(req: SubscribeRequest): Promise<boolean> {
    const hook = this.options.hooks.onSubscribe;
    if (hook === undefined) return true;
    try {
      return (await hook(this, req)) === true;
    } catch (err) {
      this.logger.warn(
        { hook: 'onSubscribe', err: err instanceof Error ? err.message : String(err) },
        'hook failed: not live',
      );
      return false;
    }
  }

  /** getStreamLength(name): the onStreamLength hook's seconds; live streams and unknown names have none (0). */
  private async askStreamLength(req: SubscribeRequest): Promise<number> {
    const hook = this.options.hooks.onStreamLength;
    if (hook === undefined) return 0;
    try {
      return await hook(this, req);
    } catch (err) {
      this.logger.warn(
        { hook: 'onStreamLength', err: err instanceof Error ? err.message : String(err) },
        'hook failed: length 0',
      );
      return 0;
    }
  }

  /** A NetStream command: the stream's machine decides, apply() carries it out. */
  private async onStreamCommand(cmd: Command, stream: RtmpServerStream): Promise<void> {
    const machine = stream.machine;
    switch (cmd.name) {
      case 'publish': {
        let effects: NetStreamEffect[];
        try {
          effects = machine.publish(parsePublish(cmd));
        } catch (err) {
          this.releaseHeld(stream.messageStreamId);
          throw err;
        }
        return this.apply(stream, effects);
      }
      case 'play':
        return this.apply(stream, machine.play(parsePlay(cmd)));
      case 'play2':
        return this.apply(stream, machine.play(parsePlay2(cmd)));
      case 'pause': {
        const time = typeof cmd.args[1] === 'number' ? cmd.args[1] : 0;
        return this.apply(stream, machine.pause(cmd.args[0] !== false, time));
      }
      case 'seek':
        return this.apply(stream, machine.seek(typeof cmd.args[0] === 'number' ? cmd.args[0] : 0));
      case 'receiveAudio':
      case 'receiveVideo':
        return this.apply(
          stream,
          machine.receive(cmd.name === 'receiveAudio' ? 'audio' : 'video', cmd.args[0] !== false),
        );
      default:
        // closeStream
        return this.apply(stream, machine.end());
    }
  }

  /** Forgets the media held for a message stream and returns it. */
  private releaseHeld(messageStreamId: number): MediaMessage[] {
    const held = this.heldMedia.get(messageStreamId) ?? [];
    this.heldMedia.delete(messageStreamId);
    for (const m of held) this.heldBytes -= m.payload.length;
    return held;
  }

  /**
   * Carries out a NetStream machine's effects in order. An authorisation runs its hook (the queue keeps
   * later commands waiting meanwhile) and carries on with the machine's answer to it.
   */
  private async apply(stream: RtmpServerStream, effects: readonly NetStreamEffect[]): Promise<void> {
    for (const effect of effects) {
      if (effect.kind === 'authorize-publish') {
        const { req } = effect;
        const decision = await this.runHook('onPublish', () => this.options.hooks.onPublish?.(stream, req));
        if (this.isClosed) return;
        return this.apply(stream, stream.machine.publishAuthorized(decision));
      }
      if (effect.kind === 'authorize-play') {
        const granted = await this.authorizePlay(stream, effect.req);
        if (this.isClosed) return;
        return this.apply(stream, stream.machine.playAuthorized(granted));
      }
      this.applyEffect(stream, effect);
    }
  }

  /** Effects that need no hook (ending, closing, deleting a stream): carried out at once. */
  private applyNow(stream: RtmpServerStream, effects: readonly NetStreamEffect[]): void {
    for (const effect of effects) {
      if (effect.kind === 'authorize-play' || effect.kind === 'authorize-publish')
        throw new RtmpError(RtmpErrorCode.State, `${effect.kind} where none can run`);
      this.applyEffect(stream, effect);
    }
  }

  private applyEffect(
    stream: RtmpServerStream,
    effect: Exclude<NetStreamEffect, { kind: 'authorize-play' | 'authorize-publish' }>,
  ): void {
    const id = stream.messageStreamId;
    switch (effect.kind) {
      case 'status':
        stream.sendStatus(effect.info);
        return;
      case 'play-status':
        stream.sendPlayStatus(effect.info);
        return;
      case 'control':
        stream.sendUserControl({ type: effect.type, streamId: id });
        return;
      case 'sample-access':
        // Flash: allows the player to read raw audio and video data (BitmapData.draw, SoundMixer.computeSpectrum).
        this.send(
          encodeData(
            { name: '|RtmpSampleAccess', values: [true, true] },
            { csid: Csid.StreamCommand, messageStreamId: id },
          ),
        );
        return;
      case 'release-held': {
        const held = this.releaseHeld(id);
        if (effect.deliver) for (const m of held) stream.emit('media', m);
        return;
      }
      case 'arm-duration':
        stream.itemTimer = setTimeout(() => this.playItemEnded(stream, 'duration'), effect.seconds * 1000);
        return;
      case 'disarm-duration':
        clearTimeout(stream.itemTimer);
        return;
      case 'cancel-switch':
        stream.cancelSwitch();
        return;
      case 'stop':
        stream.emit('stop');
        return;
      case 'unpublish':
        stream.emit('unpublish');
        return;
      case 'published':
        this.events.emit('publish', stream);
        return;
      case 'playing':
        this.events.emit('play', stream);
        return;
      case 'pause':
        stream.emit('pause', effect.paused, effect.timeMs);
        return;
      case 'seek':
        stream.emit('seek', effect.timeMs);
        return;
      case 'receive':
        stream.emit('receive', effect.media, effect.enabled);
        return;
      case 'log':
        this.logger[effect.level](effect.fields, effect.msg);
        return;
    }
  }

  /** Runs onPlay: null when denied (its error onStatus sent), else whether the item is a recorded one. */
  private async authorizePlay(
    stream: RtmpServerStream,
    req: PlayRequest,
  ): Promise<{ recorded: RecordedItem | null } | null> {
    const decision = await this.runHook('onPlay', () => this.options.hooks.onPlay?.(stream, req));
    if (this.isClosed) return null;
    if (decision.allow) return { recorded: decision.recorded ?? null };
    stream.sendStatus(
      statusInfo(
        'error',
        decision.code ?? StatusCode.PlayStreamNotFound,
        decision.description ?? `${req.name} is not available.`,
      ),
    );
    this.logger.info({ stream: req.name }, 'play rejected');
    return null;
  }

  /**
   * The current item ended: its publisher left ('unpublished'), its duration elapsed, or its recorded
   * file was played to the end ('complete'). The machine decides what follows, in the command queue.
   */
  playItemEnded(stream: RtmpServerStream, cause: 'unpublished' | 'duration' | 'complete'): void {
    const item = stream.playRequest;
    this.enqueue(() => this.apply(stream, stream.machine.itemEnded(item, cause)));
  }

  /**
   * A play2 switch the server decides (RtmpServerStream.requestSwitch): the same as the client's
   * `play2 { streamName, transition: 'switch' }` with the current item's query, through onPlay, in the
   * command queue. Ignored unless the stream plays.
   */
  switchPlay(stream: RtmpServerStream, name: string): void {
    const current = stream.playRequest;
    if (!current) return;
    const req: PlayRequest = {
      name,
      query: new URLSearchParams(current.query),
      start: -2,
      duration: -1,
      reset: false,
      transition: 'switch',
      command: 'play2',
    };
    this.enqueue(() => this.apply(stream, stream.machine.play(req)));
  }

  /**
   * Closes the connection once: ends its streams with their onStatus, sends NetConnection.Connect.Closed
   * when it was connected, half-closes, and destroys the transport if the peer lingers.
   */
  close(reason: string, code?: string, err?: unknown): void {
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    for (const stream of this.streams.values()) this.applyNow(stream, stream.machine.closing());
    if (wasConnected && !this.transport.destroyed) {
      this.sendConnectionStatus(statusInfo('status', StatusCode.ConnectClosed, reason));
    }
    this.machine.closed();
    clearTimeout(this.handshakeTimer);
    this.heldMedia.clear();
    this.transport.end();
    const linger = setTimeout(() => this.transport.destroy(), CLOSE_LINGER_MS);
    // A Node timer must not keep the process alive for a lingering peer.
    (linger as { unref?: () => void }).unref?.();
    const { bytesIn, bytesOut } = this.session.stats;
    const fields: Record<string, unknown> = { reason, bytesIn, bytesOut };
    if (code !== undefined) fields.code = code;
    if (err !== undefined) fields.err = err instanceof Error ? err.message : String(err);
    this.logger.always('info', fields, 'closed');
    this.emit('close', reason);
    this.events.emit('close', this, reason);
  }

  /**
   * Enhanced RTMP v2: did this client's connect announce that it acts on a ReconnectRequest (`capsEx`
   * bit 0x01)? Only then is requestReconnect() more than a status line the client ignores.
   */
  get supportsReconnect(): boolean {
    const caps = this.connectRequest?.command.capsEx;
    return typeof caps === 'number' && Number.isInteger(caps) && (caps & CapsEx.Reconnect) !== 0;
  }

  /**
   * Enhanced RTMP v2 ReconnectRequest: `onStatus` NetConnection.Connect.ReconnectRequest (level status)
   * on message stream 0, with `tcUrl` naming where to reconnect (absent: this server again). The
   * connection stays open: the client closes it once it has reconnected (a publisher republishes there).
   */
  requestReconnect(tcUrl?: string, description = 'The server is going away; reconnect.'): void {
    this.sendConnectionStatus(
      statusInfo(
        'status',
        StatusCode.ConnectReconnectRequest,
        description,
        tcUrl === undefined ? {} : { tcUrl },
      ),
    );
  }

  /** Sends an onStatus on message stream 0 (NetConnection level). */
  sendConnectionStatus(info: OnStatusInfo): void {
    this.reply(onStatusCommand(info));
  }
}
