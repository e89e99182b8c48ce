import { EventEmitter } from 'node:events';
import { type AmfObject, type AmfValue } from '../amf';
import { type RtmpMessage } from '../chunk/chunk-constants';
import {
  type ConnectProperties,
  connectCommand,
  createStreamCommand,
  fcPublishCommand,
  fcSubscribeCommand,
  playCommand,
  publishCommand,
  releaseStreamCommand,
} from '../command/commands';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { ClientHandshake } from '../handshake/client-handshake';
import { type RtmpLogger, silentLogger } from '../logger/rtmp-logger';
import { type Command, decodeCommand, encodeCommand } from '../message/command';
import { decodeData, metadataObject, ON_METADATA } from '../message/data';
import { isMediaType } from '../message/media-message';
import { Csid, MessageType } from '../message/message-types';
import { type OnStatusInfo, StatusCode } from '../message/on-status';
import { decodeUserControl } from '../message/user-control';
import { ProtocolSession } from '../session/protocol-session';
import { type RtmpDialer, type RtmpTransport } from '../transport/transport';
import { RtmpClientStream } from './client-stream';

export interface RtmpClientOptions {
  /** rtmp://host[:port]/app[?query] (or rtmps://, rtmpt:// where the dialer carries them); sent as tcUrl. */
  url: string;
  digestHandshake?: boolean;
  chunkSize?: number;
  /** Send FCSubscribe before play (Akamai/Limelight CDNs require it). */
  fcSubscribe?: boolean;
  flashVer?: string;
  objectEncoding?: 0 | 3;
  timeoutMs?: number;
  logger?: RtmpLogger;
  /**
   * RTMP 302 (Wowza/FMS load balancing): a connect answered `_error` NetConnection.Connect.Rejected with
   * `ex: { code: 302, redirect }` is followed to the redirect URL up to this many times (default 0: the
   * rejection is returned, its URL readable with connectRedirectOf()). Each hop is a new TCP connection.
   */
  followRedirects?: number;
  /**
   * Enhanced RTMP v2 `capsEx` announced in connect (CapsEx bits; 0x01: this client acts on a
   * NetConnection.Connect.ReconnectRequest, as ReconnectingPublisher does). Absent: not sent.
   */
  capsEx?: number;
  /**
   * Enhanced RTMP `fourCcList` announced in connect (e.g. ['hvc1', 'av01', 'Opus']; '*' = any): the
   * codecs this client can play. Servers that gate Enhanced RTMP codecs (the edge) refuse a player
   * that did not name the stream's FourCC. Absent: not sent (a legacy client).
   */
  fourCcList?: readonly string[];
}

/** The transport-free client needs to be told how to reach a URL. */
export interface RtmpClientCoreOptions extends RtmpClientOptions {
  /** Opens the transport for a URL (`@tributary/rtmp-core/node`: socketDialer for rtmp:// and rtmps://). */
  dial: RtmpDialer;
}

/** Most redirect hops followOf()/followRedirects accepts: a loop between two edges ends quickly. */
export const MAX_REDIRECT_HOPS = 5;

/**
 * The `ex.redirect` URL of a connect rejected with code 302 (Wowza's and FMS's load-balancing answer),
 * or undefined for any other error. Only rtmp:// and rtmps:// URLs count: anything else is not a place to
 * connect (and connect() never follows one from rtmps:// to rtmp://).
 */
export function connectRedirectOf(err: unknown): string | undefined {
  if (!(err instanceof RtmpError) || err.code !== RtmpErrorCode.Rejected) return undefined;
  const ex = (err.details?.info as { ex?: unknown } | undefined)?.ex;
  if (ex === null || typeof ex !== 'object') return undefined;
  const { code, redirect } = ex as { code?: unknown; redirect?: unknown };
  if (Number(code) !== 302 || typeof redirect !== 'string' || redirect.length > 2048) return undefined;
  try {
    const protocol = new URL(redirect).protocol;
    return protocol === 'rtmp:' || protocol === 'rtmps:' ? redirect : undefined;
  } catch {
    return undefined;
  }
}

const DEFAULT_CLIENT_CHUNK_SIZE = 4096;
const DEFAULT_TIMEOUT_MS = 10_000;

type ClientState =
  /** No transport yet. */
  | 'idle'
  /** Transport open, handshake bytes flowing. */
  | 'handshake'
  /** Chunk stream up (connect may be in flight). */
  | 'open'
  /** Transport gone. */
  | 'closed';

interface Pending {
  resolve(cmd: Command): void;
  reject(err: Error): void;
}

/**
 * An RTMP client for publishing and playing (used by tests and edge relays), on whatever transport its
 * dialer opens. RtmpClient (`@tributary/rtmp-core/node`) is this with TCP and TLS dialing.
 */
export class RtmpClientCore extends EventEmitter {
  private url: URL;
  /** The URL connect() used last (the constructor's, or where a redirect sent it). */
  private tcUrl: string;
  /** The URLs connect() was redirected through, in order (empty without a redirect). */
  readonly redirects: string[] = [];
  private closedByUser = false;
  private readonly logger: RtmpLogger;
  private transport: RtmpTransport | null = null;
  private state: ClientState = 'idle';
  private session: ProtocolSession;
  private handshake: ClientHandshake;
  private nextTransactionId = 1;
  /** Transaction ids → the command waiting for its _result/_error (as FFmpeg's tracked methods). */
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, RtmpClientStream>();
  /** fcSubscribe() calls waiting for their onFCSubscribe, oldest first (servers answer in order). */
  private readonly subscriptions: Array<{ resolve(info: OnStatusInfo): void; reject(err: Error): void }> = [];

  constructor(private readonly options: RtmpClientCoreOptions) {
    super();
    this.url = new URL(options.url);
    this.tcUrl = options.url;
    if (!/^rtmp[ste]?:$/.test(this.url.protocol)) {
      throw new RtmpError(RtmpErrorCode.State, `url protocol ${this.url.protocol} is not an RTMP one`);
    }
    this.logger = (options.logger ?? silentLogger).child({ url: `${this.url.host}${this.url.pathname}` });
    this.session = new ProtocolSession((buffers) => this.write(buffers));
    this.handshake = new ClientHandshake({ digest: options.digestHandshake ?? false });
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private write(buffers: readonly Buffer[]): void {
    const transport = this.transport;
    if (transport === null || transport.destroyed) return;
    transport.write(buffers);
  }

  /** The RTMP URL this client is connected (or connecting) to: the constructor's or a redirect's. */
  get currentUrl(): string {
    return this.tcUrl;
  }

  /**
   * TCP + handshake + connect; resolves with the info object of the _result. With `followRedirects`,
   * a 302 rejection reconnects to its `ex.redirect` (emitting 'redirect' with the URL) and connects there.
   */
  async connect(): Promise<AmfObject> {
    const hops = Math.min(this.options.followRedirects ?? 0, MAX_REDIRECT_HOPS);
    for (;;) {
      try {
        return await this.connectOnce();
      } catch (err) {
        const to = connectRedirectOf(err);
        // Never from rtmps:// to plain rtmp://: the key or token in the query would travel in clear.
        const downgrade = to !== undefined && this.url.protocol === 'rtmps:' && !to.startsWith('rtmps:');
        if (to === undefined || downgrade || this.redirects.length >= hops || this.closedByUser) throw err;
        this.redirects.push(to);
        this.logger.debug({ redirect: new URL(to).host }, 'connect redirected');
        this.reopenAt(to);
        this.emit('redirect', to);
      }
    }
  }

  /** Drops the rejected connection (without a 'close' event) and points the client at `url`. */
  private reopenAt(url: string): void {
    const transport = this.transport;
    // Its handlers check that it is still this client's transport: nothing more comes from it.
    this.transport = null;
    transport?.destroy();
    this.url = new URL(url);
    this.tcUrl = url;
    this.state = 'idle';
    this.pending.clear();
    this.streams.clear();
    this.session = new ProtocolSession((buffers) => this.write(buffers));
    this.handshake = new ClientHandshake({ digest: this.options.digestHandshake ?? false });
  }

  private async connectOnce(): Promise<AmfObject> {
    await this.open();
    this.session.setOutgoingChunkSize(this.options.chunkSize ?? DEFAULT_CLIENT_CHUNK_SIZE);
    const app = this.url.pathname.replace(/^\//, '');
    const tcUrl = this.tcUrl;
    const props: ConnectProperties = { app, tcUrl };
    if (this.options.flashVer !== undefined) props.flashVer = this.options.flashVer;
    if (this.options.objectEncoding !== undefined) props.objectEncoding = this.options.objectEncoding;
    if (this.options.capsEx !== undefined) props.capsEx = this.options.capsEx;
    if (this.options.fourCcList !== undefined) props.fourCcList = this.options.fourCcList;
    const reply = await this.request(connectCommand(this.nextTransactionId++, props));
    const info = metadataObject(reply.args[0] ?? null);
    return info ?? {};
  }

  private open(): Promise<void> {
    this.state = 'handshake';
    return this.withTimeout('handshake', this.dialAndShake());
  }

  private async dialAndShake(): Promise<void> {
    let transport: RtmpTransport;
    try {
      transport = await this.options.dial(this.url, this.timeoutMs);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.fail(e);
      throw e;
    }
    if (this.state === 'closed') {
      transport.destroy();
      throw new RtmpError(RtmpErrorCode.Closed, 'client closed');
    }
    this.transport = transport;
    await new Promise<void>((resolve, reject) => {
      const current = (): boolean => this.transport === transport;
      transport.start(
        {
          data: (data) => {
            if (!current()) return;
            try {
              if (this.onData(data)) resolve();
            } catch (err) {
              reject(err);
              this.fail(err instanceof Error ? err : new Error(String(err)));
            }
          },
          error: (err) => {
            if (!current()) return;
            reject(err);
            this.fail(err);
          },
          close: () => {
            if (!current()) return;
            reject(new RtmpError(RtmpErrorCode.Closed, 'connection closed during the handshake'));
            this.fail(new RtmpError(RtmpErrorCode.Closed, 'connection closed'));
          },
          drain: () => undefined,
          idle: () => undefined,
        },
        0,
      );
      this.write(this.handshake.start());
    });
  }

  /** Returns true when this data completed the handshake. */
  private onData(data: Buffer): boolean {
    let bytes = data;
    let opened = false;
    if (this.state === 'handshake') {
      const step = this.handshake.push(data);
      this.write(step.send);
      if (!step.done) return false;
      this.state = 'open';
      opened = true;
      bytes = step.rest;
    }
    for (const msg of this.session.receive(bytes)) this.onMessage(msg);
    return opened;
  }

  private onMessage(msg: RtmpMessage): void {
    if (msg.typeId === MessageType.CommandAmf0 || msg.typeId === MessageType.CommandAmf3) {
      this.onCommand(decodeCommand(msg), msg.messageStreamId);
      return;
    }
    if (msg.typeId === MessageType.UserControl) {
      // StreamBegin, StreamEOF, StreamIsRecorded, ... name the stream they are about (PingRequest was answered).
      const event = decodeUserControl(msg);
      if ('streamId' in event) this.streams.get(event.streamId)?.emit('control', event);
      return;
    }
    const stream = this.streamFor(msg.messageStreamId);
    if (stream === undefined) return;
    if (isMediaType(msg.typeId)) {
      stream.emit('media', { typeId: msg.typeId, timestamp: msg.timestamp, payload: msg.payload });
    } else if (msg.typeId === MessageType.DataAmf0 || msg.typeId === MessageType.DataAmf3) {
      const data = decodeData(msg);
      const meta = data.name === ON_METADATA ? metadataObject(data.values[0] ?? null) : null;
      if (meta !== null) stream.emit('metadata', meta, msg.timestamp);
      else
        stream.emit('data', {
          name: data.name,
          values: data.values,
          timestamp: msg.timestamp,
          payload: msg.payload,
        });
    }
  }

  /**
   * FFmpeg's listening server (`-listen 1`) sends media on message stream 0 instead of the stream it
   * created: with a single stream open, that is where the media belongs.
   */
  private streamFor(messageStreamId: number): RtmpClientStream | undefined {
    const exact = this.streams.get(messageStreamId);
    if (exact !== undefined || this.streams.size !== 1) return exact;
    return this.streams.values().next().value;
  }

  private onCommand(cmd: Command, messageStreamId: number): void {
    if (cmd.name === '_result' || cmd.name === '_error') {
      const p = this.pending.get(cmd.transactionId);
      if (p === undefined) return;
      this.pending.delete(cmd.transactionId);
      if (cmd.name === '_result') p.resolve(cmd);
      else p.reject(this.rejection(cmd.args[0] ?? null, `_error for transaction ${cmd.transactionId}`));
      return;
    }
    if (cmd.name === 'onFCSubscribe') {
      const info = metadataObject(cmd.args[0] ?? null) as OnStatusInfo | null;
      if (info !== null) this.subscriptions.shift()?.resolve(info);
      return;
    }
    if (cmd.name === 'onStatus') {
      const info = metadataObject(cmd.args[0] ?? null) as OnStatusInfo | null;
      if (info === null) return;
      this.logger.debug({ code: info.code }, 'onStatus');
      this.streams.get(messageStreamId)?.emit('status', info);
      if (messageStreamId === 0) this.emit('status', info);
    }
  }

  private rejection(info: AmfValue, fallback: string): RtmpError {
    const obj = metadataObject(info);
    const description = obj && typeof obj.description === 'string' ? obj.description : fallback;
    return new RtmpError(RtmpErrorCode.Rejected, description, { info: obj ?? {} });
  }

  private withTimeout<T>(step: string, promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new RtmpError(RtmpErrorCode.Timeout, `${step} took longer than ${this.timeoutMs} ms`);
        reject(err);
        this.fail(err);
      }, this.timeoutMs);
      promise.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /** Sends a NetConnection command and waits for its _result (rejects on _error). */
  call(name: string, object: AmfValue, ...args: AmfValue[]): Promise<Command> {
    return this.request({ name, transactionId: this.nextTransactionId++, object, args });
  }

  /** Sends a built command with its transaction id on message stream 0 and waits for its _result. */
  private request(cmd: Command): Promise<Command> {
    const reply = new Promise<Command>((resolve, reject) =>
      this.pending.set(cmd.transactionId, { resolve, reject }),
    );
    this.sendCommand(cmd, 0);
    return this.withTimeout(cmd.name, reply);
  }

  /** Sends a command without waiting (transaction id 0 unless one is given). */
  sendCommand(cmd: Command, messageStreamId: number): void {
    const csid = messageStreamId === 0 ? Csid.Command : Csid.StreamCommand;
    this.session.send(encodeCommand(cmd, { csid, messageStreamId }));
  }

  /** Writes an already encoded message (used by RtmpClientStream). */
  sendMessage(msg: RtmpMessage): void {
    this.session.send(msg);
  }

  /** getStreamLength(name): the server's length of a recorded stream in seconds (0: live or unknown). */
  async getStreamLength(name: string): Promise<number> {
    const reply = await this.call('getStreamLength', null, name);
    const seconds = reply.args[0];
    return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : 0;
  }

  /** createStream (spec 7.2.1.3): a NetStream for publish or play, e.g. to drive commands by hand. */
  async createStream(): Promise<RtmpClientStream> {
    const reply = await this.request(createStreamCommand(this.nextTransactionId++));
    const id = reply.args[0];
    if (typeof id !== 'number')
      throw new RtmpError(RtmpErrorCode.MalformedMessage, 'createStream _result without a stream id');
    const stream = new RtmpClientStream(this, id);
    this.streams.set(id, stream);
    return stream;
  }

  /** Waits for the first onStatus on `stream` with one of `codes`; an error-level status rejects. */
  private awaitStatus(
    stream: RtmpClientStream,
    step: string,
    codes: readonly string[],
  ): Promise<OnStatusInfo> {
    return this.withTimeout(
      step,
      new Promise<OnStatusInfo>((resolve, reject) => {
        const onStatus = (info: OnStatusInfo): void => {
          if (info.level === 'error') reject(this.rejection(info, `${step} failed: ${info.code}`));
          else if (!codes.includes(info.code)) return;
          else resolve(info);
          stream.off('status', onStatus);
        };
        stream.on('status', onStatus);
      }),
    );
  }

  /**
   * FCSubscribe(name), the live subscription of Akamai/Limelight CDNs: resolves with the server's
   * `onFCSubscribe` info, `NetStream.Play.Start` when the stream is live and (level error)
   * `NetStream.Play.StreamNotFound` while it is not; it never rejects for either (the caller retries or
   * plays). Rejects on timeout or when the connection closes.
   */
  fcSubscribe(name: string): Promise<OnStatusInfo> {
    let waiter: { resolve(info: OnStatusInfo): void; reject(err: Error): void } | undefined;
    const answer = new Promise<OnStatusInfo>((resolve, reject) => {
      waiter = { resolve, reject };
      this.subscriptions.push(waiter);
    });
    this.sendCommand(fcSubscribeCommand(name), 0);
    return this.withTimeout('FCSubscribe', answer).finally(() => {
      const at = waiter === undefined ? -1 : this.subscriptions.indexOf(waiter);
      if (at >= 0) this.subscriptions.splice(at, 1);
    });
  }

  async publish(name: string, type: 'live' | 'record' | 'append' = 'live'): Promise<RtmpClientStream> {
    // FMLE/FFmpeg sequence: releaseStream and FCPublish (CDN servers expect them), then createStream.
    this.sendCommand(releaseStreamCommand(this.nextTransactionId++, name), 0);
    this.sendCommand(fcPublishCommand(this.nextTransactionId++, name), 0);
    const stream = await this.createStream();
    const started = this.awaitStatus(stream, 'publish', [StatusCode.PublishStart]);
    this.sendCommand(publishCommand(name, type), stream.messageStreamId);
    await started;
    stream.publishing = name;
    return stream;
  }

  /**
   * play (spec 7.2.2.1). Media can arrive in the same read as NetStream.Play.Start: pass a `stream` from
   * createStream() with its listeners attached to receive everything from the first message.
   */
  async play(
    name: string,
    options: { start?: number; duration?: number; reset?: boolean; stream?: RtmpClientStream } = {},
  ): Promise<RtmpClientStream> {
    const stream = options.stream ?? (await this.createStream());
    if (this.options.fcSubscribe) {
      this.sendCommand(fcSubscribeCommand(name), 0);
    }
    const started = this.awaitStatus(stream, 'play', [StatusCode.PlayStart]);
    this.sendCommand(
      playCommand(name, options.start ?? -2, options.duration ?? -1, options.reset ?? true),
      stream.messageStreamId,
    );
    await started;
    return stream;
  }

  /** Forgets a stream closed by RtmpClientStream.close(). */
  dropStream(id: number): void {
    this.streams.delete(id);
  }

  private fail(err: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const s of this.subscriptions.splice(0)) s.reject(err);
    this.transport?.destroy();
    this.emit('close', err);
  }

  close(): void {
    this.closedByUser = true;
    if (this.state === 'closed') return;
    this.state = 'closed';
    const closed = new RtmpError(RtmpErrorCode.Closed, 'client closed');
    for (const p of this.pending.values()) p.reject(closed);
    this.pending.clear();
    for (const s of this.subscriptions.splice(0)) s.reject(closed);
    this.transport?.end();
    this.emit('close');
  }
}
