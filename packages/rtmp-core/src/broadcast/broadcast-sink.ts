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
  /** Called after UnpublishNotify/StreamEOF: the item this sink plays has ended (its play list may move on). */
  ended?(): void;
  /**
   * True while a play2 switch waits for the new stream (AS3 NetStreamPlayTransitions.SWITCH): a subscription
   * made now stays silent until a keyframe arrives, then calls `switched()` and starts with the stream's
   * metadata and sequence headers, so the decoder never sees a gap or a frame it cannot decode.
   */
  readonly switching?: boolean;
  /** `timestamp`: the new stream's first message (its keyframe), the cut for the stream left. */
  switched?(timestamp?: number): void;
  /**
   * While switching, the stream switched away from keeps playing until `switched()`: returns true and
   * calls `done` then (the broadcast unsubscribes at that point, sending what it held from before `cut`);
   * false means unsubscribe now.
   */
  deferUnsubscribe?(done: (cut?: number) => void): boolean;
  /** The broadcast starts dropping messages for this sink (its backlog passed maxQueueBytes). */
  lagging?(): void;
  sendUserControl(event: UserControlEvent): void;
  close(reason: string): void;
}
