-- Row-level security on every tenant-owned table: defence in depth beneath the
-- api's tenant filter (src/database/tenant-scope.ts). The api runs each
-- tenant-scoped statement in a transaction that first does the equivalent of
--   SET LOCAL ROLE tributary_tenant; SET LOCAL app.tenant_id = '<tenant>';
-- so a raw query or a forgotten filter still sees the request's tenant's rows
-- only, and a statement with no tenant set sees none. Unscoped paths (edges,
-- operators, authentication, migrations) keep the connecting role.
-- Row-level security is not part of schema.prisma's data model; nothing to mirror there.

-- The role tenant-scoped statements run as. Roles belong to the whole server,
-- not to one database: every database migrated on it (each test database, for
-- one) runs this block, possibly at the same moment, so the role is created only
-- when missing, losing that race is harmless, and nothing alters an existing role
-- (a concurrent ALTER ROLE fails with "tuple concurrently updated"). A role that
-- could bypass row-level security is refused instead.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tributary_tenant') THEN
    BEGIN
      CREATE ROLE tributary_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created meanwhile by the migration of another database on this server
    END;
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tributary_tenant' AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role tributary_tenant exists with SUPERUSER or BYPASSRLS; it must be NOSUPERUSER NOBYPASSRLS (ALTER ROLE tributary_tenant NOSUPERUSER NOBYPASSRLS)';
  END IF;
  -- A superuser may switch to any role; another connecting role needs membership
  -- with the right to switch to it (USAGE: its privileges are usable, not merely ADMIN).
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
     AND NOT pg_has_role(current_user, 'tributary_tenant', 'USAGE') THEN
    BEGIN
      GRANT tributary_tenant TO CURRENT_USER;
    EXCEPTION WHEN unique_violation THEN
      NULL; -- granted meanwhile by a concurrent migration
    END;
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO tributary_tenant', current_schema());
END
$$;

-- Privileges: the tables the tenant-scoped client reads and writes (TENANT_OWNED_MODELS), nothing else.
-- Users, sessions, tenants, edges, idempotency records and rate-limit counters are out of its reach.
GRANT SELECT, INSERT, UPDATE, DELETE ON "api_keys", "live_streams", "live_events", "signing_keys", "ingest_sessions", "usage_hours" TO tributary_tenant;

-- Policies, on every table with a "tenantId" column: today api_keys, live_streams,
-- live_events, signing_keys, ingest_sessions, usage_hours, memberships (read by
-- authentication only) and any earlier migration's table that names a tenant
-- (the tenant role has no privileges on those). A later migration adding such a
-- table adds the same three statements (test/row-level-security.test.ts checks).
-- FORCE applies them to the table owner too; the owner (the role that ran this
-- migration, the api's own role) keeps all rows through "unscoped_access", as a
-- superuser always does. current_setting(..., true) is NULL (or '') when no
-- tenant is set, and then no row matches.
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN
    SELECT c.table_name
      FROM information_schema.columns c
      JOIN information_schema.tables tb
        ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
     WHERE c.table_schema = current_schema() AND c.column_name = 'tenantId'
     ORDER BY c.table_name
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      $p$CREATE POLICY "tenant_isolation" ON %I TO tributary_tenant
           USING ("tenantId" = current_setting('app.tenant_id', true))
           WITH CHECK ("tenantId" = current_setting('app.tenant_id', true))$p$,
      t);
    EXECUTE format('CREATE POLICY "unscoped_access" ON %I TO CURRENT_USER USING (true) WITH CHECK (true)', t);
  END LOOP;
END
$$;
