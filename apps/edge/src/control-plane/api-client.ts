import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {
  type AuthorizePublishRequest,
  type AuthorizePublishResponse,
  AuthorizePublishResponseSchema,
  type ChangesResponse,
  ChangesResponseSchema,
  EdgeApiPaths,
  type EdgeAsset,
  EdgeAssetSchema,
  type HeartbeatRequest,
  HeartbeatResponseSchema,
  type LiveStreamCheck,
  LiveStreamChecksResponseSchema,
  type PlaybackKey,
  PlaybackKeySchema,
  type PlaybackKeysResponse,
  PlaybackKeysResponseSchema,
  type PublishAuthChallengeRequest,
  type PublishAuthChallengeResponse,
  PublishAuthChallengeResponseSchema,
  type PublishAuthVerifyRequest,
  type PublishAuthVerifyResponse,
  PublishAuthVerifyResponseSchema,
  type RecordingUploadQuery,
  type RecordingUploadResponse,
  RecordingUploadResponseSchema,
  type SessionEndRequest,
  type SessionStartRequest,
  SessionStartResponseSchema,
  type SessionStatsRequest,
  type StreamOriginResponse,
  StreamOriginResponseSchema,
} from '@tributary/contracts';
import { z } from 'zod';

/** Why a call to the api did not produce a valid answer. Every kind means "no answer": callers fail closed. */
export type ControlPlaneFailure =
  | 'timeout'
  | 'unreachable'
  | 'http_status'
  | 'too_large'
  | 'invalid_response';

/** The one error type of the control-plane layer. */
export class ControlPlaneError extends Error {
  constructor(
    readonly failure: ControlPlaneFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ControlPlaneError';
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  /** The edge credential, sent as a bearer token (contracts/edge-api.ts). */
  token: string;
  /** Deadline for one whole call: connect, send, and read the full response. */
  timeoutMs: number;
  /** A response body larger than this is abandoned (docs/reliability.md: api-down-play: a 5 MB answer is never buffered). */
  maxResponseBytes: number;
}

/**
 * HTTP client for the edge ↔ api contract (packages/contracts/src/edge-api.ts). Each call has one
 * deadline and a response-size cap, and every answer is validated against the contract's schema, so
 * a slow, huge or malformed answer becomes a ControlPlaneError rather than a hang or a crash.
 */
export class ApiClient {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly opts: ApiClientOptions) {
    this.base = new URL(opts.baseUrl);
    const Agent = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    // keepAlive: authorisations and stats reuse connections instead of a TCP handshake per call.
    this.agent = new Agent({ keepAlive: true, maxSockets: 32 });
  }

  authorizePublish(req: AuthorizePublishRequest): Promise<AuthorizePublishResponse> {
    return this.call('POST', EdgeApiPaths.authorizePublish, req, AuthorizePublishResponseSchema);
  }

  /** A salt, challenge and signed opaque for an authmod=adobe user (contracts publish-auth.ts). */
  publishAuthChallenge(req: PublishAuthChallengeRequest): Promise<PublishAuthChallengeResponse> {
    return this.call('POST', EdgeApiPaths.publishAuthChallenge, req, PublishAuthChallengeResponseSchema);
  }

  /** Verifies an authmod=adobe answer; the api accepts each challenge's answer once, fleet-wide. */
  publishAuthVerify(req: PublishAuthVerifyRequest): Promise<PublishAuthVerifyResponse> {
    return this.call('POST', EdgeApiPaths.publishAuthVerify, req, PublishAuthVerifyResponseSchema);
  }

  async startSession(req: SessionStartRequest): Promise<string> {
    const res = await this.call('POST', EdgeApiPaths.sessions, req, SessionStartResponseSchema);
    return res.sessionId;
  }

  async reportStats(sessionId: string, req: SessionStatsRequest): Promise<void> {
    await this.call('POST', EdgeApiPaths.sessionStats(sessionId), req, z.unknown());
  }

  async endSession(sessionId: string, req: SessionEndRequest): Promise<void> {
    await this.call('POST', EdgeApiPaths.sessionEnd(sessionId), req, z.unknown());
  }

  heartbeat(req: HeartbeatRequest): Promise<z.infer<typeof HeartbeatResponseSchema>> {
    return this.call('POST', EdgeApiPaths.heartbeat, req, HeartbeatResponseSchema);
  }

  /** One page of the unrevoked playback keys, ordered by kid (start with no `after`). */
  playbackKeys(after?: string): Promise<PlaybackKeysResponse> {
    const query = after === undefined ? '' : `?after=${encodeURIComponent(after)}`;
    return this.call('GET', `${EdgeApiPaths.playbackKeys}${query}`, undefined, PlaybackKeysResponseSchema);
  }

  /** One key by its kid; undefined when the api does not know it (or it is revoked). */
  async playbackKey(kid: string): Promise<PlaybackKey | undefined> {
    try {
      return await this.call('GET', EdgeApiPaths.playbackKey(kid), undefined, PlaybackKeySchema);
    } catch (err) {
      if (err instanceof ControlPlaneError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * The control feed's long-poll: events after `after`, or an empty answer once `waitSeconds` pass.
   * The call's deadline is the wait plus the usual timeout.
   */
  changes(after: string | undefined, waitSeconds: number): Promise<ChangesResponse> {
    const query = new URLSearchParams({ waitSeconds: String(waitSeconds) });
    if (after !== undefined) query.set('after', after);
    return this.call(
      'GET',
      `${EdgeApiPaths.changes}?${query}`,
      undefined,
      ChangesResponseSchema,
      waitSeconds * 1000 + this.opts.timeoutMs,
    );
  }

  /**
   * Where a playback id is live in the fleet, with a relay token to pull it (issue 11); an id the api
   * does not know (404) is not live anywhere.
   */
  async streamOrigin(playbackId: string): Promise<StreamOriginResponse> {
    try {
      return await this.call(
        'GET',
        EdgeApiPaths.streamOrigin(playbackId),
        undefined,
        StreamOriginResponseSchema,
      );
    } catch (err) {
      if (err instanceof ControlPlaneError && err.status === 404) return { live: false };
      throw err;
    }
  }

  /** Which of these live streams may no longer publish (after a resync of the feed). */
  async liveStreamChecks(streams: LiveStreamCheck[]): Promise<string[]> {
    const res = await this.call(
      'POST',
      EdgeApiPaths.liveStreamChecks,
      { streams },
      LiveStreamChecksResponseSchema,
    );
    return res.revoked;
  }

  /** An on-demand asset by playback id (issue 12); undefined when the api does not know it (404). */
  async asset(playbackId: string): Promise<EdgeAsset | undefined> {
    try {
      return await this.call('GET', EdgeApiPaths.asset(playbackId), undefined, EdgeAssetSchema);
    } catch (err) {
      if (err instanceof ControlPlaneError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Bytes [offset, offset + length) of a ready asset's file (fewer only at its end), read through the
   * api (the storage gateway). The answer must be a 206 for exactly that start and at most `length`
   * bytes: anything else, or a longer body, is a ControlPlaneError.
   */
  assetRange(playbackId: string, offset: number, length: number): Promise<Buffer> {
    const path = EdgeApiPaths.assetSource(playbackId);
    const url = this.url(path);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: ControlPlaneError) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        req.destroy();
        reject(err);
      };
      const deadline = setTimeout(
        () =>
          fail(new ControlPlaneError('timeout', `GET ${path}: no answer within ${this.opts.timeoutMs} ms`)),
        this.opts.timeoutMs,
      );
      const req = transport.request(
        url,
        {
          method: 'GET',
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            range: `bytes=${offset}-${offset + length - 1}`,
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status !== 206) {
            res.resume();
            fail(new ControlPlaneError('http_status', `GET ${path}: HTTP ${status}`, status));
            return;
          }
          const range = /^bytes (\d+)-\d+\/\d+$/.exec(String(res.headers['content-range'] ?? ''));
          if (!range || Number(range[1]) !== offset) {
            fail(new ControlPlaneError('invalid_response', `GET ${path}: not the range asked for`, status));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > length) {
              fail(
                new ControlPlaneError('too_large', `GET ${path}: more than the ${length} bytes asked for`),
              );
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', () =>
            fail(new ControlPlaneError('unreachable', `GET ${path}: response aborted`, status)),
          );
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(deadline);
            resolve(Buffer.concat(chunks, size));
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        fail(new ControlPlaneError('unreachable', `GET ${path}: ${err.code ?? err.message}`)),
      );
      req.end();
    });
  }

  /**
   * Hands a session's recording to the api (contracts RecordingUploadQuery): the file streamed as the
   * body, or none for a recording that failed. No overall deadline (hours of video take a while), but
   * a stalled connection is given up after `idleMs` without progress.
   */
  uploadRecording(
    query: RecordingUploadQuery,
    file: { path: string; size: number } | undefined,
    idleMs: number,
  ): Promise<RecordingUploadResponse> {
    const params = new URLSearchParams(
      Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    const path = `${EdgeApiPaths.recordings}?${params}`;
    const url = this.url(path);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (err: ControlPlaneError | undefined, value?: RecordingUploadResponse) => {
        if (settled) return;
        settled = true;
        req.setTimeout(0);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(value as RecordingUploadResponse);
      };
      const req = transport.request(url, {
        method: 'POST',
        agent: this.agent,
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          'content-type': 'application/octet-stream',
          'content-length': String(file?.size ?? 0),
        },
      });
      req.setTimeout(idleMs, () =>
        finish(
          new ControlPlaneError('timeout', `POST ${EdgeApiPaths.recordings}: no progress in ${idleMs} ms`),
        ),
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        finish(
          new ControlPlaneError('unreachable', `POST ${EdgeApiPaths.recordings}: ${err.code ?? err.message}`),
        ),
      );
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= this.opts.maxResponseBytes) chunks.push(chunk);
        });
        res.on('end', () => {
          if (status !== 201) {
            finish(
              new ControlPlaneError('http_status', `POST ${EdgeApiPaths.recordings}: HTTP ${status}`, status),
            );
            return;
          }
          const json = parseJson(Buffer.concat(chunks).toString('utf8'));
          const parsed = RecordingUploadResponseSchema.safeParse(json.ok ? json.value : undefined);
          if (!parsed.success)
            finish(
              new ControlPlaneError(
                'invalid_response',
                `POST ${EdgeApiPaths.recordings}: not the contract's answer`,
              ),
            );
          else finish(undefined, parsed.data);
        });
      });
      if (!file) {
        req.end();
        return;
      }
      const body = createReadStream(file.path);
      body.on('error', (err) =>
        finish(new ControlPlaneError('unreachable', `reading ${file.path}: ${err.message}`)),
      );
      body.pipe(req);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base.href.endsWith('/') ? this.base : `${this.base.href}/`);
  }

  private call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    schema: S,
    timeoutMs = this.opts.timeoutMs,
  ): Promise<z.infer<S>> {
    const url = this.url(path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: ControlPlaneError) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        req.destroy();
        reject(err);
      };
      const deadline = setTimeout(
        () => fail(new ControlPlaneError('timeout', `${method} ${path}: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const req = transport.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const declared = Number(res.headers['content-length'] ?? 0);
          if (declared > this.opts.maxResponseBytes) {
            fail(
              new ControlPlaneError('too_large', `${method} ${path}: response of ${declared} bytes`, status),
            );
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.opts.maxResponseBytes) {
              fail(
                new ControlPlaneError(
                  'too_large',
                  `${method} ${path}: response over ${this.opts.maxResponseBytes} bytes`,
                  status,
                ),
              );
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', () =>
            fail(new ControlPlaneError('unreachable', `${method} ${path}: response aborted`, status)),
          );
          res.on('end', () => {
            if (settled) return;
            if (status < 200 || status >= 300) {
              fail(new ControlPlaneError('http_status', `${method} ${path}: HTTP ${status}`, status));
              return;
            }
            const parsed = parseJson(Buffer.concat(chunks).toString('utf8'));
            const checked = parsed.ok ? schema.safeParse(parsed.value) : undefined;
            if (!checked?.success) {
              fail(
                new ControlPlaneError(
                  'invalid_response',
                  `${method} ${path}: answer does not match the contract`,
                  status,
                ),
              );
              return;
            }
            settled = true;
            clearTimeout(deadline);
            resolve(checked.data);
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        fail(new ControlPlaneError('unreachable', `${method} ${path}: ${err.code ?? err.message}`)),
      );
      req.end(payload);
    });
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
