import { EventEmitter } from 'node:events';
import { type AmfObject } from '../amf';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { type MediaMessage } from '../message/media-message';
import { MessageType } from '../message/message-types';
import { CapsEx, type OnStatusInfo, StatusCode } from '../message/on-status';
import { type RtmpClientStream } from './client-stream';
import { RtmpClientCore, type RtmpClientCoreOptions } from './rtmp-client';

export interface ReconnectingPublisherCoreOptions extends RtmpClientCoreOptions {
  /** The publishing name (stream key). */
  name: string;
  /** Most ReconnectRequests followed over the publisher's life (default 5): a server loop ends. */
  maxReconnects?: number;
}

/**
 * A publisher that follows Enhanced RTMP v2 ReconnectRequests: it announces `capsEx` Reconnect in
 * connect, and when the server sends `onStatus` NetConnection.Connect.ReconnectRequest it connects to
 * the request's `tcUrl` (or the same URL without one), publishes the same name there, replays the last
 * metadata and sequence headers so the new server can decode what follows, and only then moves its
 * media over and closes the old connection: no frame is sent to nowhere during the move.
 *
 * Events: 'reconnected' (url), 'reconnect-failed' (error; media keeps going to the old connection
 * while it lasts), 'close' (the current connection closed on its own).
 */
export class ReconnectingPublisherCore extends EventEmitter {
  private client: RtmpClientCore;
  private stream: RtmpClientStream | undefined;
  private moving = false;
  private closed = false;
  private reconnects = 0;
  private metadata: AmfObject | undefined;
  private videoHeader: MediaMessage | undefined;
  private audioHeader: MediaMessage | undefined;

  constructor(private readonly opts: ReconnectingPublisherCoreOptions) {
    super();
    this.client = this.newClient(opts.url);
  }

  /** Where it publishes now. */
  get url(): string {
    return this.client.currentUrl;
  }

  get reconnectCount(): number {
    return this.reconnects;
  }

  async start(): Promise<this> {
    await this.client.connect();
    this.stream = await this.client.publish(this.opts.name);
    return this;
  }

  sendMetadata(meta: AmfObject): void {
    this.metadata = meta;
    this.stream?.sendMetadata(meta);
  }

  sendMedia(msg: MediaMessage): void {
    if (isSequenceHeader(msg)) {
      if (msg.typeId === MessageType.Video) this.videoHeader = msg;
      else this.audioHeader = msg;
    }
    this.stream?.sendMedia(msg);
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
    this.client.close();
  }

  private newClient(url: string): RtmpClientCore {
    const client = new RtmpClientCore({
      ...this.opts,
      url,
      capsEx: (this.opts.capsEx ?? 0) | CapsEx.Reconnect,
    });
    client.on('status', (info: OnStatusInfo) => {
      if (info.code === StatusCode.ConnectReconnectRequest && client === this.client) void this.move(info);
    });
    client.on('close', () => {
      if (client === this.client && !this.moving && !this.closed) this.emit('close');
    });
    return client;
  }

  private async move(info: OnStatusInfo): Promise<void> {
    if (this.moving || this.closed) return;
    if (this.reconnects >= (this.opts.maxReconnects ?? 5)) return;
    this.moving = true;
    this.reconnects++;
    const target = reconnectTarget(info.tcUrl, this.client.currentUrl);
    const next = this.newClient(target);
    try {
      await next.connect();
      const stream = await next.publish(this.opts.name);
      if (this.metadata !== undefined) stream.sendMetadata(this.metadata);
      if (this.videoHeader !== undefined) stream.sendMedia(this.videoHeader);
      if (this.audioHeader !== undefined) stream.sendMedia(this.audioHeader);
      const old = { client: this.client, stream: this.stream };
      this.client = next;
      this.stream = stream;
      old.stream?.close();
      old.client.close();
      this.emit('reconnected', target);
    } catch (err) {
      next.close();
      this.emit(
        'reconnect-failed',
        err instanceof Error ? err : new RtmpError(RtmpErrorCode.Closed, String(err)),
      );
    } finally {
      this.moving = false;
    }
  }
}

/** The request's tcUrl when it is an rtmp:// URL, else the current URL (the spec: reconnect to the same). */
function reconnectTarget(tcUrl: unknown, current: string): string {
  if (typeof tcUrl !== 'string' || tcUrl.length > 2048) return current;
  try {
    return new URL(tcUrl).protocol === 'rtmp:' ? tcUrl : current;
  } catch {
    return current;
  }
}

/**
 * AVC/HEVC/AV1 decoder configuration or AAC AudioSpecificConfig: what a server needs again after a
 * reconnect. Legacy tags: codec id 7 (AVC) or 12 (HEVC) with AVCPacketType 0, AAC (10) with packet type 0;
 * Enhanced RTMP video: IsExHeader with PacketType SequenceStart (0).
 */
function isSequenceHeader(msg: MediaMessage): boolean {
  const p = msg.payload;
  if (p.length < 2) return false;
  if (msg.typeId === MessageType.Video) {
    if ((p[0]! & 0x80) !== 0) return (p[0]! & 0x0f) === 0;
    const codec = p[0]! & 0x0f;
    return (codec === 7 || codec === 12) && p[1] === 0;
  }
  if (msg.typeId === MessageType.Audio) return p[0]! >> 4 === 10 && p[1] === 0;
  return false;
}
