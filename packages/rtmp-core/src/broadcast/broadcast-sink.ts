import { type OnStatusInfo } from '../message/on-status';
import { type UserControlEvent } from '../message/user-control';

/**
 * What a broadcast writes to: implemented by `RtmpServerStream`; any object of this shape (an HTTP-FLV
 * adapter, a test double over a real socket) can subscribe.
 */
export interface BroadcastSink {
  readonly messageStreamId: number;
  readonly outgoingChunkSize: number;
  /** Bytes queued in the socket and not yet handed to the kernel. */
  readonly writableLength: number;
  /** receiveAudio/receiveVideo(false) from the player (spec 7.2.2.2/7.2.2.3): skip that kind. */
  readonly receiveAudio?: boolean;
  readonly receiveVideo?: boolean;
  /** Writes the buffers in order, corked into one writev; `byteLength` is their total when known. */
  writeChunks(buffers: readonly Buffer[], byteLength?: number): void;
  sendStatus(info: OnStatusInfo): void;
  sendUserControl(event: UserControlEvent): void;
  close(reason: string): void;
}
