import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateLiveStreamInputSchema } from '@tributary/contracts';
import { AppError } from '../errors';
import { parseOrThrow } from './validation';

test('unknown fields are named one by one in validation_failed details', () => {
  assert.throws(
    () => parseOrThrow(CreateLiveStreamInputSchema, { name: 'x', tenantId: 't', isAdmin: true }, 'body'),
    (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'validation_failed');
      assert.equal(err.status, 400);
      assert.deepEqual(err.details, [
        { field: 'tenantId', message: 'unknown field' },
        { field: 'isAdmin', message: 'unknown field' },
      ]);
      return true;
    },
  );
});

test('type errors name the field path', () => {
  assert.throws(
    () => parseOrThrow(CreateLiveStreamInputSchema, { name: 42 }, 'body'),
    (err: unknown) => err instanceof AppError && err.details?.[0]?.field === 'name',
  );
});
