#!/usr/bin/env node
// Runs `prisma generate` offline. The Prisma 7 CLI wants to download its native
// schema engine at start; generate never executes it, so any existing file will
// do (see DEVELOPERS.md "Prisma offline"). An engine the operator set is kept.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(apiDir, 'package.json'));
const cli = join(dirname(require.resolve('prisma/package.json')), 'build', 'index.js');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
};
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const result = spawnSync(process.execPath, [cli, 'generate'], { cwd: apiDir, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
