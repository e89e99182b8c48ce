import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from '@tributary/test-kit';

/** One request a webhook endpoint received: its headers and its body exactly as sent (for signatures). */
export type ReceivedDelivery = { headers: IncomingHttpHeaders; raw: Uint8Array; body: string };

/**
 * A customer's webhook endpoint on 127.0.0.1 for end-to-end tests: it answers every POST with 204 and
 * keeps what arrived, in order. `allowedHost` is what the api's WEBHOOK_ALLOWED_HOSTS must list for the
 * api to deliver to it (loopback is refused otherwise).
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const whole = Buffer.concat(chunks);
        // A plain Uint8Array (its own copy: slice() copies, as a test that tampers with it expects).
        receiver.received.push({
          headers: req.headers,
          raw: new Uint8Array(whole),
          body: whole.toString('utf8'),
        });
        res.writeHead(204).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The `host:port` entry of WEBHOOK_ALLOWED_HOSTS that lets the api deliver here. */
  get allowedHost(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The endpoint URL to register, at `path`. */
  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Waits (up to `timeoutMs`) until `count` requests have arrived; returns them all. */
  async waitForCount(
    count: number,
    timeoutMs: number,
    what = `${count} deliveries`,
  ): Promise<ReceivedDelivery[]> {
    await waitUntil(() => this.received.length >= count, { timeoutMs, stepMs: 100, what });
    return this.received;
  }

  /** Waits (up to `timeoutMs`) for the first delivery of event `type` (its Tributary-Event-Type header). */
  async waitForType(type: string, timeoutMs: number): Promise<ReceivedDelivery> {
    let found: ReceivedDelivery | undefined;
    await waitUntil(
      () => {
        found = this.received.find((d) => d.headers['tributary-event-type'] === type);
        return found !== undefined;
      },
      { timeoutMs, stepMs: 100, what: `${type} delivered` },
    );
    return found as ReceivedDelivery;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
