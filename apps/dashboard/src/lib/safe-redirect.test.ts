import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { safeNextPath } from './safe-redirect';

describe('safeNextPath', () => {
  it('keeps paths on this origin', () => {
    assert.equal(safeNextPath('/streams/abc?x=1'), '/streams/abc?x=1');
    assert.equal(safeNextPath('/operator/edges'), '/operator/edges');
  });
  it('refuses anything that leaves the origin', () => {
    for (const next of [
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      '',
      null,
    ]) {
      assert.equal(safeNextPath(next), '/streams');
    }
    assert.equal(safeNextPath('/\tevil'), '/streams');
  });
  it('only ever returns a same-origin path, for any input', () => {
    fc.assert(
      fc.property(fc.string(), (next) => {
        const out = safeNextPath(next);
        const resolved = new URL(out, 'https://dash.example');
        assert.equal(resolved.origin, 'https://dash.example');
      }),
      { seed: 9 },
    );
  });
});
