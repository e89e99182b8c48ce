import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDatabaseUnavailable } from './errors';

test('connection failures, also wrapped, count as database unavailable', () => {
  assert.equal(isDatabaseUnavailable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })), true);
  assert.equal(
    isDatabaseUnavailable(new Error('outer', { cause: new Error('Connection terminated unexpectedly') })),
    true,
  );
  assert.equal(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '57P01' })), true);
});

test('query errors are not mistaken for an outage', () => {
  assert.equal(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })), false);
  assert.equal(isDatabaseUnavailable(undefined), false);
  assert.equal(isDatabaseUnavailable('text'), false);
});
