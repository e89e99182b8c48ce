import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyWebhookSignature } from '@tributary/sdk';
import fc from 'fast-check';
import { signatureHeader, verifySignature } from './signature';

/**
 * The SDK verifies what this api signs (issue 15): @tributary/sdk's verifyWebhookSignature (Web Crypto)
 * accepts every header signatureHeader() makes, and agrees with the api's own verifySignature (the
 * README recipe) on changed bodies, other secrets and skewed clocks.
 */
const SEED = 0x51a7;
const RUNS = 200;

describe("the SDK's webhook verification against the api's signer", () => {
  it('accepts every delivery the api signs, at any time within the tolerance', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.json({ maxDepth: 3 }),
        fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
        fc.integer({ min: -300, max: 300 }),
        async (secret, body, t, skew) => {
          const header = signatureHeader(secret, t, body);
          assert.ok(await verifyWebhookSignature({ payload: body, header, secret, now: (t + skew) * 1000 }));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('agrees with the api verifier on changed bodies, other secrets and stale timestamps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 32 }),
        fc.string({ minLength: 1, maxLength: 32 }),
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 200 }),
        fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
        fc.integer({ min: -2000, max: 2000 }),
        async (secret, other, body, received, t, skew) => {
          const header = signatureHeader(secret, t, body);
          const now = t + skew;
          for (const [b, s] of [
            [received, secret],
            [body, other],
            [body, secret],
          ] as const) {
            const api = verifySignature(header, s, b, now);
            const sdk = await verifyWebhookSignature({ payload: b, header, secret: s, now: now * 1000 });
            assert.equal(sdk, api, `secret ${s} body ${b} skew ${skew}`);
          }
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
