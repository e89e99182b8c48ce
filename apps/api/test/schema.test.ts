import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '@tributary/service-kit';
import { Client } from 'pg';
import { MIGRATIONS_DIR, MigrationError, migrate, readMigrations } from '../src/database/migrator';
import { createTestDatabase, type TestDatabase } from './support/database';

const silent = createLogger({ name: 'test', level: 'silent' });
const SCHEMA = join(MIGRATIONS_DIR, '..', 'schema.prisma');

interface ModelColumn {
  column: string;
  nullable: boolean | 'list';
}

/** Tables, columns and nullability declared in schema.prisma (relation fields have no column). */
function parsePrismaSchema(text: string): {
  tables: Map<string, ModelColumn[]>;
  enums: Map<string, string[]>;
} {
  const blocks = [...text.matchAll(/^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm)];
  const modelNames = new Set(blocks.filter((b) => b[1] === 'model').map((b) => b[2]));
  const enums = new Map<string, string[]>();
  const tables = new Map<string, ModelColumn[]>();
  for (const [, kind, name, body] of blocks) {
    const lines = (body ?? '')
      .split('\n')
      .map((l) => l.replace(/\/\/.*$/, '').trim())
      .filter((l) => l && !l.startsWith('//'));
    if (kind === 'enum') {
      enums.set(name ?? '', lines);
      continue;
    }
    const table = /@@map\("([^"]+)"\)/.exec(body ?? '')?.[1] ?? name ?? '';
    const columns: ModelColumn[] = [];
    for (const line of lines) {
      const m = /^(\w+)\s+(\w+)(\?|\[\])?(.*)$/.exec(line);
      if (!m || line.startsWith('@@')) continue;
      const [, field, type, modifier, attrs] = m;
      if (modelNames.has(type ?? '')) continue;
      const column = /@map\("([^"]+)"\)/.exec(attrs ?? '')?.[1] ?? field ?? '';
      columns.push({ column, nullable: modifier === '[]' ? 'list' : modifier === '?' });
    }
    tables.set(table, columns);
  }
  return { tables, enums };
}

let database: TestDatabase;
let client: Client;

before(async () => {
  database = await createTestDatabase({ migrated: false });
  client = new Client({ connectionString: database.url });
  await client.connect();
  await migrate(client, readMigrations(MIGRATIONS_DIR), silent);
});
after(async () => {
  await client?.end();
  await database?.close();
});

test(`the migrated database matches schema.prisma: tables, columns, nullability, enums`, async () => {
  const { tables, enums } = parsePrismaSchema(readFileSync(SCHEMA, 'utf8'));
  assert.ok(tables.size >= 13);
  const { rows } = await client.query<{ table_name: string; column_name: string; is_nullable: string }>(
    "SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'",
  );
  const actual = new Map<string, Map<string, boolean>>();
  for (const r of rows) {
    if (!actual.has(r.table_name)) actual.set(r.table_name, new Map());
    actual.get(r.table_name)?.set(r.column_name, r.is_nullable === 'YES');
  }
  assert.deepEqual([...actual.keys()].sort(), [...tables.keys()].sort(), 'same tables');
  for (const [table, columns] of tables) {
    const cols = actual.get(table);
    assert.deepEqual(
      [...(cols?.keys() ?? [])].sort(),
      columns.map((c) => c.column).sort(),
      `columns of ${table}`,
    );
    for (const c of columns) {
      if (c.nullable !== 'list')
        assert.equal(cols?.get(c.column), c.nullable, `${table}.${c.column} nullability`);
    }
  }
  for (const [name, values] of enums) {
    const { rows: labels } = await client.query(
      'SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = $1 ORDER BY e.enumsortorder',
      [name],
    );
    assert.deepEqual(
      labels.map((l) => l.enumlabel),
      values,
      `enum ${name}`,
    );
  }
});

test('migrations are recorded in _prisma_migrations as prisma migrate deploy records them', async () => {
  const files = readMigrations(MIGRATIONS_DIR);
  const { rows } = await client.query('SELECT * FROM "_prisma_migrations" ORDER BY started_at');
  assert.equal(rows.length, files.length);
  for (const [i, row] of rows.entries()) {
    const file = files[i];
    assert.ok(file);
    assert.equal(row.migration_name, file.name);
    const bytes = readFileSync(join(MIGRATIONS_DIR, file.name, 'migration.sql'));
    assert.equal(row.checksum, createHash('sha256').update(bytes).digest('hex'));
    assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(row.finished_at instanceof Date);
    assert.equal(row.rolled_back_at, null);
    assert.equal(row.logs, null);
    assert.equal(row.applied_steps_count, 1);
  }
  const ddl = await client.query<{ column_name: string; data_type: string; is_nullable: string }>(
    "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position",
  );
  assert.deepEqual(
    ddl.rows.map((r) => `${r.column_name} ${r.data_type} ${r.is_nullable}`),
    [
      'id character varying NO',
      'checksum character varying NO',
      'finished_at timestamp with time zone YES',
      'migration_name character varying NO',
      'logs text YES',
      'rolled_back_at timestamp with time zone YES',
      'started_at timestamp with time zone NO',
      'applied_steps_count integer NO',
    ],
  );
});

test('a second run applies nothing', async () => {
  assert.deepEqual(await migrate(client, readMigrations(MIGRATIONS_DIR), silent), []);
});

test('two migrators racing on an empty database apply each migration once', async () => {
  const fresh = await createTestDatabase({ migrated: false });
  const [one, two] = [
    new Client({ connectionString: fresh.url }),
    new Client({ connectionString: fresh.url }),
  ];
  try {
    await one.connect();
    await two.connect();
    const files = readMigrations(MIGRATIONS_DIR);
    const [a, b] = await Promise.all([migrate(one, files, silent), migrate(two, files, silent)]);
    assert.deepEqual(
      [...a, ...b].sort(),
      files.map((f) => f.name),
    );
    assert.equal(
      (await one.query('SELECT count(*)::int AS n FROM "_prisma_migrations"')).rows[0].n,
      files.length,
    );
  } finally {
    await one.end();
    await two.end();
    await fresh.close();
  }
});

test('a new migration is applied in order, in a transaction: a failing one leaves no trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-migrations-'));
  try {
    for (const m of readMigrations(MIGRATIONS_DIR)) {
      mkdirSync(join(dir, m.name));
      copyFileSync(join(MIGRATIONS_DIR, m.name, 'migration.sql'), join(dir, m.name, 'migration.sql'));
    }
    mkdirSync(join(dir, '29990101000000_broken'));
    writeFileSync(
      join(dir, '29990101000000_broken', 'migration.sql'),
      'CREATE TABLE "half_done" (id int);\nSELECT * FROM "no_such_table";\n',
    );
    await assert.rejects(migrate(client, readMigrations(dir), silent), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /^migration 29990101000000_broken failed: /);
      return true;
    });
    assert.equal((await client.query("SELECT to_regclass('public.half_done') AS t")).rows[0].t, null);
    assert.equal(
      (
        await client.query(
          'SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE migration_name = \'29990101000000_broken\'',
        )
      ).rows[0].n,
      0,
    );

    writeFileSync(join(dir, '29990101000000_broken', 'migration.sql'), 'CREATE TABLE "now_fine" (id int);\n');
    assert.deepEqual(await migrate(client, readMigrations(dir), silent), ['29990101000000_broken']);
    await client.query('DROP TABLE "now_fine"');
    await client.query('DELETE FROM "_prisma_migrations" WHERE migration_name = \'29990101000000_broken\'');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an applied migration whose file was edited stops the start with one line naming it', async () => {
  const edited = readMigrations(MIGRATIONS_DIR).map((m, i) =>
    i === 0
      ? {
          ...m,
          sql: `${m.sql}\n-- edited`,
          checksum: createHash('sha256').update(`${m.sql}\n-- edited`).digest('hex'),
        }
      : m,
  );
  await assert.rejects(migrate(client, edited, silent), (err: unknown) => {
    assert.ok(err instanceof MigrationError);
    assert.match(err.message, /^migration 20250101000000_init was edited after it was applied/);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
});
