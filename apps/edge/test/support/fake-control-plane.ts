import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AuthorizePublishRequest,
  type AuthorizePublishResponse,
  EdgeApiPaths,
  type HeartbeatRequest,
  type PlaybackKey,
  type SessionEndRequest,
  type SessionStartRequest,
  type SessionStatsRequest,
} from '@tributary/contracts';

/** How the fake api misbehaves (docs/reliability.md: api-down-publish, api-down-play). */
export type Fault =
  | { kind: 'none' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'huge'; bytes: number }
  | { kind: 'invalid-json' }
  | { kind: 'wrong-shape' }
  | { kind: 'status'; status: number };

/**
 * An in-test implementation of the edge ↔ api contract (contracts/edge-api.ts): the right tool for
 * fault injection, which the real api cannot do on demand. It records every call it answers.
 */
export class FakeControlPlane {
  readonly credential = 'edge_test_credential';
  readonly grants = new Map<string, AuthorizePublishResponse>();
  playbackKeys: PlaybackKey[] = [];
  fault: Fault = { kind: 'none' };
  readonly calls = {
    authorize: [] as AuthorizePublishRequest[],
    sessionStarts: [] as SessionStartRequest[],
    stats: [] as Array<{ sessionId: string; body: SessionStatsRequest }>,
    ends: [] as Array<{ sessionId: string; body: SessionEndRequest }>,
    heartbeats: [] as HeartbeatRequest[],
    playbackKeys: 0,
    unauthorized: 0,
  };
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private sessionSeq = 0;

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  allow(streamKey: string, grant: Partial<Extract<AuthorizePublishResponse, { allowed: true }>> = {}): void {
    this.grants.set(streamKey, {
      allowed: true,
      tenantId: 'tenant-1',
      liveStreamId: `ls-${streamKey}`,
      playbackId: `pb-${streamKey}`,
      playbackPolicy: 'public',
      record: false,
      eventTitle: null,
      maxViewers: null,
      cacheTtlSeconds: 5,
      ...grant,
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    if (req.headers.authorization !== `Bearer ${this.credential}`) {
      this.calls.unauthorized += 1;
      return send(res, 401, { error: { code: 'unauthenticated', message: 'bad edge credential' } });
    }
    const fault = this.fault;
    const url = new URL(req.url ?? '/', 'http://fake');
    if (fault.kind === 'none' && req.method === 'GET' && url.pathname === EdgeApiPaths.changes) {
      return this.holdChanges(url, res);
    }
    const answer = this.route(req.method ?? 'GET', url.pathname, body);
    switch (fault.kind) {
      case 'slow':
        await new Promise<void>((r) => {
          const timer = setTimeout(r, fault.delayMs);
          // The client gives up long before: stop waiting with it, so no timer outlives the test.
          res.once('close', () => {
            clearTimeout(timer);
            r();
          });
        });
        if (!res.writableEnded && !res.destroyed) send(res, answer.status, answer.body);
        return;
      case 'huge':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"allowed":true,"pad":"${'x'.repeat(fault.bytes)}"}`);
        return;
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"allowed": tru');
        return;
      case 'wrong-shape':
        return send(res, 200, { allowed: 'yes', keys: 'all' });
      case 'status':
        return send(res, fault.status, { error: { code: 'internal_error', message: 'injected' } });
      case 'none':
        return send(res, answer.status, answer.body);
    }
  }

  /**
   * The control feed of a control plane where nothing is ever revoked: a starting edge gets the head
   * cursor at once, a follower's long-poll is held for its wait (or until it hangs up) and answered empty.
   */
  private holdChanges(url: URL, res: http.ServerResponse): void {
    const after = url.searchParams.get('after');
    if (after === null) {
      send(res, 200, { events: [], cursor: '0', resync: true });
      return;
    }
    const waitMs = Math.min(Number(url.searchParams.get('waitSeconds') ?? 0), 30) * 1000;
    const timer = setTimeout(() => send(res, 200, { events: [], cursor: after, resync: false }), waitMs);
    res.once('close', () => clearTimeout(timer));
  }

  private route(method: string, url: string, body: unknown): { status: number; body: unknown } {
    if (method === 'POST' && url === EdgeApiPaths.authorizePublish) {
      const req = body as AuthorizePublishRequest;
      this.calls.authorize.push(req);
      const grant = this.grants.get(req.streamKey) ?? {
        allowed: false,
        reason: 'unknown_key',
        message: 'No live stream has this stream key.',
        cacheTtlSeconds: 5,
      };
      return { status: 200, body: grant };
    }
    if (method === 'POST' && url === EdgeApiPaths.sessions) {
      this.calls.sessionStarts.push(body as SessionStartRequest);
      this.sessionSeq += 1;
      return { status: 201, body: { sessionId: `sess-${this.sessionSeq}` } };
    }
    const stats = url.match(/^\/v1\/edge\/sessions\/([^/]+)\/(stats|end)$/);
    if (method === 'POST' && stats) {
      const sessionId = decodeURIComponent(stats[1] ?? '');
      if (stats[2] === 'stats') this.calls.stats.push({ sessionId, body: body as SessionStatsRequest });
      else this.calls.ends.push({ sessionId, body: body as SessionEndRequest });
      return { status: 204, body: undefined };
    }
    if (method === 'POST' && url === EdgeApiPaths.heartbeat) {
      this.calls.heartbeats.push(body as HeartbeatRequest);
      return { status: 200, body: { edgeId: 'edge-1', heartbeatIntervalSeconds: 15 } };
    }
    if (method === 'GET' && url === EdgeApiPaths.playbackKeys) {
      this.calls.playbackKeys += 1;
      return { status: 200, body: { keys: this.playbackKeys, next: null } };
    }
    if (method === 'GET' && url.startsWith(`${EdgeApiPaths.playbackKeys}/`)) {
      this.calls.playbackKeys += 1;
      const kid = decodeURIComponent(url.slice(EdgeApiPaths.playbackKeys.length + 1));
      const key = this.playbackKeys.find((k) => k.kid === kid);
      return key
        ? { status: 200, body: key }
        : { status: 404, body: { error: { code: 'not_found', message: 'no such key' } } };
    }
    return { status: 404, body: { error: { code: 'not_found', message: 'no such route' } } };
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
