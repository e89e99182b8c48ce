import { type RtmpTransport, type TransportHandlers } from './transport';

/**
 * One end of an in-memory transport pair: what one end writes, the other receives on a later microtask,
 * in order. A paused end keeps what arrives, and the writer's `writableLength` counts it, so backpressure
 * behaves as over a socket whose peer stopped reading. Idle timeouts are not simulated.
 */
class MemoryTransport implements RtmpTransport {
  readonly kind = 'memory';
  peer!: MemoryTransport;
  private handlers: TransportHandlers | undefined;
  /** Arrived and not yet delivered (paused, or not started). */
  private inbox: Buffer[] = [];
  private inboxBytes = 0;
  private paused = false;
  private scheduled = false;
  private ended = false;
  private closed = false;
  /** The peer ended: close once the inbox is delivered. */
  private peerEnded = false;

  constructor(
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {}

  get writableLength(): number {
    return this.peer.inboxBytes;
  }

  get destroyed(): boolean {
    return this.ended || this.closed;
  }

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    this.schedule();
  }

  write(buffers: readonly Buffer[]): void {
    if (this.destroyed) return;
    for (const b of buffers) if (b.length > 0) this.peer.receive(Buffer.from(b));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  end(): void {
    if (this.destroyed) return;
    this.ended = true;
    this.peer.peerEnded = true;
    this.peer.schedule();
    this.shutDown();
  }

  destroy(): void {
    if (this.closed) return;
    this.ended = true;
    this.inbox = [];
    this.inboxBytes = 0;
    this.shutDown();
    this.peer.peerGone();
  }

  private receive(b: Buffer): void {
    if (this.closed) return;
    this.inbox.push(b);
    this.inboxBytes += b.length;
    this.schedule();
  }

  private peerGone(): void {
    this.peerEnded = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.deliver();
    });
  }

  private deliver(): void {
    const h = this.handlers;
    if (h === undefined || this.closed) return;
    const hadBacklog = this.inboxBytes > 0;
    while (!this.paused && this.inbox.length > 0 && !this.closed) {
      const b = this.inbox.shift()!;
      this.inboxBytes -= b.length;
      h.data(b);
    }
    if (hadBacklog && this.inboxBytes === 0) this.peer.handlers?.drain();
    if (this.peerEnded && this.inbox.length === 0) this.shutDown();
  }

  private shutDown(): void {
    if (this.closed) return;
    this.ended = true;
    // The close reaches this end's connection after what it was already given.
    queueMicrotask(() => {
      if (this.closed) return;
      this.closed = true;
      this.handlers?.close();
    });
  }
}

/**
 * Two connected in-memory transports: run an RtmpServerCore connection on one and an RtmpClientCore on
 * the other, and the whole protocol runs without a port (tests, tools). Addresses are for logs only.
 */
export function memoryTransportPair(
  serverSide = { remoteAddress: '127.0.0.1', remotePort: 50_000 },
  clientSide = { remoteAddress: '127.0.0.1', remotePort: 1935 },
): [server: RtmpTransport, client: RtmpTransport] {
  const a = new MemoryTransport(serverSide.remoteAddress, serverSide.remotePort);
  const b = new MemoryTransport(clientSide.remoteAddress, clientSide.remotePort);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
