import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WaitTimeoutError, waitUntil, withDeadline } from './until';

describe('waitUntil', () => {
  it('resolves as soon as the condition holds', async () => {
    let checks = 0;
    await waitUntil(() => ++checks === 3, { stepMs: 1 });
    assert.equal(checks, 3);
  });

  it('fails with what it waited for once a condition that never holds passes its deadline', async () => {
    let checks = 0;
    await assert.rejects(
      waitUntil(
        () => {
          checks++;
          return false;
        },
        { what: 'the stream to go live', timeoutMs: 100, stepMs: 10 },
      ),
      (err: unknown) =>
        err instanceof WaitTimeoutError &&
        err.message === 'timed out after 100 ms waiting for the stream to go live',
    );
    assert.ok(checks >= 2, 'it kept checking until the deadline');
  });

  it('awaits an async check and passes its rejection through', async () => {
    await assert.rejects(
      waitUntil(async () => {
        throw new Error('api down');
      }),
      /api down/,
    );
  });
});

describe('withDeadline', () => {
  it('passes the value of a promise that settles in time', async () => {
    assert.equal(await withDeadline(Promise.resolve(7), 'seven', 1000), 7);
  });

  it('fails a promise that never settles, naming it', async () => {
    await assert.rejects(
      withDeadline(new Promise(() => {}), 'the api to log "listening"', 50),
      /timed out after 50 ms waiting for the api to log "listening"/,
    );
  });
});
