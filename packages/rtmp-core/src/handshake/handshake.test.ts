import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { assertRtmpError } from '../testing/bytes';
import { ClientHandshake } from './client-handshake';
import {
  digestPosition,
  FLASH_MEDIA_SERVER_KEY,
  FLASH_PLAYER_KEY,
  FLASH_PLAYER_KEY_TEXT_LENGTH,
  findDigest,
  makeDigestPacket,
  verifyDigestResponse,
} from './digest';
import { HANDSHAKE_SIZE } from './handshake-constants';
import { ServerHandshake } from './server-handshake';

/** Runs a client and a server handshake against each other in memory, returning what crossed the wire. */
function run(digest: boolean): {
  c0c1: Buffer;
  s0s1s2: Buffer;
  c2: Buffer;
  server: ServerHandshake;
  client: ClientHandshake;
} {
  const client = new ClientHandshake({ digest });
  const server = new ServerHandshake();
  const c0c1 = Buffer.concat(client.start());
  const s = server.push(c0c1);
  assert.equal(s.done, false);
  const s0s1s2 = Buffer.concat(s.send);
  const c = client.push(s0s1s2);
  assert.equal(c.done, true);
  const c2 = Buffer.concat(c.send);
  const end = server.push(c2);
  assert.equal(end.done, true);
  return { c0c1, s0s1s2, c2, server, client };
}

describe('handshake', () => {
  it('completes the simple handshake: S2 echoes C1, C2 echoes S1 (spec 5.2)', () => {
    const { c0c1, s0s1s2, c2, server, client } = run(false);
    assert.equal(c0c1.length, 1 + HANDSHAKE_SIZE);
    assert.equal(s0s1s2.length, 1 + 2 * HANDSHAKE_SIZE);
    assert.equal(s0s1s2[0], 3);
    assert.ok(s0s1s2.subarray(1 + HANDSHAKE_SIZE).equals(c0c1.subarray(1)));
    assert.ok(c2.equals(s0s1s2.subarray(1, 1 + HANDSHAKE_SIZE)));
    assert.equal(server.kind, 'simple');
    assert.equal(client.kind, 'simple');
  });

  it('answers a digest C1 with a valid digest S1 and an S2 the client can verify (Flash Player 9 scheme)', () => {
    const { c0c1, s0s1s2, c2, server, client } = run(true);
    assert.equal(server.kind, 'digest');
    assert.equal(client.kind, 'digest');
    const c1 = c0c1.subarray(1);
    const s1 = s0s1s2.subarray(1, 1 + HANDSHAKE_SIZE);
    const s2 = s0s1s2.subarray(1 + HANDSHAKE_SIZE);
    const c1Digest = findDigest(c1, FLASH_PLAYER_KEY.subarray(0, FLASH_PLAYER_KEY_TEXT_LENGTH));
    assert.ok(c1Digest);
    const s1Digest = findDigest(s1, FLASH_MEDIA_SERVER_KEY.subarray(0, 36));
    assert.ok(s1Digest);
    assert.equal(s1Digest.scheme, c1Digest.scheme, 'S1 uses the scheme of C1');
    assert.ok(verifyDigestResponse(s2, c1Digest.digest, FLASH_MEDIA_SERVER_KEY));
    assert.ok(verifyDigestResponse(c2, s1Digest.digest, FLASH_PLAYER_KEY));
  });

  it('finds digests in both schemes', () => {
    for (const scheme of [0, 1] as const) {
      const p = makeDigestPacket(1, 0x09007c02, scheme, FLASH_PLAYER_KEY.subarray(0, 30));
      assert.equal(findDigest(p, FLASH_PLAYER_KEY.subarray(0, 30))?.scheme, scheme);
    }
  });

  it('places the digest at block start + 4 + (sum of the offset bytes mod 728)', () => {
    const p = Buffer.alloc(HANDSHAKE_SIZE);
    p.set([1, 2, 3, 4], 772);
    assert.equal(digestPosition(p, 0), 772 + 4 + 10);
    p.set([255, 255, 255, 255], 8);
    assert.equal(digestPosition(p, 1), 8 + 4 + (1020 % 728));
  });

  it('treats a C1 with a non-zero version but no valid digest as simple', () => {
    const server = new ServerHandshake();
    const c1 = randomBytes(HANDSHAKE_SIZE);
    c1.writeUInt32BE(0x09007c02, 4);
    const s = server.push(Buffer.concat([Buffer.from([3]), c1]));
    assert.equal(server.kind, 'simple');
    assert.ok(
      Buffer.concat(s.send)
        .subarray(1 + HANDSHAKE_SIZE)
        .equals(c1),
    );
  });

  for (const [version, code] of [
    [0x06, RtmpErrorCode.HandshakeEncrypted],
    [0x08, RtmpErrorCode.HandshakeEncrypted],
    [0x48, RtmpErrorCode.HandshakeVersion],
    [0xff, RtmpErrorCode.HandshakeVersion],
  ] as const) {
    it(`rejects C0 version 0x${version.toString(16)} on its first byte`, () => {
      assertRtmpError(() => new ServerHandshake().push(Buffer.from([version])), code);
    });
  }

  it('waits on a truncated C1 (1535 bytes) without answering', () => {
    const step = new ServerHandshake().push(
      Buffer.concat([Buffer.from([3]), randomBytes(HANDSHAKE_SIZE - 1)]),
    );
    assert.deepEqual([step.done, step.send.length], [false, 0]);
  });

  it('accepts a C2 that does not echo S1 (interop)', () => {
    const server = new ServerHandshake();
    server.push(Buffer.concat([Buffer.from([3]), Buffer.alloc(HANDSHAKE_SIZE)]));
    assert.equal(server.push(randomBytes(HANDSHAKE_SIZE)).done, true);
  });

  it('returns the bytes after C2 as the start of the chunk stream, fed one byte at a time', () => {
    const server = new ServerHandshake();
    const all = Buffer.concat([Buffer.from([3]), randomBytes(2 * HANDSHAKE_SIZE), Buffer.from('chunks')]);
    let rest = Buffer.alloc(0);
    let sent = 0;
    for (const b of all) {
      const step = server.push(Buffer.from([b]));
      sent += step.send.reduce((n, x) => n + x.length, 0);
      if (step.done) rest = Buffer.concat([rest, step.rest]);
    }
    assert.equal(sent, 1 + 2 * HANDSHAKE_SIZE);
    assert.equal(rest.toString(), 'chunks');
  });

  it('rejects an S0 that is not version 3 on the client side', () => {
    const client = new ClientHandshake();
    client.start();
    assertRtmpError(() => client.push(Buffer.from([0x06])), RtmpErrorCode.HandshakeEncrypted);
  });

  it('random bytes give RtmpError or a handshake step, nothing else (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 4000 }), { maxLength: 4 }), (pieces) => {
        const server = new ServerHandshake();
        try {
          for (const p of pieces) server.push(Buffer.from(p));
        } catch (err) {
          if (!(err instanceof RtmpError)) throw err;
        }
      }),
      { seed: 3, numRuns: 500 },
    );
  });
});
