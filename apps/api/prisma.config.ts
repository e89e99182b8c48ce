// Prisma 7 CLI configuration. `generate` runs offline in every build
// (scripts/prisma-generate.mjs); `migrate`/`studio` are for operators with
// internet access, pointed at the same database as the api.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5499/postgres' },
});
