import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { type RtmpMessage } from '../../src/chunk/chunk-constants';
import { ChunkDecoder } from '../../src/chunk/chunk-decoder';
import { ChunkEncoder } from '../../src/chunk/chunk-encoder';
import { HANDSHAKE_SIZE } from '../../src/handshake/handshake-constants';

/** How long a raw peer waits for the server's bytes before it fails the test. */
const RAW_PEER_WAIT_MS = 30_000;

/**
 * A hostile or minimal peer on a real socket: writes exactly the bytes a test gives it, and records what the
 * server sends and when it closes. For the robustness tests (docs/reliability.md:
 * amf-work-bound, declared-length, chunk-size, handshake) and the crash corpus.
 */
export class RawPeer {
  readonly encoder = new ChunkEncoder();
  readonly messages: RtmpMessage[] = [];
  received = 0;
  readonly closed: Promise<void>;
  private handshakeBytes: Buffer[] = [];
  private decoder: ChunkDecoder | null = null;
  private waiter: (() => void) | null = null;

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      this.received += d.length;
      if (this.decoder) this.messages.push(...this.decoder.push(d));
      else this.handshakeBytes.push(d);
      this.waiter?.();
    });
  }

  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  write(b: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  /** Resolves once `condition` holds; rejects if the socket closes first or RAW_PEER_WAIT_MS passes. */
  private waitFor(condition: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`timed out after ${RAW_PEER_WAIT_MS} ms waiting for ${condition}`));
      }, RAW_PEER_WAIT_MS);
      const check = (): void => {
        if (condition()) {
          this.waiter = null;
          clearTimeout(timer);
          resolve();
        }
      };
      this.waiter = check;
      void this.closed.then(() => {
        clearTimeout(timer);
        if (condition()) resolve();
        else reject(new Error('closed while waiting'));
      });
      check();
    });
  }

  /** Simple handshake whose C2 is random (does not echo S1, as some encoders send it). */
  async handshake(): Promise<void> {
    this.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(8), randomBytes(HANDSHAKE_SIZE - 8)]));
    await this.waitFor(() => this.received >= 1 + 2 * HANDSHAKE_SIZE);
    const rest = Buffer.concat(this.handshakeBytes).subarray(1 + 2 * HANDSHAKE_SIZE);
    this.decoder = new ChunkDecoder();
    this.messages.push(...this.decoder.push(rest));
    this.write(randomBytes(HANDSHAKE_SIZE));
  }

  send(msg: RtmpMessage): void {
    for (const b of this.encoder.encode(msg)) this.write(b);
  }

  /** Resolves when a message matching `predicate` has arrived. */
  async expect(predicate: (m: RtmpMessage) => boolean): Promise<RtmpMessage> {
    await this.waitFor(() => this.messages.some(predicate));
    return this.messages.find(predicate) as RtmpMessage;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
