import { type BroadcastSink } from '../broadcast/broadcast-sink';
import { type RtmpMessage } from '../chunk/chunk-constants';
import { ChunkDecoder } from '../chunk/chunk-decoder';
import { type OnStatusInfo } from '../message/on-status';
import { type UserControlEvent } from '../message/user-control';

/**
 * A broadcast subscriber for unit tests: everything written is decoded again by a real ChunkDecoder, so
 * tests assert on the RTMP messages a player would receive. `backlog` stands in for a socket's queue.
 */
export class RecordingSink implements BroadcastSink {
  readonly messages: RtmpMessage[] = [];
  readonly statuses: string[] = [];
  readonly events: UserControlEvent[] = [];
  readonly writes: (readonly Buffer[])[] = [];
  backlog = 0;
  closedWith: string | null = null;
  receiveAudio = true;
  receiveVideo = true;
  private readonly decoder = new ChunkDecoder();

  constructor(
    readonly messageStreamId = 1,
    readonly outgoingChunkSize = 128,
  ) {
    this.decoder.setChunkSize(outgoingChunkSize);
  }

  get writableLength(): number {
    return this.backlog;
  }

  writeChunks(buffers: readonly Buffer[]): void {
    this.writes.push(buffers);
    for (const b of buffers) this.messages.push(...this.decoder.push(b));
  }

  sendStatus(info: OnStatusInfo): void {
    this.statuses.push(info.code);
  }

  sendUserControl(event: UserControlEvent): void {
    this.events.push(event);
  }

  close(reason: string): void {
    this.closedWith = reason;
  }
}
