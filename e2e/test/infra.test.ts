// The deployment files cannot be rendered here (no helm, docker or cluster), so
// `infra/validate.mjs` checks what can be checked statically; this runs it as
// part of `npm test` so a renamed config variable or a broken template fails CI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(__dirname, '../../..');

test('the Helm chart and Dockerfiles pass the static infra checks', () => {
  const res = spawnSync(process.execPath, [join(root, 'infra/validate.mjs')], { encoding: 'utf8' });
  assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  assert.match(res.stdout, /infra: \d+ checks passed/);
});
