import { EventEmitter } from 'node:events';
import { type AmfObject } from '../amf';
import { type BroadcastSink } from '../broadcast/broadcast-sink';
import { type OutgoingMessage } from '../chunk/chunk-encoder';
import { onStatusCommand } from '../command/commands';
import { type ConnectRequest, type PlayRequest, type PublishRequest } from '../command/requests';
import { type RateLimitedLogger } from '../logger/rate-limited-logger';
import { encodeCommand } from '../message/command';
import { encodeData } from '../message/data';
import { type DataMessage, type MediaMessage } from '../message/media-message';
import { Csid } from '../message/message-types';
import { type OnStatusInfo, StatusCode, statusInfo } from '../message/on-status';
import { encodeUserControl, type UserControlEvent } from '../message/user-control';
import { type ConnectionStats } from '../session/protocol-session';
import { type NetStreamLimits, NetStreamMachine, type StreamState } from './net-stream-machine';
import { type RecordedItem } from './server-types';

/**
 * A server connection as its NetStreams and the hooks see it (RtmpServerConnection implements it):
 * declared here, below the connection, so streams and options do not import the connection back.
 */
export interface ServerConnection {
  readonly id: string;
  readonly logger: RateLimitedLogger;
  readonly remoteAddress: string;
  /** What carries the connection: 'tcp', 'tls', 'rtmpt', 'memory'. */
  readonly transportKind: string;
  readonly connectRequest: ConnectRequest | null;
  readonly isClosed: boolean;
  readonly stats: ConnectionStats;
  readonly usesAmf3: boolean;
  readonly outgoingChunkSize: number;
  readonly writableLength: number;
  /** Enhanced RTMP v2: the client's connect announced it acts on a ReconnectRequest. */
  readonly supportsReconnect: boolean;
  send(msg: OutgoingMessage): void;
  writeChunks(buffers: readonly Buffer[], byteLength?: number): void;
  /** The stream's current play item ended: its publisher left or its duration elapsed. */
  playItemEnded(stream: RtmpServerStream, cause: 'unpublished' | 'duration' | 'complete'): void;
  /** A server-side play2 switch of `stream` to `name` (RtmpServerStream.requestSwitch). */
  switchPlay(stream: RtmpServerStream, name: string): void;
  requestReconnect(tcUrl?: string, description?: string): void;
  sendConnectionStatus(info: OnStatusInfo): void;
  close(reason: string, code?: string, err?: unknown): void;
  on(event: 'close', listener: (reason: string) => void): this;
  once(event: 'close', listener: (reason: string) => void): this;
  off(event: 'close', listener: (reason: string) => void): this;
}

/**
 * One NetStream of a server connection (message stream id from createStream): its protocol state is a
 * NetStreamMachine (sans-I/O, read through the getters here); this object is what the application and
 * the broadcast hold: events, writes, the item timer and the play2 switch point.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merged interface only adds typed EventEmitter overloads.
export class RtmpServerStream extends EventEmitter implements BroadcastSink {
  readonly machine: NetStreamMachine;
  /** Ends the current item when its duration (> 0) elapses. */
  itemTimer: ReturnType<typeof setTimeout> | undefined;
  /** The client's buffer, from its SetBufferLength (ms; 0 until it sends one): how far ahead to send a file. */
  bufferLengthMs = 0;
  /**
   * Unsubscribes from the stream switched away from, run at the switch point. Whether a switch is pending
   * is the machine's (`machine.switching`): this list only holds what waits for it.
   */
  private readonly switchDone: ((cut?: number) => void)[] = [];

  constructor(
    readonly connection: ServerConnection,
    readonly messageStreamId: number,
    /** The server's (RtmpServerOptions maxPlayListItems): given by the connection, never defaulted here. */
    limits: NetStreamLimits,
  ) {
    super();
    this.machine = new NetStreamMachine(messageStreamId, limits);
  }

  get state(): StreamState {
    return this.machine.state;
  }

  get publishRequest(): PublishRequest | null {
    return this.machine.publishRequest;
  }

  get playRequest(): PlayRequest | null {
    return this.machine.playRequest;
  }

  /** The current item is a recorded one (the onPlay hook said so), else null (live). */
  get recorded(): RecordedItem | null {
    return this.machine.recorded;
  }

  /** receiveAudio / receiveVideo (spec 7.2.2.4/7.2.2.5); the broadcast skips disabled kinds. */
  get receiveAudio(): boolean {
    return this.machine.receiveAudio;
  }

  get receiveVideo(): boolean {
    return this.machine.receiveVideo;
  }

  get paused(): boolean {
    return this.machine.paused;
  }

  /** Play list items after the current one (play with reset=false, play2 'append'), oldest first. */
  get playList(): readonly PlayRequest[] {
    return this.machine.playList;
  }

  get outgoingChunkSize(): number {
    return this.connection.outgoingChunkSize;
  }

  get writableLength(): number {
    return this.connection.writableLength;
  }

  writeChunks(buffers: readonly Buffer[], byteLength?: number): void {
    this.connection.writeChunks(buffers, byteLength);
  }

  sendStatus(info: OnStatusInfo): void {
    this.connection.send(
      encodeCommand(onStatusCommand(info), {
        csid: Csid.StreamCommand,
        messageStreamId: this.messageStreamId,
        amf3: this.connection.usesAmf3,
      }),
    );
  }

  /**
   * onPlayStatus (a data message, as FMS sends it): the play-list and transition notifications
   * NetStream.Play.Switch, Play.Complete and Play.TransitionComplete (AS3 NetStream.onPlayStatus).
   */
  sendPlayStatus(info: OnStatusInfo): void {
    this.connection.send(
      encodeData(
        { name: 'onPlayStatus', values: [info] },
        { csid: Csid.StreamCommand, messageStreamId: this.messageStreamId },
      ),
    );
  }

  get switching(): boolean {
    return this.machine.switching;
  }

  /** During a play2 switch, leaving the current stream waits for `switched()`: false when none is pending. */
  deferUnsubscribe(done: (cut?: number) => void): boolean {
    if (!this.machine.switching) return false;
    this.switchDone.push(done);
    return true;
  }

  /**
   * The new stream reached its keyframe (at `timestamp`): leave the old one, whose messages from that
   * instant on are not sent (the new stream has them), then NetStream.Play.TransitionComplete.
   */
  switched(timestamp?: number): void {
    if (!this.machine.switching) return;
    this.cancelSwitch(timestamp);
    this.sendPlayStatus(
      statusInfo('status', StatusCode.PlayTransitionComplete, `Switched to ${this.playRequest?.name}.`),
    );
  }

  /** Ends a pending switch without completing it (stop, reset, close): the old stream is left at once. */
  cancelSwitch(cut?: number): void {
    const done = this.switchDone.splice(0);
    this.machine.switchSettled();
    for (const f of done) f(cut);
  }

  /**
   * The recorded item being played has reached its end (or its duration): onPlayStatus Play.Complete,
   * StreamEOF and Play.Stop, or the play list's next item. Ignored when the stream does not play a
   * recorded item.
   */
  complete(): void {
    if (this.state === 'playing' && this.recorded !== null) this.connection.playItemEnded(this, 'complete');
  }

  /**
   * Moves this viewer to another stream at that stream's next keyframe, as if it had sent play2 switch
   * (Play.Transition, then TransitionComplete): the server's own down-switch of a lagging viewer.
   */
  requestSwitch(name: string): void {
    if (this.state === 'playing' && !this.switching) this.connection.switchPlay(this, name);
  }

  /** The broadcast started dropping for this viewer (it reads too slowly): the 'lagging' event. */
  lagging(): void {
    this.emit('lagging');
  }

  /** The broadcast played has ended (UnpublishNotify sent); during a switch the old stream's end is moot. */
  ended(): void {
    if (this.state === 'playing' && !this.switching) this.connection.playItemEnded(this, 'unpublished');
  }

  sendUserControl(event: UserControlEvent): void {
    this.connection.send(encodeUserControl(event));
  }

  /** Closes the whole connection: a NetStream has no transport of its own. */
  close(reason: string): void {
    this.connection.close(reason);
  }
}

/** Typed events (API.md). */
export interface RtmpServerStream {
  on(event: 'media', listener: (msg: MediaMessage) => void): this;
  on(event: 'metadata', listener: (meta: AmfObject, timestamp: number) => void): this;
  on(event: 'data', listener: (msg: DataMessage) => void): this;
  on(event: 'unpublish' | 'stop', listener: () => void): this;
  /** The broadcast started dropping for this viewer (see lagging()). */
  on(event: 'lagging', listener: () => void): this;
  on(event: 'pause', listener: (paused: boolean, timeMs: number) => void): this;
  on(event: 'seek', listener: (timeMs: number) => void): this;
  on(event: 'buffer', listener: (bufferLengthMs: number) => void): this;
  on(event: 'receive', listener: (kind: 'audio' | 'video', enabled: boolean) => void): this;
  once(event: 'media', listener: (msg: MediaMessage) => void): this;
  once(event: 'buffer', listener: (bufferLengthMs: number) => void): this;
  once(event: 'unpublish' | 'stop', listener: () => void): this;
  once(event: 'receive', listener: (kind: 'audio' | 'video', enabled: boolean) => void): this;
}
