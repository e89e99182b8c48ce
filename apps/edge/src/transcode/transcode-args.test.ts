import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FIRST_OUTPUT_FD, transcodeArgs } from './transcode-args';

const rendition = fc.record({
  name: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,15}$/),
  width: fc.integer({ min: 16, max: 7680 }),
  height: fc.integer({ min: 16, max: 4320 }),
  videoBitrateKbps: fc.integer({ min: 16, max: 100_000 }),
  audioBitrateKbps: fc.integer({ min: 0, max: 1024 }),
});

test('one output pipe per rendition, keyframes forced at the same instants in each', () => {
  fc.assert(
    fc.property(fc.array(rendition, { minLength: 1, maxLength: 6 }), (ladder) => {
      const args = transcodeArgs(ladder, { preset: 'veryfast', threads: 1, gopSeconds: 2 });
      const pipes = args.filter((a) => /^pipe:\d+$/.test(a));
      assert.deepEqual(pipes, ['pipe:0', ...ladder.map((_, i) => `pipe:${FIRST_OUTPUT_FD + i}`)]);
      assert.equal(args.filter((a) => a === 'expr:gte(t,n_forced*2)').length, ladder.length);
      const filter = args[args.indexOf('-filter_complex') + 1] ?? '';
      for (const [i, r] of ladder.entries())
        assert.ok(filter.includes(`[v${i}]scale=${r.width}:${r.height}[o${i}]`));
      // Every argument is one argv entry: nothing a shell could split or expand.
      for (const a of args) assert.equal(typeof a, 'string');
    }),
  );
  assert.throws(() => transcodeArgs([], { preset: 'veryfast', threads: 1, gopSeconds: 2 }));
});
