import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { playRefusal } from './playback-errors';

describe('playback refusals over HTTP', () => {
  it('answers 401 when a fresh token would help and 403 when it would not', () => {
    const cases: Array<[string, number, string]> = [
      ['token_missing', 401, 'unauthenticated'],
      ['token_expired', 401, 'unauthenticated'],
      ['token_bad_signature', 401, 'unauthenticated'],
      ['token_malformed', 401, 'unauthenticated'],
      ['token_unknown_key', 401, 'unauthenticated'],
      ['token_wrong_stream', 403, 'forbidden'],
      ['token_wrong_tenant', 403, 'forbidden'],
      ['token_ip_mismatch', 403, 'forbidden'],
      ['token_ttl_too_long', 403, 'forbidden'],
      ['viewer_limit', 403, 'forbidden'],
      ['throttled', 429, 'rate_limited'],
      ['bad_name', 404, 'not_found'],
    ];
    for (const [result, status, code] of cases) {
      const err = playRefusal(result, 'why');
      assert.deepEqual([err.status, err.code, err.message], [status, code, 'why'], result);
    }
  });
});
