import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeApiPaths, TENANT_HEADER } from '@tributary/contracts';
import { createLogger } from '@tributary/service-kit';
import { type RunningApi, startApi } from '../../src/app';
import { parseApiConfig } from '../../src/config';
import { createTestDatabase, type TestDatabase } from './database';

export const OPERATOR = { email: 'operator@test.local', password: 'operator-password-1' };

// biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely and parse with contracts' schemas where the shape matters
export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Credentials {
  key?: string;
  cookie?: string;
  tenant?: string;
  headers?: Record<string, string>;
}

/** A real api (Nest over HTTP on a free port) on its own database. */
export class TestApi {
  private constructor(
    readonly api: RunningApi,
    readonly database: TestDatabase,
    private readonly dataDir: string,
    readonly secretsKey: string,
    private readonly ownsDatabase: boolean,
  ) {}

  /** `peer`: another instance of the same deployment (its database and SECRETS_KEY). */
  static async start(env: Record<string, string> = {}, peer?: TestApi): Promise<TestApi> {
    const database = peer?.database ?? (await createTestDatabase());
    const secretsKey = peer?.secretsKey ?? randomBytes(32).toString('base64');
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-api-test-'));
    const config = parseApiConfig({
      API_PORT: '0',
      API_HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      SECRETS_KEY: secretsKey,
      BOOTSTRAP_OPERATOR_EMAIL: OPERATOR.email,
      BOOTSTRAP_OPERATOR_PASSWORD: OPERATOR.password,
      PUBLIC_RTMP_URL: 'rtmp://127.0.0.1:1935/live',
      PUBLIC_PLAYBACK_HTTP_URL: 'http://127.0.0.1:8080',
      LOG_LEVEL: 'silent',
      // The PGlite socket serves two connections; keep each test instance to one.
      ...(database.kind === 'pglite' ? { DATABASE_POOL_MAX: '1' } : {}),
      ...env,
    });
    const api = await startApi(config, createLogger({ name: 'api', level: 'silent' }));
    return new TestApi(api, database, dataDir, secretsKey, !peer);
  }

  get url(): string {
    return this.api.url;
  }

  // biome-ignore lint/suspicious/noExplicitAny: see Reply
  async request<T = any>(
    method: string,
    path: string,
    opts: Credentials & { body?: unknown; rawBody?: string } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.tenant) headers[TENANT_HEADER] = opts.tenant;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }

  async login(email = OPERATOR.email, password = OPERATOR.password): Promise<string> {
    const res = await this.request('POST', '/v1/auth/login', { body: { email, password } });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    const setCookie = res.headers.get('set-cookie') ?? '';
    return setCookie.split(';')[0] ?? '';
  }

  /** A tenant with a read+write API key, created through the API as an operator would. */
  async tenantWithKey(name: string, operatorCookie: string, limits: Record<string, number | null> = {}) {
    const tenant = await this.request('POST', '/v1/tenants', {
      cookie: operatorCookie,
      body: { name, ...limits },
    });
    if (tenant.status !== 201) throw new Error(`tenant: ${tenant.status} ${JSON.stringify(tenant.body)}`);
    const key = await this.request('POST', '/v1/api-keys', {
      cookie: operatorCookie,
      tenant: tenant.body.id,
      body: { name: 'ci' },
    });
    if (key.status !== 201) throw new Error(`api key: ${key.status} ${JSON.stringify(key.body)}`);
    return { tenantId: tenant.body.id as string, key: key.body.key as string };
  }

  /** Registers edge `name` (region eu-west unless given; capacity only when given): its id and credential. */
  async edge(operatorCookie: string, name = 'edge-1', opts: { region?: string; capacity?: number } = {}) {
    const res = await this.request('POST', '/v1/edges', {
      cookie: operatorCookie,
      body: {
        name,
        region: opts.region ?? 'eu-west',
        ...(opts.capacity === undefined ? {} : { capacity: opts.capacity }),
        rtmpUrl: `rtmp://${name}.test:1935/live`,
        httpUrl: `http://${name}.test:8080`,
      },
    });
    if (res.status !== 201) throw new Error(`edge: ${res.status} ${JSON.stringify(res.body)}`);
    return { edgeId: res.body.id as string, credential: res.body.credential as string };
  }

  /** Creates a live stream as the tenant with `key` (`body`: name, record...); asserts the 201. */
  // biome-ignore lint/suspicious/noExplicitAny: see Reply
  async liveStream<T = any>(key: string, body: Record<string, unknown>): Promise<T> {
    const res = await this.request('POST', '/v1/live-streams', { key, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as T;
  }

  /** The edge with `credential` starts a publishing session of `liveStreamId`; resolves with its id (asserts the 201). */
  async startSession(credential: string, liveStreamId: string, clientIp = '203.0.113.9'): Promise<string> {
    const res = await this.request('POST', EdgeApiPaths.sessions, {
      key: credential,
      body: { liveStreamId, clientIp, video: null, audio: null },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.sessionId as string;
  }

  /** The edge with `credential` ends `sessionId` as a publisher closing does, with no counters (asserts the 204). */
  async endSession(credential: string, sessionId: string): Promise<void> {
    const res = await this.request('POST', EdgeApiPaths.sessionEnd(sessionId), {
      key: credential,
      body: { reason: 'publisher closed', bytesInDelta: 0, bytesOutDelta: 0, viewerSecondsDelta: 0 },
    });
    assert.equal(res.status, 204, JSON.stringify(res.body));
  }

  /** An edge (or whoever holds `credential`) hands over a recording: POST of `body` to the recordings endpoint with `query`. */
  handOverRecording(credential: string, query: Record<string, string>, body?: Buffer): Promise<Response> {
    return fetch(`${this.url}${EdgeApiPaths.recordings}?${new URLSearchParams(query)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/octet-stream' },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  }

  /** A heartbeat from the edge with `credential`: an idle edge's counters, with `extra` over them. */
  heartbeat(credential: string, extra: Record<string, unknown> = {}) {
    return this.request('POST', EdgeApiPaths.heartbeat, {
      key: credential,
      body: {
        version: '1.0.0',
        connections: 0,
        publishers: 0,
        viewers: 0,
        bytesInTotal: 0,
        bytesOutTotal: 0,
        ...extra,
      },
    });
  }

  async close(): Promise<void> {
    await this.api.close();
    if (this.ownsDatabase) await this.database.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
