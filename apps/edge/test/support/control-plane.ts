import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type PlaybackToken, PlaybackTokenSchema } from '@tributary/contracts';
import {
  freePort,
  type JsonLogProcess,
  type NetnsHost,
  spawnJsonLogProcess,
  waitUntil,
} from '@tributary/test-kit';

/**
 * The real control plane for edge tests that need more than the in-test fake: one database (a migrated
 * PGlite, or a database of its own on DATABASE_URL's server), one or more real api processes on it, the
 * bootstrap operator signed in, and helpers to make tenants and streams and to register and start edges
 * (as their own processes, optionally inside a network namespace). Every wait has a deadline.
 */

const API_DIST = resolve(__dirname, '../../../../api/dist');
const API_MAIN = join(API_DIST, 'src/main.js');
/** The api's own test databases (apps/api/test/support/database.ts). */
const API_TEST_DATABASE = join(API_DIST, 'test/support/database.js');
const EDGE_MAIN = resolve(__dirname, '../../src/main.js');
const OPERATOR = { email: 'operator@edge-fleet.test', password: 'edge-fleet-password-1' };
/** Starting a process and answering its first request, on a busy 2-core machine. */
const START_DEADLINE_MS = 20_000;
/** A SIGTERM'd edge drains (DRAIN_TIMEOUT_MS below) and exits; past this it is killed. */
const STOP_DEADLINE_MS = 10_000;

/** SIGTERM, then SIGKILL if the process is still there after STOP_DEADLINE_MS. */
async function terminate(child: JsonLogProcess['child']): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
  await exited;
  clearTimeout(timer);
}

interface TestDatabase {
  url: string;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface RestAuth {
  cookie?: string;
  bearer?: string;
  tenantId?: string;
}

export interface RestResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export type Rest = <T = Record<string, unknown>>(
  method: string,
  path: string,
  auth: RestAuth,
  body?: unknown,
) => Promise<RestResponse<T>>;

export function restClient(base: () => string): Rest {
  return async <T>(method: string, path: string, auth: RestAuth, body?: unknown) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth.cookie) headers.cookie = auth.cookie;
    if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
    if (auth.tenantId) headers['x-tenant-id'] = auth.tenantId;
    const res = await fetch(`${base()}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(START_DEADLINE_MS),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  };
}

export interface ApiProcess {
  readonly proc: JsonLogProcess;
  readonly url: string;
  readonly env: Record<string, string>;
}

export interface TenantHandle {
  id: string;
  /** An API key of the tenant. */
  key: string;
}

export interface StreamHandle {
  id: string;
  playbackId: string;
  streamKey: string;
}

export interface EdgeHandle {
  readonly name: string;
  readonly proc: JsonLogProcess;
  /** The public RTMP application URL it registered (rtmp://host:port/live). */
  readonly rtmp: string;
  /** Its HTTP base (HLS, HTTP-FLV, /metrics, /healthz). */
  readonly http: string;
  /** SIGTERM (a drain) and wait for the exit (SIGKILL past a deadline). */
  stop(): Promise<void>;
}

/** The value of one sample of an edge's /metrics (`name` with its labels, e.g. `x_total{result="live"}`); 0 when absent. */
export async function edgeMetric(edge: Pick<EdgeHandle, 'http'>, sample: string): Promise<number> {
  const text = await (await fetch(`${edge.http}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

export interface StartEdgeOptions {
  name: string;
  /** Which api process the edge follows (default 0). */
  api?: number;
  region?: string;
  /** Runs the edge inside this namespace host, listening on its address. */
  host?: NetnsHost;
  /** How the edge (in `host`) reaches the api: the lab's gateway address. */
  apiHost?: string;
  /** Extra edge environment (EDGE_* limits, intervals). */
  env?: Record<string, string>;
}

export class ControlPlane {
  readonly apis: ApiProcess[] = [];
  readonly edges: EdgeHandle[] = [];
  private database: TestDatabase | undefined;
  private cookie = '';
  private readonly secretsKey = randomBytes(32).toString('base64');

  private constructor(
    private readonly dir: string,
    private readonly apiEnv: Record<string, string>,
  ) {}

  /** The database and `apis` api processes on it, with the operator signed in on the first. */
  static async start(opts: {
    dir: string;
    apis?: number;
    env?: Record<string, string>;
  }): Promise<ControlPlane> {
    assert.ok(existsSync(API_MAIN), `build apps/api first (${API_MAIN})`);
    const plane = new ControlPlane(opts.dir, opts.env ?? {});
    const { createTestDatabase } = require(API_TEST_DATABASE) as {
      createTestDatabase: () => Promise<TestDatabase>;
    };
    plane.database = await createTestDatabase();
    for (let i = 0; i < (opts.apis ?? 1); i++) await plane.startApi(i);
    const login = await plane.via(0)('POST', '/v1/auth/login', {}, OPERATOR);
    assert.equal(login.status, 200, JSON.stringify(login.body));
    plane.cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return plane;
  }

  get databaseUrl(): string {
    assert.ok(this.database);
    return this.database.url;
  }

  /** REST calls through api process `i`. */
  via(i: number): Rest {
    return restClient(() => this.apis[i]?.url ?? '');
  }

  /** The operator's session cookie. */
  get operator(): RestAuth {
    return { cookie: this.cookie };
  }

  /** Starts (or restarts) api process `i` on the same database and secrets. */
  async startApi(i: number, env: Record<string, string> = {}): Promise<ApiProcess> {
    assert.ok(this.database);
    const port = this.apis[i]?.env.API_PORT ?? String(await freePort());
    const fullEnv = {
      PATH: process.env.PATH ?? '',
      // Loopback unless `env` says otherwise (edges in network namespaces reach it on the lab's gateway).
      API_HOST: '127.0.0.1',
      API_PORT: port,
      DATABASE_URL: this.database.url,
      // Each instance keeps to one pooled connection on PGlite's socket (see the api's test support).
      DATABASE_POOL_MAX: this.database.kind === 'pglite' ? '1' : '4',
      DATA_DIR: join(this.dir, `api-${i}`),
      SECRETS_KEY: this.secretsKey,
      BOOTSTRAP_OPERATOR_EMAIL: OPERATOR.email,
      BOOTSTRAP_OPERATOR_PASSWORD: OPERATOR.password,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      EDGE_HEARTBEAT_INTERVAL_SECONDS: '1',
      ...this.apiEnv,
      ...env,
    };
    const proc = spawnJsonLogProcess(API_MAIN, { stderr: 'inherit', env: fullEnv });
    try {
      await proc.waitForLog(
        (l) => String(l.msg).startsWith('api listening'),
        'api listening',
        START_DEADLINE_MS,
      );
    } catch (err) {
      await terminate(proc.child);
      throw err;
    }
    const host = fullEnv.API_HOST === '0.0.0.0' ? '127.0.0.1' : fullEnv.API_HOST;
    const api = { proc, url: `http://${host}:${port}`, env: fullEnv };
    this.apis[i] = api;
    return api;
  }

  /** SIGTERM api process `i` and wait for it to exit (SIGKILL past a deadline). */
  async stopApi(i: number): Promise<void> {
    const api = this.apis[i];
    if (api) await terminate(api.proc.child);
  }

  async newTenant(name: string): Promise<TenantHandle> {
    const t = await this.via(0)<{ id: string }>('POST', '/v1/tenants', this.operator, { name });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    const key = await this.via(0)<{ key: string }>(
      'POST',
      '/v1/api-keys',
      { ...this.operator, tenantId: t.body.id },
      { name: 'k' },
    );
    assert.equal(key.status, 201, JSON.stringify(key.body));
    return { id: t.body.id, key: key.body.key };
  }

  async newStream(
    owner: TenantHandle,
    name: string,
    playbackPolicy: 'public' | 'signed' = 'public',
  ): Promise<StreamHandle> {
    const s = await this.via(0)<StreamHandle>(
      'POST',
      '/v1/live-streams',
      { bearer: owner.key },
      {
        name,
        playbackPolicy,
      },
    );
    assert.equal(s.status, 201, JSON.stringify(s.body));
    return { id: s.body.id, playbackId: s.body.playbackId, streamKey: s.body.streamKey };
  }

  /**
   * A playback token for `playbackId` as the tenant's backend mints one (POST /v1/playback-tokens with
   * its API key): the token and the ready-made URLs carrying it, validated against the contract.
   */
  async mintPlaybackToken(
    owner: TenantHandle,
    playbackId: string,
    opts: { ttlSeconds?: number; clientIp?: string } = {},
  ): Promise<PlaybackToken> {
    const res = await this.via(0)(
      'POST',
      '/v1/playback-tokens',
      { bearer: owner.key },
      { playbackId, ...opts },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return PlaybackTokenSchema.parse(res.body);
  }

  /**
   * Uploads `file` (its bytes, named `filename`) as an asset of `owner`: a multipart POST /v1/assets to
   * api `api` (default 0), as the dashboard sends it, with `fields` (playbackPolicy, …) before the file.
   */
  async postAsset(
    owner: TenantHandle,
    file: Buffer,
    filename: string,
    opts: { fields?: Record<string, string>; api?: number } = {},
  ): Promise<RestResponse<Record<string, unknown>>> {
    const form = new FormData();
    for (const [name, value] of Object.entries(opts.fields ?? {})) form.set(name, value);
    form.set('file', new Blob([file]), filename);
    const res = await fetch(`${this.apis[opts.api ?? 0]?.url}/v1/assets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.key}` },
      body: form,
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  }

  /** Asset `id` of `owner` once it is no longer preparing (ready or errored), asked of api `api`. */
  async settledAsset(
    owner: TenantHandle,
    id: string,
    opts: { api?: number; timeoutMs?: number } = {},
  ): Promise<Record<string, unknown>> {
    let asset: Record<string, unknown> = {};
    await waitUntil(
      async () => {
        asset = (await this.via(opts.api ?? 0)('GET', `/v1/assets/${id}`, { bearer: owner.key })).body;
        return asset.status !== 'preparing';
      },
      { timeoutMs: opts.timeoutMs ?? 20_000, what: `asset ${id} ready` },
    );
    return asset;
  }

  /** Uploads the file at `path` (postAsset) and waits until it is ready, asserting both: the asset. */
  async readyAsset(
    owner: TenantHandle,
    path: string,
    opts: { filename: string; playbackPolicy?: 'public' | 'signed'; api?: number; timeoutMs?: number },
  ): Promise<Record<string, unknown>> {
    const fields: Record<string, string> = opts.playbackPolicy ? { playbackPolicy: opts.playbackPolicy } : {};
    const posted = await this.postAsset(owner, readFileSync(path), opts.filename, { fields, api: opts.api });
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    const asset = await this.settledAsset(owner, String(posted.body.id), opts);
    assert.equal(asset.status, 'ready', String(asset.error ?? ''));
    return asset;
  }

  /**
   * Registers an edge with the api (POST /v1/edges) at `address` (free ports unless given): its
   * credential and the URLs it must listen on, for a test that runs the edge in its own process.
   */
  async registerEdge(opts: {
    name: string;
    region?: string;
    address?: string;
    rtmpPort?: number;
    httpPort?: number;
  }): Promise<{ credential: string; rtmp: string; http: string; rtmpPort: number; httpPort: number }> {
    const address = opts.address ?? '127.0.0.1';
    const rtmpPort = opts.rtmpPort ?? (await freePort());
    const httpPort = opts.httpPort ?? (await freePort());
    const rtmp = `rtmp://${address}:${rtmpPort}/live`;
    const http = `http://${address}:${httpPort}`;
    const registered = await this.via(0)<{ credential: string }>('POST', '/v1/edges', this.operator, {
      name: opts.name,
      region: opts.region ?? 'local',
      rtmpUrl: rtmp,
      httpUrl: http,
    });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    return { credential: registered.body.credential, rtmp, http, rtmpPort, httpPort };
  }

  /** Registers an edge and starts it as its own process (in `opts.host` when given). */
  async startEdge(opts: StartEdgeOptions): Promise<EdgeHandle> {
    const address = opts.host?.ip ?? '127.0.0.1';
    const { credential, rtmp, http, rtmpPort, httpPort } = await this.registerEdge({
      name: opts.name,
      region: opts.region,
      address,
      // A host has its own address: the standard ports are free there.
      ...(opts.host ? { rtmpPort: 1935, httpPort: 8080 } : {}),
    });
    const api = this.apis[opts.api ?? 0];
    assert.ok(api, `api ${opts.api ?? 0} is running`);
    const apiUrl = opts.apiHost ? `http://${opts.apiHost}:${api.env.API_PORT}` : api.url;
    const proc = spawnJsonLogProcess(EDGE_MAIN, {
      stderr: 'inherit',
      prefix: opts.host?.prefix,
      env: {
        PATH: process.env.PATH ?? '',
        EDGE_API_URL: apiUrl,
        EDGE_API_TOKEN: credential,
        RTMP_HOST: address,
        RTMP_PORT: String(rtmpPort),
        HTTP_HOST: address,
        HTTP_PORT: String(httpPort),
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        STATS_INTERVAL_SECONDS: '1',
        HEARTBEAT_INTERVAL_SECONDS: '1',
        HLS_TARGET_DURATION_MS: '1000',
        DRAIN_TIMEOUT_MS: '2000',
        ...opts.env,
      },
    });
    try {
      await proc.waitForLog((l) => l.msg === 'edge ready', `${opts.name} ready`, START_DEADLINE_MS);
    } catch (err) {
      // Not ready in time: it is not in `edges` yet, so stop() would leave it running.
      await terminate(proc.child);
      throw err;
    }
    const handle: EdgeHandle = {
      name: opts.name,
      proc,
      rtmp,
      http,
      stop: () => terminate(proc.child),
    };
    this.edges.push(handle);
    return handle;
  }

  /** Stops every edge, then every api, then the database. */
  async stop(): Promise<void> {
    await Promise.all(this.edges.map((e) => e.stop()));
    for (const i of this.apis.keys()) await this.stopApi(i);
    await this.database?.close();
  }
}
