import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRtmptPath } from '@tributary/rtmp-core';
import { type MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './metrics';
import { sendJson } from './responses';

/** Serves the playback URLs (http-playback/): every method, since browsers send CORS preflights. */
export interface PlaybackRequestHandler {
  handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void>;
}

/** Playback URLs live under /live/ (contracts/playback-urls.ts). */
const PLAYBACK_PREFIX = '/live/';
/** On-demand assets' URLs live under /vod/ (contracts/playback-urls.ts, vod/). */
const VOD_PREFIX = '/vod/';

export interface HttpServerOptions {
  metrics: MetricsRegistry;
  /** Ready = accepting new publishers and viewers (false before start and while draining). */
  isReady: () => boolean;
  playback?: PlaybackRequestHandler;
  /** On-demand HLS (vod/); absent: /vod/ is 404. */
  vod?: PlaybackRequestHandler;
  /** RTMPT (rtmpt/): POSTs to /fcs/ident2, /open/1, /send, /idle, /close; absent: those are 404. */
  rtmpt?: { handle(req: http.IncomingMessage, res: http.ServerResponse, path: string): void };
  /** Open HTTP connections (HTTP-FLV viewers hold one each); more are refused by the kernel backlog. */
  maxConnections: number;
}

/**
 * The edge's HTTP port: `/healthz` (the process is alive), `/readyz` (send traffic here), `/metrics`
 * (Prometheus), and browser playback under /live/. Errors use the REST envelope of contracts/errors.ts.
 */
export class EdgeHttpServer {
  private readonly server: http.Server;

  constructor(private readonly opts: HttpServerOptions) {
    this.server = http.createServer((req, res) => this.handle(req, res));
    // Probes and scrapers send tiny requests; a short header timeout stops slowloris on this port too.
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 10_000;
    this.server.maxConnections = opts.maxConnections;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (this.opts.playback && path.startsWith(PLAYBACK_PREFIX)) {
      void this.opts.playback.handle(req, res, path, new URLSearchParams(query));
      return;
    }
    if (this.opts.rtmpt && isRtmptPath(path)) {
      this.opts.rtmpt.handle(req, res, path);
      return;
    }
    if (this.opts.vod && path.startsWith(VOD_PREFIX)) {
      void this.opts.vod.handle(req, res, path, new URLSearchParams(query));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: { code: 'bad_request', message: 'Only GET and HEAD are served here.' } });
      return;
    }
    switch (path) {
      case '/healthz':
        sendJson(res, 200, { status: 'ok' });
        return;
      case '/readyz': {
        const ready = this.opts.isReady();
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready' });
        return;
      }
      case '/metrics':
        res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
        res.end(this.opts.metrics.render());
        return;
      default:
        sendJson(res, 404, { error: { code: 'not_found', message: 'Try /healthz, /readyz or /metrics.' } });
    }
  }
}
