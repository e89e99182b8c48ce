import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/modules/webhooks/signature';

export interface Received {
  /** The request path (which endpoint URL it was sent to). */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON payload
  json: any;
  at: number;
}

/**
 * A customer's webhook endpoint: a real node:http server on 127.0.0.1 (allowed through WEBHOOK_ALLOWED_HOSTS).
 * `answer` decides the response: 'ok' (200), 'fail' (503), a redirect to `redirectTo`, or 'hang' (never answers).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Requests answered with a failure (or redirect). */
  refused = 0;
  answer: 'ok' | 'fail' | 'redirect' | 'hang' = 'ok';
  redirectTo = '';
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(port = 0): Promise<WebhookReceiver> {
    let self: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = self as WebhookReceiver;
        const body = Buffer.concat(chunks).toString('utf8');
        if (r.answer === 'hang') {
          r.refused++;
          return;
        }
        if (r.answer === 'fail') {
          r.refused++;
          res.writeHead(503).end('down for maintenance');
          return;
        }
        if (r.answer === 'redirect') {
          r.refused++;
          res.writeHead(302, { location: r.redirectTo }).end();
          return;
        }
        r.received.push({
          path: req.url ?? '',
          headers: req.headers,
          body,
          json: JSON.parse(body),
          at: Date.now(),
        });
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`thanks ${'x'.repeat(4000)}`);
      });
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    self = new WebhookReceiver(server, (server.address() as AddressInfo).port);
    return self;
  }

  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  url(path = '/hook'): string {
    return `http://${this.hostPort}${path}`;
  }

  /** Waits (up to `ms`) until `n` deliveries were accepted. */
  async waitFor(n: number, ms = 15_000): Promise<Received[]> {
    const deadline = Date.now() + ms;
    while (this.received.length < n) {
      if (Date.now() > deadline)
        throw new Error(`receiver got ${this.received.length} of ${n} deliveries within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.received;
  }

  /** Whether a delivery's signature verifies with `secret`. */
  static verified(r: Received, secret: string): boolean {
    return verifySignature(
      String(r.headers['tributary-signature']),
      secret,
      r.body,
      Math.floor(Date.now() / 1000),
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}
