import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  constantTimeEqual,
  parseWebhookEvent,
  verifyWebhookSignature,
  WebhookSignatureError,
} from './webhooks';

/**
 * The SDK's verifier against the documented scheme (contracts/webhooks.ts), signed here with node:crypto;
 * the api's own signer is checked against it in apps/api (signature-sdk.test.ts) and by real deliveries
 * in the edge's SDK journey test.
 */
const SEED = 0x3ebb;
const RUNS = 300;

function sign(secret: string, t: number, body: string | Uint8Array): string {
  const h = createHmac('sha256', secret).update(`${t}.`);
  h.update(body);
  return `t=${t},v1=${h.digest('hex')}`;
}

const secret = fc.string({ minLength: 1, maxLength: 48 });
const body = fc.oneof(fc.string({ maxLength: 400 }), fc.json({ maxDepth: 3 }));
const now = fc.integer({ min: 1_600_000_000, max: 2_000_000_000 });

describe('verifyWebhookSignature', () => {
  it('accepts any payload signed with its secret, as text or as bytes', async () => {
    await fc.assert(
      fc.asyncProperty(secret, body, now, async (s, b, t) => {
        const header = sign(s, t, b);
        assert.ok(await verifyWebhookSignature({ payload: b, header, secret: s, now: t * 1000 }));
        const bytes = new TextEncoder().encode(b);
        assert.ok(
          await verifyWebhookSignature({ payload: bytes, header, secret: s, now: new Date(t * 1000) }),
        );
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('refuses a payload with any one bit flipped', async () => {
    await fc.assert(
      fc.asyncProperty(
        secret,
        fc.string({ minLength: 1, maxLength: 200 }),
        now,
        fc.nat(),
        async (s, b, t, at) => {
          const bytes = new TextEncoder().encode(b);
          const header = sign(s, t, bytes);
          const flipped = bytes.slice();
          const bit = at % (bytes.length * 8);
          flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
          assert.equal(
            await verifyWebhookSignature({ payload: flipped, header, secret: s, now: t * 1000 }),
            false,
          );
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('refuses a wrong secret, a flipped signature bit and a stale or future timestamp', async () => {
    await fc.assert(
      fc.asyncProperty(
        secret,
        secret,
        body,
        now,
        fc.integer({ min: 301, max: 10_000_000 }),
        fc.nat({ max: 255 }),
        async (s, other, b, t, skew, bit) => {
          fc.pre(s !== other);
          const header = sign(s, t, b);
          assert.equal(
            await verifyWebhookSignature({ payload: b, header, secret: other, now: t * 1000 }),
            false,
          );
          const hex = header.slice(header.indexOf('v1=') + 3);
          const nibble = bit >> 2;
          const flippedHex =
            hex.slice(0, nibble) +
            (Number.parseInt(hex[nibble] as string, 16) ^ (1 << (bit & 3))).toString(16) +
            hex.slice(nibble + 1);
          assert.equal(
            await verifyWebhookSignature({
              payload: b,
              header: `t=${t},v1=${flippedHex}`,
              secret: s,
              now: t * 1000,
            }),
            false,
          );
          for (const at of [t + skew, t - skew])
            assert.equal(
              await verifyWebhookSignature({ payload: b, header, secret: s, now: at * 1000 }),
              false,
            );
          assert.ok(
            await verifyWebhookSignature({
              payload: b,
              header,
              secret: s,
              now: (t + skew) * 1000,
              toleranceSeconds: skew,
            }),
          );
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('accepts any of several v1 entries and any of several secrets (a rotation)', async () => {
    const t = 1_800_000_000;
    const payload = '{"id":"evt_1"}';
    const oldSig = sign('whsec_old', t, payload).split(',')[1];
    const newSig = sign('whsec_new', t, payload).split(',')[1];
    const header = `t=${t},${oldSig},${newSig}`;
    assert.ok(await verifyWebhookSignature({ payload, header, secret: 'whsec_new', now: t * 1000 }));
    assert.ok(await verifyWebhookSignature({ payload, header, secret: 'whsec_old', now: t * 1000 }));
    assert.ok(
      await verifyWebhookSignature({
        payload,
        header: sign('whsec_old', t, payload),
        secret: ['whsec_new', 'whsec_old'],
        now: t * 1000,
      }),
    );
    assert.equal(
      await verifyWebhookSignature({ payload, header, secret: ['whsec_x', ''], now: t * 1000 }),
      false,
    );
  });

  it('never throws on a hostile header: arbitrary strings are false', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 2000 }), async (header) => {
        assert.equal(await verifyWebhookSignature({ payload: 'x', header, secret: 's' }), false);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    const t = Math.floor(Date.now() / 1000);
    const long = `${sign('s', t, 'x')},${'v1=0'.padEnd(70, '0')}`.padEnd(1100, ' ');
    assert.equal(await verifyWebhookSignature({ payload: 'x', header: long, secret: 's' }), false);
  });
});

describe('parseWebhookEvent', () => {
  const t = 1_800_000_000;
  const event = {
    id: 'evt_1',
    type: 'live_stream.active',
    created_at: '2027-01-15T08:00:00.000Z',
    data: { id: 'ls_1' },
  };
  const payload = JSON.stringify(event);

  it('returns the typed payload of a genuine delivery', async () => {
    const got = await parseWebhookEvent({
      payload,
      header: sign('k', t, payload),
      secret: 'k',
      now: t * 1000,
    });
    assert.deepEqual(got, event);
  });

  it('throws WebhookSignatureError naming the failed check', async () => {
    const cases: [Parameters<typeof parseWebhookEvent>[0], string][] = [
      [{ payload, header: undefined, secret: 'k' }, 'missing_header'],
      [{ payload, header: 't=1,v1=zz', secret: 'k' }, 'malformed_header'],
      [
        { payload, header: sign('k', t, payload), secret: 'k', now: (t + 301) * 1000 },
        'timestamp_out_of_tolerance',
      ],
      [{ payload, header: sign('k', t, payload), secret: 'j', now: t * 1000 }, 'signature_mismatch'],
      [
        { payload: 'not json', header: sign('k', t, 'not json'), secret: 'k', now: t * 1000 },
        'invalid_payload',
      ],
      [
        { payload: '{"id":1}', header: sign('k', t, '{"id":1}'), secret: 'k', now: t * 1000 },
        'invalid_payload',
      ],
    ];
    for (const [input, reason] of cases)
      await assert.rejects(
        parseWebhookEvent(input),
        (err: unknown) => err instanceof WebhookSignatureError && err.reason === reason,
      );
  });
});

describe('constantTimeEqual', () => {
  it('agrees with a plain comparison', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        assert.equal(constantTimeEqual(a, b), Buffer.from(a).equals(Buffer.from(b)));
        assert.ok(constantTimeEqual(a, a.slice()));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
