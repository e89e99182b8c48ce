import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from '@tributary/service-kit';
import type { MetricsRegistry } from '../http/metrics';
import {
  type CertificatePair,
  filesSignature,
  loadCertificatePair,
  MIN_TLS_VERSION,
} from './certificate-files';

export interface RtmpsListenerOptions {
  certFile: string;
  keyFile: string;
  /** From TCP accept to a finished TLS handshake, however the bytes trickle (an absolute deadline). */
  handshakeTimeoutMs: number;
  /** How often the certificate files are looked at; a change is applied once it held for one more look. */
  certCheckIntervalMs: number;
  /**
   * Highest TLS version offered. TLS 1.3 breaks librtmp 2.4 built on GnuTLS (rtmpdump and what links it:
   * its RTMP handshake fails after a TLS 1.3 handshake), hence RTMPS_MAX_TLS_VERSION's TLSv1.2 default.
   */
  maxTlsVersion: 'TLSv1.2' | 'TLSv1.3';
  /** Edge-wide cap on sockets of this listener (handshaking or not). */
  maxConnections: number;
  /**
   * A slot for a socket from `ip` while its TLS handshake runs (the RTMP connection made from it takes
   * its own slot); undefined when the address is at its cap.
   */
  takeSlot(ip: string): (() => void) | undefined;
  /** A TLS socket whose handshake finished: hand it to the RTMP server. */
  accept(socket: TLSSocket): void;
  logger: Logger;
  metrics: MetricsRegistry;
}

/**
 * RTMPS: RTMP inside TLS (a tls.Server) on its own port. Each socket whose handshake finishes goes to
 * the same RtmpServer as a TCP one (same hooks and limits); until then it holds a per-address slot and
 * an absolute handshake deadline, so garbage, a stalled or a trickled ClientHello costs one socket for
 * at most `handshakeTimeoutMs`. The certificate files are polled and a valid new pair replaces the
 * served one without a restart (server.setSecureContext: new handshakes only; connections keep theirs);
 * a broken new pair is logged and the old one kept.
 */
export class RtmpsListener {
  private readonly server: Server;
  private pair: CertificatePair;
  /** Sockets in their TLS handshake, by remote address and port (unique among open sockets of one port). */
  private readonly pending = new Map<string, { raw: Socket; release: () => void; timer: NodeJS.Timeout }>();
  private readonly failures;
  private readonly reloads;
  private readonly handshakes;
  /** TLS sockets handed to accept() and not closed yet. */
  private open = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Signature of the files now served, and of a change seen but not yet applied (or refused). */
  private servedSignature: string;
  private seenSignature: string;
  private refusedSignature = '';

  /** Throws (a clear message) when the configured pair cannot be served: a start-up error. */
  constructor(private readonly opts: RtmpsListenerOptions) {
    this.servedSignature = filesSignature(opts.certFile, opts.keyFile);
    this.seenSignature = this.servedSignature;
    this.pair = loadCertificatePair(opts.certFile, opts.keyFile);
    this.logCertificate('RTMPS certificate loaded');
    this.failures = opts.metrics.counter<'reason'>(
      'tributary_edge_rtmps_handshake_failures_total',
      'RTMPS sockets closed before their TLS handshake finished, by reason (timeout, tls_error, address_limit)',
    );
    this.reloads = opts.metrics.counter<'result'>(
      'tributary_edge_rtmps_certificate_reloads_total',
      'Changes of the RTMPS certificate files: applied, or refused (the old certificate kept)',
    );
    opts.metrics.gauge(
      'tributary_edge_rtmps_certificate_expiry_seconds',
      'Seconds until the served RTMPS certificate expires (negative: expired)',
      () => Math.round((new Date(this.pair.summary.validTo).getTime() - Date.now()) / 1000),
    );
    this.handshakes = opts.metrics.counter(
      'tributary_edge_rtmps_handshakes_total',
      'RTMPS TLS handshakes finished (each becomes an RTMP connection)',
    );
    opts.metrics.gauge(
      'tributary_edge_rtmps_connections',
      'RTMPS connections open (TLS sockets handed to the RTMP server)',
      () => this.open,
    );
    opts.metrics.gauge(
      'tributary_edge_rtmps_handshakes_pending',
      'RTMPS sockets whose TLS handshake has not finished',
      () => this.pending.size,
    );
    this.server = createServer({
      ...this.pair.options,
      minVersion: MIN_TLS_VERSION,
      maxVersion: opts.maxTlsVersion,
      // Node's own timer is idle-based (each byte restarts it); ours (onTcp) is absolute and fires first.
      handshakeTimeout: opts.handshakeTimeoutMs + 1000,
    });
    this.server.maxConnections = opts.maxConnections;
    // Listeners added after tls.Server's own: the raw socket already has its TLSSocket around it.
    this.server.on('connection', (raw: Socket) => this.onTcp(raw));
    this.server.on('secureConnection', (tls: TLSSocket) => this.onSecure(tls));
    this.server.on('tlsClientError', (err: Error & { code?: string }, tls: TLSSocket) => {
      // Counted once, while it still held its slot (our deadline counts its own); the slot is given
      // back here too, not only on the raw socket's 'close'.
      const key = socketKey(tls);
      const raw = key === undefined ? undefined : this.pending.get(key)?.raw;
      if (key !== undefined && raw !== undefined) {
        this.settle(key, raw);
        this.failures.inc({ reason: err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT' ? 'timeout' : 'tls_error' });
      }
      if (!tls.destroyed) tls.destroy();
      if (raw !== undefined && !raw.destroyed) raw.destroy();
      opts.logger.debug(
        { err: err.message, code: err.code, remote: tls.remoteAddress },
        'RTMPS handshake failed',
      );
    });
    this.server.on('error', (err) => opts.logger.error({ err: err.message }, 'RTMPS listener error'));
  }

  get certificate(): CertificatePair['summary'] {
    return this.pair.summary;
  }

  get pendingHandshakes(): number {
    return this.pending.size;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.pollTimer = setInterval(() => this.checkFiles(), this.opts.certCheckIntervalMs);
        this.pollTimer.unref();
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting and drops sockets still in their handshake (accepted ones belong to the RTMP server). */
  close(): Promise<void> {
    clearInterval(this.pollTimer);
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
    for (const { raw } of [...this.pending.values()]) raw.destroy();
    return closed;
  }

  /**
   * Looks at the files now (the poll timer calls this): a change is applied once the files stayed the
   * same for one more look (a writer between the cert and the key is not caught half-way). Returns
   * what happened, for tests and logs.
   */
  checkFiles(): 'unchanged' | 'settling' | 'applied' | 'refused' {
    const now = filesSignature(this.opts.certFile, this.opts.keyFile);
    if (now === this.servedSignature || now === this.refusedSignature) {
      this.seenSignature = now;
      return 'unchanged';
    }
    if (now !== this.seenSignature) {
      this.seenSignature = now;
      return 'settling';
    }
    try {
      const pair = loadCertificatePair(this.opts.certFile, this.opts.keyFile);
      this.server.setSecureContext({
        ...pair.options,
        minVersion: MIN_TLS_VERSION,
        maxVersion: this.opts.maxTlsVersion,
      });
      this.pair = pair;
      this.servedSignature = now;
      this.refusedSignature = '';
      this.reloads.inc({ result: 'applied' });
      this.logCertificate('RTMPS certificate reloaded');
      return 'applied';
    } catch (err) {
      // Logged once per change of the files, not once per look.
      this.refusedSignature = now;
      this.reloads.inc({ result: 'refused' });
      this.opts.logger.error(
        { err: err instanceof Error ? err.message : String(err), served: this.pair.summary.fingerprint256 },
        'RTMPS certificate files changed but cannot be served; keeping the current certificate',
      );
      return 'refused';
    }
  }

  private onTcp(raw: Socket): void {
    // A reset during the handshake is reported on the raw socket too; it is not ours to throw (the
    // TLSSocket around it reports it as tlsClientError, or it just closes).
    raw.on('error', () => {});
    const key = socketKey(raw);
    const release = key === undefined ? undefined : this.opts.takeSlot(raw.remoteAddress ?? '');
    if (key === undefined || release === undefined) {
      this.failures.inc({ reason: 'address_limit' });
      raw.destroy();
      return;
    }
    const timer = setTimeout(() => {
      this.failures.inc({ reason: 'timeout' });
      this.settle(key, raw);
      raw.destroy();
    }, this.opts.handshakeTimeoutMs);
    timer.unref();
    this.pending.set(key, { raw, release, timer });
    raw.once('close', () => this.settle(key, raw));
  }

  private onSecure(tls: TLSSocket): void {
    const key = socketKey(tls);
    const raw = key === undefined ? undefined : this.pending.get(key)?.raw;
    if (key !== undefined && raw !== undefined) this.settle(key, raw);
    if (tls.destroyed) return;
    this.handshakes.inc();
    this.open += 1;
    tls.once('close', () => {
      this.open -= 1;
    });
    this.opts.accept(tls);
  }

  /** Ends the handshake phase of `raw`: its deadline and its slot (once). */
  private settle(key: string, raw: Socket): void {
    const entry = this.pending.get(key);
    if (entry === undefined || entry.raw !== raw) return;
    this.pending.delete(key);
    clearTimeout(entry.timer);
    entry.release();
  }

  private logCertificate(msg: string): void {
    const s = this.pair.summary;
    const fields = {
      subject: s.subject,
      issuer: s.issuer,
      altNames: s.altNames,
      validTo: s.validTo,
      fingerprint256: s.fingerprint256,
    };
    if (s.secondsLeft <= 0)
      this.opts.logger.error(fields, `${msg}: it has EXPIRED; encoders that verify will refuse it`);
    else if (s.secondsLeft < 14 * 86_400) this.opts.logger.warn(fields, `${msg}: it expires within 14 days`);
    else this.opts.logger.info(fields, msg);
  }
}

/** remote address and port; undefined for a socket already gone (no peer name). */
function socketKey(socket: Socket): string | undefined {
  const { remoteAddress, remotePort } = socket;
  return remoteAddress === undefined || remotePort === undefined
    ? undefined
    : `${remoteAddress}|${remotePort}`;
}
