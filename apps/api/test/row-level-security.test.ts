import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '@tributary/service-kit';
import { Client, Pool } from 'pg';
import { requestContext } from '../src/common/request-context';
import { type Database, openDatabase } from '../src/database/database';
import { MIGRATIONS_DIR } from '../src/database/migrator';
import {
  confineByRowLevelSecurity,
  TENANT_OWNED_MODELS,
  TENANT_ROLE,
  TENANT_SETTING,
  tenantConfinedPrisma,
} from '../src/database/tenant-scope';
import type { PrismaClient } from '../src/generated/prisma/client';
import { createTestDatabase, type TestDatabase } from './support/database';

/**
 * Tenancy in the database itself: the api's tenant-scoped statements run as a
 * role that row-level security confines to the request's tenant, so a raw
 * query or a missing filter cannot reach another tenant's rows.
 */

const silent = createLogger({ name: 'test', level: 'silent' });

let database: TestDatabase;
/** The connecting (migrating) role, for seeding and inspection: sees everything. */
let admin: Client;
/** The api's Database, pool of one: every operation reuses the same connection. */
let db: Database;
/** A tenant-confined client of its own, for the row-level security layer without the Prisma filter. */
let confinedPool: Pool;
let confined: PrismaClient;

interface Seeded {
  tenantId: string;
  streamId: string;
  eventId: string;
  apiKeyId: string;
  signingKeyId: string;
  sessionId: string;
}
let A: Seeded;
let B: Seeded;

/** Tables owned by tenants, by their "tenantId" column. */
let tenantTables: string[];

async function seed(tag: string): Promise<Seeded> {
  const s: Seeded = {
    tenantId: `ten_${tag}`,
    streamId: `ls_${tag}`,
    eventId: `le_${tag}`,
    apiKeyId: `ak_${tag}`,
    signingKeyId: `sk_${tag}`,
    sessionId: `is_${tag}`,
  };
  await admin.query(`INSERT INTO tenants (id, name, "updatedAt") VALUES ($1, $1, now())`, [s.tenantId]);
  await admin.query(
    `INSERT INTO users (id, email, name, "passwordHash") VALUES ($1, $1 || '@test.local', $1, 'x')`,
    [`usr_${tag}`],
  );
  await admin.query(`INSERT INTO memberships ("userId", "tenantId", role) VALUES ($1, $2, 'owner')`, [
    `usr_${tag}`,
    s.tenantId,
  ]);
  await admin.query(
    `INSERT INTO api_keys (id, "tenantId", name, prefix, "keyHash", scopes) VALUES ($1, $2, 'key', $1, $1, '{read}')`,
    [s.apiKeyId, s.tenantId],
  );
  await admin.query(
    `INSERT INTO live_streams (id, "tenantId", name, "playbackId", "streamKeyHmac", "streamKeyEncrypted", "updatedAt")
     VALUES ($1, $2, $3, $1 || '_pb', $1 || '_hmac', 'sealed', now())`,
    [s.streamId, s.tenantId, `${tag} stream`],
  );
  await admin.query(
    `INSERT INTO live_events (id, "tenantId", "liveStreamId", title, "updatedAt") VALUES ($1, $2, $3, 'event', now())`,
    [s.eventId, s.tenantId, s.streamId],
  );
  await admin.query(
    `INSERT INTO signing_keys (id, "tenantId", name, "publicKeyPem", "publicKeyX") VALUES ($1, $2, 'key', 'pem', 'x')`,
    [s.signingKeyId, s.tenantId],
  );
  await admin.query(
    `INSERT INTO ingest_sessions (id, "tenantId", "liveStreamId", "clientIp") VALUES ($1, $2, $3, '127.0.0.1')`,
    [s.sessionId, s.tenantId, s.streamId],
  );
  await admin.query(
    `INSERT INTO usage_hours ("tenantId", "periodStart") VALUES ($1, date_trunc('hour', now()))`,
    [s.tenantId],
  );
  await admin.query(
    `INSERT INTO usage_periods ("tenantId", period, "periodStart") VALUES ($1, 'day', date_trunc('day', now()))`,
    [s.tenantId],
  );
  await admin.query(
    `INSERT INTO usage_alerts (id, "tenantId", metric, threshold, period, "updatedAt")
     VALUES ($1, $2, 'ingestBytes', 1, 'day', now())`,
    [`ua_${tag}`, s.tenantId],
  );
  await admin.query(
    `INSERT INTO usage_alert_firings ("alertId", "periodStart", "tenantId", value)
     VALUES ($1, date_trunc('day', now()), $2, 1)`,
    [`ua_${tag}`, s.tenantId],
  );
  await admin.query(
    `INSERT INTO assets (id, "tenantId", name, "playbackId", source, "storageKey", "sizeBytes", "updatedAt")
     VALUES ($1, $2, 'asset', $1 || '_pb', 'upload', $2 || '/' || $1, 1, now())`,
    [`as_${tag}`, s.tenantId],
  );
  await admin.query(
    `INSERT INTO publish_credentials (id, "tenantId", "liveStreamId", username, salt, secret, "updatedAt")
     VALUES ($1, $2, $3, $1, 'salt', 'secret', now())`,
    [`pc_${tag}`, s.tenantId, s.streamId],
  );
  await admin.query(
    `INSERT INTO webhook_endpoints (id, "tenantId", url, events, "secretEncrypted", "updatedAt")
     VALUES ($1, $2, 'https://example.com/hook', '{live_stream.active}', 'sealed', now())`,
    [`wh_${tag}`, s.tenantId],
  );
  await admin.query(
    `INSERT INTO webhook_events (id, "tenantId", type, "subjectId", data) VALUES ($1, $2, 'live_stream.active', $3, '{}')`,
    [`evt_${tag}`, s.tenantId, s.streamId],
  );
  await admin.query(
    `INSERT INTO webhook_deliveries (id, "tenantId", "endpointId", "eventId", "subjectId", "updatedAt")
     VALUES ($1, $2, $3, $4, $5, now())`,
    [`whd_${tag}`, s.tenantId, `wh_${tag}`, `evt_${tag}`, s.streamId],
  );
  await admin.query(
    `INSERT INTO invitations (id, "tenantId", email, role, "tokenHash", "expiresAt")
     VALUES ($1, $2, $1 || '@test.local', 'member', $1 || '_hash', now() + interval '1 day')`,
    [`inv_${tag}`, s.tenantId],
  );
  return s;
}

/**
 * Runs `fn` as a request of `tenantId` would: the scoped client reads the tenant from this context.
 * Prisma's promises are lazy, so `fn` awaits its queries itself (inside the context).
 */
function asTenant<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
  return requestContext.run({ requestId: 'rls-test', logger: silent, tenantId }, fn);
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** Table names of TENANT_OWNED_MODELS, from schema.prisma's @@map. */
function tenantOwnedModelTables(): string[] {
  const schema = readFileSync(join(MIGRATIONS_DIR, '..', 'schema.prisma'), 'utf8');
  return TENANT_OWNED_MODELS.map((model) => {
    const body = new RegExp(`^model\\s+${model}\\s*\\{([\\s\\S]*?)^\\}`, 'm').exec(schema)?.[1];
    assert.ok(body, `model ${model} in schema.prisma`);
    return /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? model;
  });
}

before(async () => {
  database = await createTestDatabase();
  admin = new Client({ connectionString: database.url });
  await admin.connect();
  A = await seed('a');
  B = await seed('b');
  db = await openDatabase(database.url, 1, silent);
  confinedPool = new Pool({ connectionString: database.url, max: 1 });
  confined = tenantConfinedPrisma(confinedPool);
  const { rows } = await admin.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND column_name = 'tenantId' ORDER BY table_name`,
  );
  tenantTables = rows.map((r) => r.table_name);
});
after(async () => {
  await confined?.$disconnect();
  await confinedPool?.end();
  await db?.close();
  await admin?.end();
  await database?.close();
});

test('the tenant role cannot bypass row-level security: no superuser, no BYPASSRLS, no login, owns no table', async () => {
  const role = await admin.query(
    'SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole FROM pg_roles WHERE rolname = $1',
    [TENANT_ROLE],
  );
  assert.deepEqual(role.rows, [
    { rolsuper: false, rolbypassrls: false, rolcanlogin: false, rolcreaterole: false },
  ]);
  const owned = await admin.query(
    `SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1`,
    [TENANT_ROLE],
  );
  assert.deepEqual(owned.rows, []);
});

test('every table with a tenantId column has row-level security enabled and forced, with a tenant policy', async () => {
  for (const table of [
    'api_keys',
    'live_streams',
    'live_events',
    'signing_keys',
    'ingest_sessions',
    'usage_hours',
    'assets',
    'publish_credentials',
    'usage_alerts',
    'usage_periods',
    'usage_alert_firings',
    'webhook_endpoints',
    'webhook_events',
    'webhook_deliveries',
    'invitations',
  ]) {
    assert.ok(tenantTables.includes(table), `${table} has a tenantId column`);
  }
  for (const table of tenantTables) {
    const { rows } = await admin.query<{ relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      `SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = to_regclass($1)`,
      [quote(table)],
    );
    assert.deepEqual(rows, [{ relrowsecurity: true, relforcerowsecurity: true }], `${table}: ENABLE + FORCE`);
    const policies = await admin.query<{ qual: string; with_check: string | null }>(
      `SELECT qual, with_check FROM pg_policies
        WHERE schemaname = current_schema() AND tablename = $1 AND $2 = ANY (roles)`,
      [table, TENANT_ROLE],
    );
    assert.equal(policies.rows.length, 1, `${table}: one policy for ${TENANT_ROLE}`);
    for (const expr of [policies.rows[0]?.qual, policies.rows[0]?.with_check]) {
      assert.match(expr ?? '', /"tenantId" = current_setting\('app\.tenant_id'::text, true\)/, table);
    }
  }
});

test('the tenant role may touch the tenant-owned tables only: no users, sessions, tenants, edges', async () => {
  const owned = new Set(tenantOwnedModelTables());
  const { rows } = await admin.query<{ table_name: string; dml: boolean; any: boolean }>(
    `SELECT table_name,
            has_table_privilege($1, quote_ident(table_name), 'SELECT, INSERT, UPDATE, DELETE') AS any,
            (has_table_privilege($1, quote_ident(table_name), 'SELECT')
             AND has_table_privilege($1, quote_ident(table_name), 'INSERT')
             AND has_table_privilege($1, quote_ident(table_name), 'UPDATE')
             AND has_table_privilege($1, quote_ident(table_name), 'DELETE')) AS dml
       FROM information_schema.tables WHERE table_schema = current_schema()`,
    [TENANT_ROLE],
  );
  for (const r of rows) {
    if (owned.has(r.table_name)) assert.ok(r.dml, `${r.table_name}: read and write`);
    else assert.ok(!r.any, `${r.table_name}: no privilege at all`);
    if (owned.has(r.table_name))
      assert.ok(tenantTables.includes(r.table_name), `${r.table_name} has tenantId`);
  }
  assert.ok(rows.some((r) => r.table_name === 'users'));
  await asTenant(A.tenantId, async () => {
    await assert.rejects(
      db.tenant().$queryRawUnsafe('SELECT "passwordHash" FROM users'),
      /permission denied/,
    );
  });
});

test('a raw query through the scoped client, with no tenant filter, returns only the request tenant rows', async () => {
  await asTenant(A.tenantId, async () => {
    const who = await db.tenant().$queryRaw<{ role: string; tenant: string }[]>`
      SELECT current_user AS role, current_setting('app.tenant_id') AS tenant`;
    assert.deepEqual(who, [{ role: TENANT_ROLE, tenant: A.tenantId }]);
    for (const table of tenantOwnedModelTables()) {
      const rows = await db
        .tenant()
        .$queryRawUnsafe<{ tenantId: string }[]>(`SELECT "tenantId" FROM ${quote(table)}`);
      assert.deepEqual(
        rows.map((r) => r.tenantId),
        [A.tenantId],
        `${table}: the own row only`,
      );
    }
    const byId = await db.tenant().$queryRaw<
      { id: string }[]
    >`SELECT id FROM live_streams WHERE id = ${B.streamId}`;
    assert.deepEqual(byId, [], "another tenant's stream by id");
  });
  // The same rows exist for the connecting role: the confinement is the role's, not missing data.
  const all = await admin.query('SELECT id FROM live_streams WHERE id = ANY ($1)', [
    [A.streamId, B.streamId],
  ]);
  assert.equal(all.rowCount, 2);
});

test('a raw update or delete of another tenant row by id through the scoped client affects 0 rows', async () => {
  await asTenant(A.tenantId, async () => {
    assert.equal(
      await db.tenant().$executeRaw`UPDATE live_streams SET name = 'taken over' WHERE id = ${B.streamId}`,
      0,
    );
    assert.equal(
      await db.tenant().$executeRaw`UPDATE api_keys SET "revokedAt" = now() WHERE id = ${B.apiKeyId}`,
      0,
    );
    assert.equal(await db.tenant().$executeRaw`DELETE FROM signing_keys WHERE id = ${B.signingKeyId}`, 0);
    // Moving one's own row into another tenant is refused by the policy's WITH CHECK.
    await assert.rejects(
      db.tenant().$executeRaw`UPDATE live_events SET "tenantId" = ${B.tenantId} WHERE id = ${A.eventId}`,
      /row-level security/,
    );
  });
  const b = await admin.query(
    `SELECT (SELECT name FROM live_streams WHERE id = $1) AS name,
            (SELECT "revokedAt" FROM api_keys WHERE id = $2) AS revoked,
            (SELECT count(*)::int FROM signing_keys WHERE id = $3) AS keys,
            (SELECT "tenantId" FROM live_events WHERE id = $4) AS event_tenant`,
    [B.streamId, B.apiKeyId, B.signingKeyId, A.eventId],
  );
  assert.deepEqual(b.rows, [{ name: 'b stream', revoked: null, keys: 1, event_tenant: A.tenantId }]);
});

test('without the Prisma tenant filter, another tenant row by id is not found, updated, deleted or created', async () => {
  const rls = confineByRowLevelSecurity(confined);
  await asTenant(A.tenantId, async () => {
    assert.equal(await rls.liveStream.findFirst({ where: { id: B.streamId } }), null);
    assert.equal(await rls.liveStream.findUnique({ where: { id: B.streamId } }), null);
    assert.deepEqual(
      (await rls.liveStream.findMany({ select: { tenantId: true } })).map((r) => r.tenantId),
      [A.tenantId],
    );
    assert.equal(await rls.ingestSession.count(), 1);
    const stolen = await rls.liveStream.updateMany({
      where: { id: B.streamId },
      data: { name: 'taken over' },
    });
    assert.equal(stolen.count, 0);
    assert.equal((await rls.apiKey.deleteMany({ where: { id: B.apiKeyId } })).count, 0);
    assert.equal((await rls.signingKey.deleteMany({})).count, 1, 'only the own signing key goes');
    await assert.rejects(rls.liveEvent.update({ where: { id: B.eventId }, data: { title: 'taken over' } }));
    await assert.rejects(
      rls.signingKey.create({
        data: {
          id: 'sk_planted',
          tenantId: B.tenantId,
          name: 'planted',
          publicKeyPem: 'pem',
          publicKeyX: 'x',
        },
      }),
      /row-level security|denied/i,
    );
    // The own rows stay writable: the confinement is to the tenant, not a blanket refusal.
    const own = await rls.liveStream.updateMany({ where: { id: A.streamId }, data: { name: 'renamed' } });
    assert.equal(own.count, 1);
    await rls.signingKey.create({
      data: { id: 'sk_a2', tenantId: A.tenantId, name: 'again', publicKeyPem: 'pem', publicKeyX: 'x' },
    });
  });
  const { rows } = await admin.query(
    `SELECT (SELECT name FROM live_streams WHERE id = $1) AS b_name,
            (SELECT title FROM live_events WHERE id = $2) AS b_title,
            (SELECT count(*)::int FROM api_keys WHERE id = $3) AS b_keys,
            (SELECT count(*)::int FROM signing_keys WHERE "tenantId" = $4) AS b_signing,
            (SELECT count(*)::int FROM signing_keys WHERE id = 'sk_planted') AS planted,
            (SELECT name FROM live_streams WHERE id = $5) AS a_name`,
    [B.streamId, B.eventId, B.apiKeyId, B.tenantId, A.streamId],
  );
  assert.deepEqual(rows, [
    { b_name: 'b stream', b_title: 'event', b_keys: 1, b_signing: 1, planted: 0, a_name: 'renamed' },
  ]);
});

test('concurrent requests of two tenants each get their own row (Prisma never merges them across tenants)', async () => {
  // Issued in the same tick: Prisma would batch findUnique calls into one statement run for one caller.
  const [a, b] = await Promise.all([
    asTenant(A.tenantId, async () => await db.tenant().liveStream.findUnique({ where: { id: A.streamId } })),
    asTenant(B.tenantId, async () => await db.tenant().liveStream.findUnique({ where: { id: B.streamId } })),
  ]);
  assert.equal(a?.id, A.streamId);
  assert.equal(b?.id, B.streamId);
  const [crossA, crossB] = await Promise.all([
    asTenant(A.tenantId, async () => await db.tenant().liveStream.findUnique({ where: { id: B.streamId } })),
    asTenant(B.tenantId, async () => await db.tenant().liveStream.findUnique({ where: { id: A.streamId } })),
  ]);
  assert.equal(crossA, null);
  assert.equal(crossB, null);
});

test('a write Prisma wraps in its own transaction (create with include) is confined too', async () => {
  const rls = confineByRowLevelSecurity(confined);
  await asTenant(A.tenantId, async () => {
    await assert.rejects(
      rls.liveStream.create({
        data: {
          id: 'ls_planted',
          tenantId: B.tenantId,
          name: 'planted',
          playbackId: 'planted_pb',
          streamKeyHmac: 'planted_hmac',
          streamKeyEncrypted: 'sealed',
        },
        include: { currentSession: true },
      }),
      /row-level security|denied/i,
    );
    const own = await rls.liveStream.create({
      data: {
        id: 'ls_a2',
        tenantId: A.tenantId,
        name: 'second',
        playbackId: 'a2_pb',
        streamKeyHmac: 'a2_hmac',
        streamKeyEncrypted: 'sealed',
      },
      include: { currentSession: true },
    });
    assert.equal(own.tenantId, A.tenantId);
    await rls.liveStream.deleteMany({ where: { id: 'ls_a2' } });
  });
  const planted = await admin.query(`SELECT id FROM live_streams WHERE id = 'ls_planted'`);
  assert.equal(planted.rowCount, 0);
});

test('with no tenant set, the tenant role sees nothing and writes nothing (fail closed)', async () => {
  // The scoped client refuses to run at all outside a tenant request.
  await assert.rejects(db.tenant().liveStream.findMany(), /outside a tenant request/);
  await assert.rejects(db.tenant().$queryRaw`SELECT 1`, /outside a tenant request/);
  // Beneath it, the database holds on its own: the role with no tenant, or an empty one, matches no row.
  for (const tenant of [null, '']) {
    await admin.query('BEGIN');
    try {
      await admin.query(`SET LOCAL ROLE ${TENANT_ROLE}`);
      if (tenant !== null) await admin.query(`SELECT set_config($1, $2, true)`, [TENANT_SETTING, tenant]);
      for (const table of tenantOwnedModelTables()) {
        const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quote(table)}`);
        assert.deepEqual(rows, [{ n: 0 }], `${table} with tenant ${JSON.stringify(tenant)}`);
      }
      const updated = await admin.query(`UPDATE live_streams SET name = 'blind' WHERE id = ANY ($1)`, [
        [A.streamId, B.streamId],
      ]);
      assert.equal(updated.rowCount, 0);
      await admin.query('SAVEPOINT attempt');
      await assert.rejects(
        admin.query(
          `INSERT INTO api_keys (id, "tenantId", name, prefix, "keyHash") VALUES ('ak_blind', $1, 'k', 'p', 'h')`,
          [A.tenantId],
        ),
        /row-level security/,
      );
      await admin.query('ROLLBACK TO SAVEPOINT attempt');
      // Turning row security off is refused to this role rather than honoured.
      await admin.query('SET LOCAL row_security = off');
      await assert.rejects(admin.query('SELECT id FROM live_streams'), /row-level security/);
    } finally {
      await admin.query('ROLLBACK');
    }
  }
});

test("the role and the tenant end with each scoped operation's transaction, also after a failed one", async () => {
  const unscopedIdentity = async () =>
    db.unscoped('test: connection state').$queryRaw<{ role: string; tenant: string | null }[]>`
      SELECT current_user = session_user AS role, nullif(current_setting('app.tenant_id', true), '') AS tenant`;
  await asTenant(A.tenantId, async () => {
    await db.tenant().liveStream.findMany();
  });
  assert.deepEqual(await unscopedIdentity(), [{ role: true, tenant: null }]);
  await asTenant(A.tenantId, async () => {
    await assert.rejects(db.tenant().$executeRaw`INSERT INTO live_streams (id) VALUES ('broken')`);
  });
  assert.deepEqual(await unscopedIdentity(), [{ role: true, tenant: null }]);
  // The unscoped paths still see every tenant.
  const streams = await db.unscoped('test: all tenants').liveStream.count();
  assert.equal(streams, 2);
  // Interactive transactions would hold the only pool connection across scoped operations: refused.
  await asTenant(A.tenantId, async () => {
    assert.throws(() => db.tenant().$transaction([]), /not available on the tenant-scoped client/);
  });
});
