import { EventEmitter } from 'node:events';
import { type AmfObject } from '../amf';
import { type RtmpMessage } from '../chunk/chunk-constants';
import {
  closeStreamCommand,
  deleteStreamCommand,
  fcUnpublishCommand,
  pauseCommand,
  seekCommand,
} from '../command/commands';
import { type Command } from '../message/command';
import { encodeData, ON_METADATA, SET_DATA_FRAME } from '../message/data';
import { type DataMessage, type MediaMessage } from '../message/media-message';
import { Csid, MessageType } from '../message/message-types';
import { type OnStatusInfo } from '../message/on-status';
import { encodeUserControl, type UserControlEvent } from '../message/user-control';

/** What a client NetStream needs of its client (RtmpClientCore): declared here so it is not imported back. */
export interface ClientStreamHost {
  sendMessage(msg: RtmpMessage): void;
  sendCommand(cmd: Command, messageStreamId: number): void;
  dropStream(id: number): void;
}

/** A NetStream of an RtmpClient: publish with sendMedia/sendMetadata, or listen to 'media' when playing. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merged interface only adds typed EventEmitter overloads.
export class RtmpClientStream extends EventEmitter {
  /** The published name while publishing (closing then sends FCUnpublish). */
  publishing: string | null = null;

  constructor(
    private readonly client: ClientStreamHost,
    readonly messageStreamId: number,
  ) {
    super();
  }

  sendMedia(msg: MediaMessage): void {
    this.client.sendMessage({
      csid: msg.typeId === MessageType.Audio ? Csid.Audio : Csid.Video,
      timestamp: msg.timestamp,
      typeId: msg.typeId,
      messageStreamId: this.messageStreamId,
      payload: msg.payload,
    });
  }

  /** Sends `@setDataFrame("onMetaData", meta)`, as FFmpeg and OBS do. */
  sendMetadata(meta: AmfObject): void {
    this.client.sendMessage(
      encodeData(
        { name: SET_DATA_FRAME, values: [ON_METADATA, meta] },
        { csid: Csid.Data, messageStreamId: this.messageStreamId },
      ),
    );
  }

  /** seek(ms) (spec 7.2.2.7): a recorded stream restarts at the keyframe at or before `ms`. */
  seek(milliseconds: number): void {
    this.client.sendCommand(seekCommand(milliseconds), this.messageStreamId);
  }

  /** pause(paused, ms) (spec 7.2.2.8). */
  pause(paused: boolean, milliseconds: number): void {
    this.client.sendCommand(pauseCommand(paused, milliseconds), this.messageStreamId);
  }

  /** SetBufferLength (spec 7.1.7): how much the player buffers; a server sends a recorded stream that far ahead. */
  setBufferLength(bufferLengthMs: number): void {
    this.client.sendMessage(
      encodeUserControl({ type: 'SetBufferLength', streamId: this.messageStreamId, bufferLengthMs }),
    );
  }

  /** FCUnpublish (when publishing), closeStream, deleteStream: the FFmpeg teardown sequence. */
  close(): void {
    if (this.publishing !== null) {
      this.client.sendCommand(fcUnpublishCommand(this.publishing), 0);
      this.publishing = null;
    }
    this.client.sendCommand(closeStreamCommand(), this.messageStreamId);
    this.client.sendCommand(deleteStreamCommand(this.messageStreamId), 0);
    this.client.dropStream(this.messageStreamId);
  }
}

/** Typed events (API.md). */
export interface RtmpClientStream {
  on(event: 'media', listener: (msg: MediaMessage) => void): this;
  on(event: 'metadata', listener: (meta: AmfObject, timestamp: number) => void): this;
  on(event: 'data', listener: (msg: DataMessage) => void): this;
  on(event: 'status', listener: (info: OnStatusInfo) => void): this;
  /** User control events about this stream: StreamBegin, StreamEOF, StreamIsRecorded, StreamDry. */
  on(event: 'control', listener: (event: UserControlEvent) => void): this;
  once(event: 'status', listener: (info: OnStatusInfo) => void): this;
  once(event: 'media', listener: (msg: MediaMessage) => void): this;
  off(event: 'status', listener: (info: OnStatusInfo) => void): this;
}
