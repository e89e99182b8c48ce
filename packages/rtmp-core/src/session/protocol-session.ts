import { type ChunkLimits, type RtmpMessage } from '../chunk/chunk-constants';
import { ChunkDecoder, effectiveChunkSize } from '../chunk/chunk-decoder';
import { ChunkEncoder, type OutgoingMessage } from '../chunk/chunk-encoder';
import { MessageType } from '../message/message-types';
import {
  decodeAcknowledgement,
  decodeSetPeerBandwidth,
  decodeWindowAckSize,
  encodeAcknowledgement,
  encodeSetChunkSize,
  encodeWindowAckSize,
} from '../message/protocol-control';
import { decodeUserControl, encodeUserControl } from '../message/user-control';

/** Byte and message counters of one connection (live object; read by the edge for stats). */
export interface ConnectionStats {
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  /** The last Acknowledgement sequence number the peer sent (spec 5.4.3). */
  peerAcknowledged: number;
}

/** Sequence numbers and windows are 32-bit (spec 5.4.3). */
const SEQUENCE_MODULO = 2 ** 32;

/**
 * The protocol-control layer shared by server and client connections, sans-I/O: bytes in through
 * `receive`, buffers out through the injected `output`. It applies SetChunkSize and Abort, answers
 * PingRequest, sends an Acknowledgement each time the peer's window of bytes has arrived (spec 5.4.3/5.4.4),
 * and answers Set Peer Bandwidth with a Window Acknowledgement Size when it changes our window (5.4.5).
 * Everything else is returned to the caller.
 */
export class ProtocolSession {
  readonly stats: ConnectionStats = {
    bytesIn: 0,
    bytesOut: 0,
    messagesIn: 0,
    messagesOut: 0,
    peerAcknowledged: 0,
  };
  private readonly decoder: ChunkDecoder;
  private readonly encoder = new ChunkEncoder();
  /** The peer's Window Acknowledgement Size: we ack every this many bytes (0 = peer did not ask). */
  private ackWindow = 0;
  private lastAckAt = 0;
  /** The window we last announced with Window Acknowledgement Size. */
  private announcedWindow = 0;

  constructor(
    private readonly output: (buffers: readonly Buffer[]) => void,
    limits: Partial<ChunkLimits> = {},
  ) {
    this.decoder = new ChunkDecoder(limits);
  }

  get outgoingChunkSize(): number {
    return this.encoder.chunkSize;
  }

  /** Feeds chunk-stream bytes; returns the messages that are not protocol control. Throws `RtmpError`. */
  receive(data: Buffer): RtmpMessage[] {
    this.stats.bytesIn += data.length;
    const out: RtmpMessage[] = [];
    for (const msg of this.decoder.push(data)) {
      this.stats.messagesIn++;
      if (!this.handleControl(msg)) out.push(msg);
    }
    if (this.ackWindow > 0 && this.stats.bytesIn - this.lastAckAt >= this.ackWindow) {
      this.lastAckAt = this.stats.bytesIn;
      this.send(encodeAcknowledgement(this.stats.bytesIn % SEQUENCE_MODULO));
    }
    return out;
  }

  /** Returns true when `msg` was protocol control and has been handled here. */
  private handleControl(msg: RtmpMessage): boolean {
    switch (msg.typeId) {
      case MessageType.SetChunkSize:
      case MessageType.Abort:
        // Already applied by the chunk decoder between chunks.
        return true;
      case MessageType.Acknowledgement:
        this.stats.peerAcknowledged = decodeAcknowledgement(msg);
        return true;
      case MessageType.WindowAckSize:
        this.ackWindow = decodeWindowAckSize(msg);
        return true;
      case MessageType.SetPeerBandwidth: {
        const { size } = decodeSetPeerBandwidth(msg);
        if (size !== this.announcedWindow) this.announceWindow(size);
        return true;
      }
      case MessageType.UserControl: {
        const event = decodeUserControl(msg);
        if (event.type !== 'PingRequest') return false;
        this.send(encodeUserControl({ type: 'PingResponse', timestamp: event.timestamp }));
        return true;
      }
      default:
        return false;
    }
  }

  /** Sends Window Acknowledgement Size: the peer must ack every `size` bytes it receives from us. */
  announceWindow(size: number): void {
    this.announcedWindow = size;
    this.send(encodeWindowAckSize(size));
  }

  /** Sends SetChunkSize and switches the encoder (spec 5.4.1: applies to the messages that follow). */
  setOutgoingChunkSize(size: number): void {
    const effective = effectiveChunkSize(size);
    this.send(encodeSetChunkSize(effective));
    this.encoder.setChunkSize(effective);
  }

  send(msg: OutgoingMessage): void {
    this.writeChunks(this.encoder.encode(msg));
  }

  /** Writes pre-encoded chunks (the broadcast's shared serialisation). */
  writeChunks(buffers: readonly Buffer[], byteLength?: number): void {
    let n = byteLength ?? 0;
    if (byteLength === undefined) for (const b of buffers) n += b.length;
    this.stats.bytesOut += n;
    this.stats.messagesOut++;
    this.output(buffers);
  }
}
