import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigError, env, parseConfig } from './config';
import { describeStartupError } from './startup';

const schema = z.object({
  PORT: env.port(4000),
  DATABASE_URL: env.postgresUrl().optional(),
  VERBOSE: env.bool(false),
});

test('applies defaults and coerces types', () => {
  const cfg = parseConfig('t', schema, { VERBOSE: 'yes' });
  assert.deepEqual(cfg, { PORT: 4000, VERBOSE: true });
});

test('names every bad variable with what it expects', () => {
  assert.throws(
    () => parseConfig('api', schema, { PORT: 'abc', DATABASE_URL: 'mysql://x', VERBOSE: 'maybe' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 3);
      assert.match(err.problems.join('\n'), /PORT: expected a TCP port number/);
      assert.match(
        err.problems.join('\n'),
        /DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ connection URL/,
      );
      assert.match(err.problems.join('\n'), /VERBOSE: expected true or false/);
      return true;
    },
  );
});

test('treats empty strings as unset', () => {
  assert.equal(parseConfig('t', schema, { PORT: '' }).PORT, 4000);
});

test('hides the values of secret-looking variables', () => {
  const s = z.object({ API_TOKEN: z.string().min(10) });
  assert.throws(() => parseConfig('t', s, { API_TOKEN: 'short' }), /\(got "\*\*\*"\)/);
});

test('describes a taken port in one line', () => {
  const err = Object.assign(new Error('listen EADDRINUSE'), {
    code: 'EADDRINUSE',
    port: 1935,
    address: '0.0.0.0',
  });
  assert.equal(
    describeStartupError(err, { what: 'edge', setting: 'RTMP_PORT' }),
    'edge: port 1935 on 0.0.0.0 is already in use (set RTMP_PORT to use another); stop the other process or choose another port',
  );
});
