/**
 * Property tests for the AMF work bounds: a decoder visits at most `maxNodes` values and an encoder at
 * most `maxNodes` values and `maxBytes` bytes, failing with AmfError('too_large') past them, whatever
 * the graph (references included). Seeds are fixed so a failure reproduces.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import {
  AmfEcmaArray,
  AmfError,
  type AmfObject,
  type AmfValue,
  decodeAmf0,
  decodeAmf3,
  encodeAmf0,
  encodeAmf3,
} from './index';
import { fuzzBytes } from './testing/fuzz-bytes';
import { hostileGraphAmf0 } from './testing/hostile-graph';

const SEED = 0x5eed;
const RUNS = 1000;

/** Runs `f`; returns its value, or 'too_large' when it threw AmfError('too_large'); rethrows anything else. */
function outcome<T>(f: () => T): T | 'too_large' {
  try {
    return f();
  } catch (err) {
    if (err instanceof AmfError && err.code === 'too_large') return 'too_large';
    throw err;
  }
}

const leaf = fc.oneof(fc.double(), fc.boolean(), fc.string({ maxLength: 8 }), fc.constant(null));
const { value: tree } = fc.letrec<{ value: AmfValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tie('value'), {
      maxKeys: 4,
      noNullPrototype: true,
    }),
    fc
      .dictionary(fc.string({ minLength: 1, maxLength: 6 }), tie('value'), {
        minKeys: 1,
        maxKeys: 3,
        noNullPrototype: true,
      })
      .map((o) => new AmfEcmaArray(o)),
    // Shared values: written once, then as references.
    (tie('value') as fc.Arbitrary<AmfValue>).map((v) => [v, v, { again: v }] as AmfValue),
  ),
}));

/** Deadline for one worker encode; the bounded encoder needs well under a second. */
const WORKER_DEADLINE_MS = 20_000;

/** Decodes and re-encodes `bytes` in a worker: resolves with its outcome, or 'deadline' (terminated). */
function encodeInWorker(bytes: Buffer, maxBytes?: number): Promise<string> {
  const worker = new Worker(join(__dirname, 'testing', 'encode-worker.js'), {
    workerData: { bytes, maxBytes },
  });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve('deadline');
    }, WORKER_DEADLINE_MS);
    worker.once('message', (m: string) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** obj_i = { a: obj_i+1, b: obj_i+1 }: 2^depth objects as a tree, depth + 1 distinct ones. */
function sharedChain(depth: number): AmfObject {
  let node: AmfObject = {};
  for (let i = 0; i < depth; i++) node = { a: node, b: node };
  return node;
}

describe('AMF encode/decode work bounds', () => {
  it('an encode with maxNodes k succeeds exactly when decoding its output with maxNodes k does', () => {
    fc.assert(
      fc.property(fc.array(tree, { minLength: 1, maxLength: 3 }), fc.nat(60), (values, k) => {
        for (const [encode, decode] of [
          [(v: AmfValue[], n?: number) => encodeAmf0(v, { limits: { maxNodes: n } }), decodeAmf0],
          [(v: AmfValue[], n?: number) => encodeAmf3(v, { maxNodes: n }), decodeAmf3],
        ] as const) {
          const full = encode(values);
          const bounded = outcome(() => encode(values, k));
          const decoded = outcome(() => decode(full, { maxNodes: k }));
          assert.equal(bounded === 'too_large', decoded === 'too_large', `maxNodes ${k}`);
          if (bounded !== 'too_large') assert.deepEqual(bounded, full);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('an encode with maxBytes m succeeds exactly when its output fits in m bytes, and never writes more', () => {
    fc.assert(
      fc.property(fc.array(tree, { minLength: 1, maxLength: 3 }), fc.nat(400), (values, m) => {
        const full = encodeAmf0(values);
        const bounded = outcome(() => encodeAmf0(values, { limits: { maxBytes: m } }));
        if (full.length <= m) assert.deepEqual(bounded, full);
        else assert.equal(bounded, 'too_large');
        const full3 = encodeAmf3(values);
        const bounded3 = outcome(() => encodeAmf3(values, { maxBytes: m }));
        if (full3.length <= m) assert.deepEqual(bounded3, full3);
        else assert.equal(bounded3, 'too_large');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('decoding arbitrary bytes with maxNodes k yields values that re-encode within k nodes, or fails typed', () => {
    fc.assert(
      fc.property(fuzzBytes, fc.nat(50), (b, k) => {
        for (const decode of [decodeAmf0, decodeAmf3]) {
          let values: AmfValue[];
          try {
            values = decode(b, { maxNodes: k });
          } catch (err) {
            assert.ok(err instanceof AmfError, String(err));
            continue;
          }
          const again = outcome(() =>
            decode === decodeAmf0
              ? encodeAmf0(values, { limits: { maxNodes: k } })
              : encodeAmf3(values, { maxNodes: k }),
          );
          assert.notEqual(again, 'too_large');
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a shared chain encodes as references in linear work, at any depth the decoder admits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), (depth) => {
        const limits = { maxNodes: 2 * depth + 2 };
        const bytes0 = encodeAmf0([sharedChain(depth)], { limits });
        assert.equal(decodeAmf0(bytes0, limits).length, 1);
        const bytes3 = encodeAmf3([sharedChain(depth)], limits);
        assert.equal(decodeAmf3(bytes3, limits).length, 1);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('a graph that fills the AMF0 reference table before a shared chain fails fast instead of writing 2^depth objects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 24, max: 40 }),
        fc.option(fc.constant(64 * 1024)),
        async (depth, maxBytes) => {
          // The published attack decodes in linear work (the decoder shares what references share)...
          const bytes = hostileGraphAmf0(depth, 65_534, { width: 1280 });
          const [meta] = decodeAmf0(bytes);
          assert.ok(meta instanceof AmfEcmaArray);
          assert.equal(meta.properties.width, 1280);
          // ...but written out with the table full, the chain would be a tree of 2^depth objects. In a
          // worker, so that an encoder without a bound fails this test at the deadline instead of hanging it.
          assert.equal(await encodeInWorker(bytes, maxBytes ?? undefined), 'too_large');
        },
      ),
      { seed: SEED, numRuns: 4, endOnFailure: true },
    );
  });

  it('the hostile graph fails a decoder whose maxNodes is below its value count', () => {
    const bytes = hostileGraphAmf0(32, 65_534);
    assert.equal(
      outcome(() => decodeAmf0(bytes, { maxNodes: 65_000 })),
      'too_large',
    );
    assert.notEqual(
      outcome(() => decodeAmf0(bytes)),
      'too_large',
    );
  });
});
