import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expressPath, type RouteDef, routes } from '@tributary/contracts';
import { type Reply, TestApi } from './support/api';
import { listRoutes } from './support/routes';

/**
 * Every list endpoint of the route table (a GET answering `{ data, nextCursor }`) walked page by page with
 * limit=7 while rows are inserted beside each page request (issue 15, "Every list paginates (cursor)"): each
 * row that existed before the walk comes back exactly once, newest first, rows inserted meanwhile at most
 * once, and nothing else; a well-formed cursor naming no row, or another tenant's row, answers an empty
 * page, not the other tenant's rows; a malformed cursor (or a NUL in a filter) a 400, never a 500. A list
 * route the api serves without a walker here is reported as skipped with its name, so a new list gets one.
 */

const LIMIT = 7;
/** Rows made before each walk: four pages of LIMIT, the last one short. */
const SEEDED = 3 * LIMIT + 2;
/** Rows seeded at once. */
const SEED_BATCH = 6;
/** A walk that has not ended after this many pages repeats itself. */
const MAX_PAGES = 40;

let api: TestApi;
let operator: string;
let acme: { tenantId: string; key: string };
let other: { tenantId: string; key: string };
let edge: { edgeId: string; credential: string };

type Row = { id?: string; userId?: string; createdAt?: string; startedAt?: string };
/** A row's key, the cursor that names it: its id (members are keyed by their user id). */
const keyOf = (row: Row): string =>
  row.id ?? row.userId ?? assert.fail(`a row without id: ${JSON.stringify(row)}`);
type Caller = { key?: string; cookie?: string; tenant?: string };

const ok = async <T = unknown>(reply: Promise<Reply<T>>, what: string, status = 201): Promise<T> => {
  const r = await reply;
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  return r.body;
};

let seq = 0;
const next = () => ++seq;

/** How each list gets its rows and who reads it; keyed `group.name` as in the route table. */
type Walker = {
  /** The path to walk (placeholders filled), with any filter in its query. */
  path: () => Promise<string>;
  caller: () => Caller;
  /** Makes one row of the list (as it will be listed), resolves with its id. */
  insert: () => Promise<string>;
  /** Rows the list holds before the walk, when not SEEDED (a list with a small cap). */
  rows?: number;
};

const streamOf = new Map<string, string>();
async function stream(name: string): Promise<string> {
  const known = streamOf.get(name);
  if (known) return known;
  const created = await api.liveStream<{ id: string }>(acme.key, { name, record: true });
  streamOf.set(name, created.id);
  return created.id;
}

/** A session of `streamName`'s stream, started and ended by the edge (an ended session of its list). */
async function session(streamName: string): Promise<string> {
  const id = await api.startSession(edge.credential, await stream(streamName));
  await api.endSession(edge.credential, id);
  return id;
}

/** A failed recording handed over for `streamName`'s stream: an errored asset (and an asset.errored event). */
async function failedRecording(streamName: string): Promise<string> {
  const res = await api.handOverRecording(edge.credential, {
    liveStreamId: await stream(streamName),
    startedAt: new Date().toISOString(),
    failed: 'disk_full',
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { assetId: string }).assetId;
}

let hookId = '';
let tenantForUsers = '';
let userEmail = '';
let userCookie = '';
const userPassword = 'pagination-password-1';

const walkers: Record<string, Walker> = {
  'tenants.list': {
    path: async () => '/v1/tenants',
    caller: () => ({ cookie: operator }),
    insert: async () =>
      (
        await ok(
          api.request('POST', '/v1/tenants', { cookie: operator, body: { name: `t${next()}` } }),
          'tenant',
        )
      ).id,
  },
  'tenants.listUsers': {
    path: async () => `/v1/tenants/${tenantForUsers}/users`,
    caller: () => ({ cookie: operator }),
    insert: async () => {
      const n = next();
      const body = { email: `u${n}@pages.test`, name: `User ${n}`, password: userPassword, role: 'member' };
      return (
        await ok(
          api.request('POST', `/v1/tenants/${tenantForUsers}/users`, { cookie: operator, body }),
          'user',
        )
      ).id;
    },
    // Each row costs a password hash: three pages, the last of one row.
    rows: 2 * LIMIT + 1,
  },
  'members.list': {
    path: async () => '/v1/members',
    caller: () => ({ cookie: operator, tenant: tenantForUsers }),
    insert: async () => {
      const n = next();
      const body = { email: `m${n}@pages.test`, name: `Member ${n}`, password: userPassword, role: 'member' };
      return (
        await ok(
          api.request('POST', `/v1/tenants/${tenantForUsers}/users`, { cookie: operator, body }),
          'member',
        )
      ).id;
    },
    rows: 2 * LIMIT + 1,
  },
  'invitations.list': {
    path: async () => '/v1/invitations',
    // Invitations are managed by signed-in users only (not API keys).
    caller: () => ({ cookie: operator, tenant: acme.tenantId }),
    insert: async () =>
      (
        await ok(
          api.request('POST', '/v1/invitations', {
            cookie: operator,
            tenant: acme.tenantId,
            body: { email: `i${next()}@pages.test` },
          }),
          'invitation',
        )
      ).id,
  },
  'account.listSessions': {
    path: async () => '/v1/account/sessions',
    caller: () => ({ cookie: userCookie }),
    insert: async () => {
      await api.login(userEmail, userPassword);
      // The newest session of the account is the one just made (the list is newest first).
      const first = await ok(
        api.request('GET', '/v1/account/sessions?limit=1', { cookie: userCookie }),
        'sessions',
        200,
      );
      const row = (first as { data: Row[] }).data[0];
      return row ? keyOf(row) : assert.fail('no account session listed');
    },
    // Each row costs a password hash: three pages, the last of one row.
    rows: 2 * LIMIT + 1,
  },
  'apiKeys.list': {
    path: async () => '/v1/api-keys',
    caller: () => ({ key: acme.key }),
    insert: async () =>
      (
        await ok(
          api.request('POST', '/v1/api-keys', { key: acme.key, body: { name: `k${next()}` } }),
          'api key',
        )
      ).id,
  },
  'liveStreams.list': {
    path: async () => '/v1/live-streams?status=idle',
    caller: () => ({ key: acme.key }),
    insert: async () => (await api.liveStream<{ id: string }>(acme.key, { name: `s${next()}` })).id,
  },
  'liveEvents.list': {
    path: async () => '/v1/live-events',
    caller: () => ({ key: acme.key }),
    insert: async () => {
      const body = { liveStreamId: await stream('events'), title: `e${next()}` };
      return (await ok(api.request('POST', '/v1/live-events', { key: acme.key, body }), 'live event')).id;
    },
  },
  'sessions.list': {
    path: async () => `/v1/sessions?active=false&liveStreamId=${await stream('sessions')}`,
    caller: () => ({ key: acme.key }),
    insert: () => session('sessions'),
  },
  'assets.list': {
    path: async () => `/v1/assets?liveStreamId=${await stream('recorded')}`,
    caller: () => ({ key: acme.key }),
    insert: () => failedRecording('recorded'),
  },
  'signingKeys.list': {
    path: async () => '/v1/signing-keys',
    caller: () => ({ key: acme.key }),
    insert: async () =>
      (
        await ok(
          api.request('POST', '/v1/signing-keys', { key: acme.key, body: { name: `sk${next()}` } }),
          'key',
        )
      ).id,
  },
  'webhooks.list': {
    path: async () => '/v1/webhooks',
    caller: () => ({ key: acme.key }),
    insert: async () => {
      const body = { url: `http://127.0.0.1:9/hook-${next()}`, events: ['live_stream.deleted'] };
      return (await ok(api.request('POST', '/v1/webhooks', { key: acme.key, body }), 'webhook')).id;
    },
  },
  'webhooks.listDeliveries': {
    path: async () => `/v1/webhooks/${hookId}/deliveries`,
    caller: () => ({ key: acme.key }),
    // One asset.errored event, one delivery to the endpoint subscribed to it.
    insert: async () => {
      await failedRecording('delivered');
      const newest = await ok(
        api.request('GET', `/v1/webhooks/${hookId}/deliveries?limit=1`, { key: acme.key }),
        'deliveries',
        200,
      );
      const row = (newest as { data: Row[] }).data[0];
      return row ? keyOf(row) : assert.fail('no delivery listed');
    },
  },
  'usageAlerts.list': {
    path: async () => '/v1/usage-alerts',
    caller: () => ({ key: acme.key }),
    insert: async () => {
      const body = { metric: 'egressBytes', period: 'day', threshold: next() };
      return (await ok(api.request('POST', '/v1/usage-alerts', { key: acme.key, body }), 'usage alert')).id;
    },
    // A tenant holds at most MAX_USAGE_ALERTS_PER_TENANT (25): three pages, and room for the walk's inserts.
    rows: 2 * LIMIT + 3,
  },
  'edges.list': {
    path: async () => '/v1/edges',
    caller: () => ({ cookie: operator }),
    insert: async () => (await api.edge(operator, `edge-${next()}`)).edgeId,
  },
};

/** The route table's list routes: GETs whose response is a `{ data, nextCursor }` page. */
function listRoutesOfTable(): Array<{ name: string; def: RouteDef }> {
  const out: Array<{ name: string; def: RouteDef }> = [];
  for (const [group, defs] of Object.entries(routes))
    for (const [name, def] of Object.entries(defs as Record<string, RouteDef>)) {
      const shape = (def.response as { shape?: Record<string, unknown> } | undefined)?.shape;
      if (def.method === 'GET' && shape && 'data' in shape && 'nextCursor' in shape)
        out.push({ name: `${group}.${name}`, def });
    }
  return out;
}

const withQuery = (path: string, query: Record<string, string>) =>
  `${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams(query)}`;

async function page(
  path: string,
  caller: Caller,
  cursor?: string,
): Promise<{ data: Row[]; nextCursor: string | null }> {
  const query: Record<string, string> = { limit: String(LIMIT), ...(cursor ? { cursor } : {}) };
  const r = await api.request('GET', withQuery(path, query), caller);
  assert.equal(r.status, 200, `GET ${withQuery(path, query)}: ${JSON.stringify(r.body)}`);
  assert.ok(r.body.data.length <= LIMIT, `a page of ${r.body.data.length} rows for limit ${LIMIT}`);
  return r.body;
}

/** Every row of a list, read in pages of 100 with nothing inserted meanwhile. */
async function all(path: string, caller: Caller): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const r: Reply<{ data: Row[]; nextCursor: string | null }> = await api.request(
      'GET',
      withQuery(path, { limit: '100', ...(cursor ? { cursor } : {}) }),
      caller,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    ids.push(...r.body.data.map(keyOf));
    cursor = r.body.nextCursor;
  } while (cursor);
  return ids;
}

before(async () => {
  api = await TestApi.start({
    // Account sessions are made by signing in; the walk signs in once per page.
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    // Each sign-in counts against the account until it succeeds: concurrent ones would hit the limit.
    LOGIN_ACCOUNT_FAILURES_PER_MINUTE: '1000',
    TENANT_MAX_WEBHOOKS: '100',
    TENANT_MAX_SIGNING_KEYS: '100',
    // Deliveries go to the discard port and fail (and are retried later): only their rows matter here.
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9',
  });
  operator = await api.login();
  acme = await api.tenantWithKey('Acme pages', operator);
  other = await api.tenantWithKey('Other pages', operator);
  edge = await api.edge(operator, 'pages-edge');
  tenantForUsers = (
    await ok(api.request('POST', '/v1/tenants', { cookie: operator, body: { name: 'Users' } }), 'tenant')
  ).id;
  userEmail = 'walker@pages.test';
  await ok(
    api.request('POST', `/v1/tenants/${acme.tenantId}/users`, {
      cookie: operator,
      body: { email: userEmail, name: 'Walker', password: userPassword, role: 'member' },
    }),
    'user',
  );
  userCookie = await api.login(userEmail, userPassword);
  hookId = (
    await ok(
      api.request('POST', '/v1/webhooks', {
        key: acme.key,
        body: { url: 'http://127.0.0.1:9/deliveries', events: ['asset.errored'] },
      }),
      'webhook',
    )
  ).id;
});

after(async () => {
  await api?.close();
});

describe('every list walked with limit=7 across concurrent inserts', () => {
  const served = new Set<string>();
  before(() => {
    for (const r of listRoutes(api.api.app)) served.add(`${r.method} ${r.path}`);
  });

  for (const { name, def } of listRoutesOfTable()) {
    it(`${name} (GET ${def.path}) returns each row once, newest first`, async (t) => {
      if (!served.has(`GET ${expressPath(def.path)}`))
        return t.skip(`the api does not serve GET ${def.path}`);
      const walker = walkers[name];
      if (!walker) return t.skip(`no walker for ${name} in test/list-pagination.test.ts`);
      const path = await walker.path();
      const caller = walker.caller();
      // Only what the list lacks (members are the users an earlier walk made), in parallel batches:
      // users' and sign-ins' password hashing is the slow part of the seeding.
      const want = walker.rows ?? SEEDED;
      const seeded: string[] = [];
      for (let have = (await all(path, caller)).length; have < want; have += SEED_BATCH)
        seeded.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(SEED_BATCH, want - have) }, () => walker.insert()),
          )),
        );
      const before = await all(path, caller);
      for (const id of seeded) assert.ok(before.includes(id), `${name}: seeded row ${id} not listed`);
      assert.ok(before.length > 2 * LIMIT, `${name}: ${before.length} rows, fewer than three pages`);

      const inserted: string[] = [];
      const seen: Row[] = [];
      let cursor: string | undefined;
      for (let pages = 0; ; pages++) {
        assert.ok(pages < MAX_PAGES, `${name}: still paging after ${MAX_PAGES} pages (a cursor repeats)`);
        const [got]: [{ data: Row[]; nextCursor: string | null }, unknown] = await Promise.all([
          page(path, caller, cursor),
          walker.insert().then((id) => inserted.push(id)),
        ]);
        seen.push(...got.data);
        if (got.nextCursor === null) break;
        assert.equal(
          got.nextCursor,
          got.data.length > 0 ? keyOf(got.data[got.data.length - 1] as Row) : undefined,
          `${name}: nextCursor is the last row`,
        );
        cursor = got.nextCursor;
      }

      const ids = seen.map(keyOf);
      const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
      assert.deepEqual(dupes, [], `${name}: rows listed twice`);
      const missing = before.filter((id) => !ids.includes(id));
      assert.deepEqual(missing, [], `${name}: rows that existed before the walk were skipped`);
      const strangers = ids.filter((id) => !before.includes(id) && !inserted.includes(id));
      assert.deepEqual(strangers, [], `${name}: rows neither there before nor inserted`);
      // The rows that were there before keep their order: newest first.
      const order = seen
        .filter((r) => before.includes(keyOf(r)))
        .map((r) => r.createdAt ?? r.startedAt ?? '');
      assert.ok(order.every(Boolean), `${name}: rows carry no createdAt/startedAt`);
      for (let i = 1; i < order.length; i++)
        assert.ok(
          (order[i - 1] as string) >= (order[i] as string),
          `${name}: ${order[i - 1]} before ${order[i]}`,
        );
      assert.deepEqual(
        ids.filter((id) => before.includes(id)),
        before,
        `${name}: the walk and a read in pages of 100 disagree on the order`,
      );
    });
  }
});

describe('cursors that name no row of the list', () => {
  it('a well-formed cursor of no row answers an empty page; anything else a 400, never a 500', async (t) => {
    const served = new Set(listRoutes(api.api.app).map((r) => `${r.method} ${r.path}`));
    for (const { name, def } of listRoutesOfTable()) {
      const walker = walkers[name];
      if (!walker || !served.has(`GET ${expressPath(def.path)}`)) continue;
      const path = await walker.path();
      const get = (query: Record<string, string>) =>
        api.request('GET', withQuery(path, query), walker.caller());
      for (const cursor of ['ls_nothing-here', 'x'.repeat(128)]) {
        const r = await get({ cursor, limit: '5' });
        assert.equal(r.status, 200, `${name} ${cursor}: ${JSON.stringify(r.body)}`);
        assert.deepEqual(r.body, { data: [], nextCursor: null }, `${name} ${cursor}`);
      }
      for (const cursor of ['x'.repeat(129), "'; select 1 --", '\u0000', 'a\u0000b', '🙂', '../x']) {
        const r = await get({ cursor });
        assert.equal(r.status, 400, `${name} ${JSON.stringify(cursor)}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'validation_failed');
        assert.match(r.body.error.message + JSON.stringify(r.body.error.details ?? ''), /cursor/);
      }
      t.diagnostic(`${name}: cursors checked`);
    }
  });

  it('a NUL in a list filter is refused, not sent to the database', async () => {
    for (const path of ['/v1/sessions', '/v1/assets']) {
      const r = await api.request('GET', `${path}?liveStreamId=%00`, { key: acme.key });
      assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
    }
  });

  it("another tenant's row as cursor lists none of that tenant's rows", async () => {
    const theirs = await api.liveStream<{ id: string }>(other.key, { name: 'theirs' });
    await api.liveStream(other.key, { name: 'theirs, older' });
    const mine = await all('/v1/live-streams', { key: acme.key });
    const r = await api.request('GET', `/v1/live-streams?cursor=${theirs.id}&limit=100`, { key: acme.key });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const row of r.body.data as Row[])
      assert.ok(mine.includes(keyOf(row)), `${keyOf(row)} is not acme's`);
  });
});
