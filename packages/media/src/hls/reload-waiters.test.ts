import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MuxError, MuxErrorCode } from '../errors';
import { ReloadWaiters } from './reload-waiters';

describe('ReloadWaiters', () => {
  it('releases only the waiters whose segment is ready', async () => {
    const waiters = new ReloadWaiters();
    const settled: string[] = [];
    const first = waiters.wait(3, 0, undefined).then(() => settled.push('3.0'));
    const second = waiters.wait(4, undefined, undefined).then(() => settled.push('4'));
    waiters.release((msn) => msn <= 3);
    await first;
    assert.deepEqual(settled, ['3.0']);
    assert.equal(waiters.size, 1);
    waiters.release(() => true);
    await second;
    assert.equal(waiters.size, 0);
  });

  it('forgets an aborted waiter and rejects it with MUX_ERR_ABORTED', async () => {
    const waiters = new ReloadWaiters();
    const controller = new AbortController();
    const waiting = waiters.wait(1, undefined, controller.signal);
    controller.abort();
    await assert.rejects(waiting, { code: MuxErrorCode.Aborted });
    assert.equal(waiters.size, 0);
    await assert.rejects(waiters.wait(1, undefined, controller.signal), { code: MuxErrorCode.Aborted });
  });

  it('rejects everyone on rejectAll', async () => {
    const waiters = new ReloadWaiters();
    const waiting = [waiters.wait(1, undefined, undefined), waiters.wait(2, 1, undefined)];
    waiters.rejectAll(new MuxError(MuxErrorCode.Aborted, 'closed'));
    for (const promise of waiting) await assert.rejects(promise, MuxError);
    assert.equal(waiters.size, 0);
  });
});
