import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HANDSHAKE_SIZE } from './handshake-constants';

/**
 * The digest ("complex") handshake of Flash Player 9+ and FMS 3+. Not in the published RTMP 1.0 spec; the
 * layout below is the one every interoperable implementation uses (librtmp handshake.h, FFmpeg rtmpproto.c
 * rtmp_handshake, SRS srs_protocol_rtmp_handshake.cpp):
 *
 *   C1/S1 = time(4) version(4) block(764) block(764)
 *   scheme 0: key block first, digest block second; scheme 1: digest block first.
 *   digest block = offset(4) ... digest(32) ...; digest position = block start + 4 + (sum of offset bytes % 728).
 *   digest = HMAC-SHA256(key, C1 without its 32 digest bytes).
 *
 * C1 digests use the first 30 bytes of the Flash Player key, S1 digests the first 36 bytes of the FMS key.
 * S2/C2 = random(1504) digest(32), digest = HMAC(HMAC(full key, peer's C1/S1 digest), random part).
 */
const SHARED_SUFFIX = Buffer.from([
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec,
  0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
]);
/** "Genuine Adobe Flash Player 001" + 32 shared bytes; C1 digests use the 30-byte text part. */
export const FLASH_PLAYER_KEY = Buffer.concat([
  Buffer.from('Genuine Adobe Flash Player 001', 'ascii'),
  SHARED_SUFFIX,
]);
/** "Genuine Adobe Flash Media Server 001" + 32 shared bytes; S1 digests use the 36-byte text part. */
export const FLASH_MEDIA_SERVER_KEY = Buffer.concat([
  Buffer.from('Genuine Adobe Flash Media Server 001', 'ascii'),
  SHARED_SUFFIX,
]);
export const FLASH_PLAYER_KEY_TEXT_LENGTH = 30;
export const FLASH_MEDIA_SERVER_KEY_TEXT_LENGTH = 36;

const DIGEST_LENGTH = 32;
const BLOCK_SIZE = 764;
/** 764 - 4 offset bytes - 32 digest bytes: the digest offset is taken modulo this. */
const DIGEST_OFFSET_MODULO = 728;
const FIRST_BLOCK = 8;
const SECOND_BLOCK = FIRST_BLOCK + BLOCK_SIZE;

export type DigestScheme = 0 | 1;

function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Position of the 32 digest bytes inside a 1536-byte C1/S1 for the given scheme. */
export function digestPosition(packet: Buffer, scheme: DigestScheme): number {
  const block = scheme === 0 ? SECOND_BLOCK : FIRST_BLOCK;
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += packet.readUInt8(block + i);
  return block + 4 + (sum % DIGEST_OFFSET_MODULO);
}

function digestAt(packet: Buffer, pos: number, key: Buffer): Buffer {
  return hmac(key, packet.subarray(0, pos), packet.subarray(pos + DIGEST_LENGTH, HANDSHAKE_SIZE));
}

/** Returns the scheme and digest when `packet` carries a valid digest made with `key`, else null. */
export function findDigest(packet: Buffer, key: Buffer): { scheme: DigestScheme; digest: Buffer } | null {
  for (const scheme of [0, 1] as const) {
    const pos = digestPosition(packet, scheme);
    const expected = digestAt(packet, pos, key);
    const actual = packet.subarray(pos, pos + DIGEST_LENGTH);
    if (timingSafeEqual(expected, actual)) return { scheme, digest: Buffer.from(actual) };
  }
  return null;
}

/** Builds a C1 or S1 with a valid digest: time, version, random blocks, digest imprinted. */
export function makeDigestPacket(time: number, version: number, scheme: DigestScheme, key: Buffer): Buffer {
  const packet = randomBytes(HANDSHAKE_SIZE);
  packet.writeUInt32BE(time >>> 0, 0);
  packet.writeUInt32BE(version >>> 0, 4);
  const pos = digestPosition(packet, scheme);
  digestAt(packet, pos, key).copy(packet, pos);
  return packet;
}

/** Builds an S2/C2 answering a peer digest: random(1504) + HMAC(HMAC(fullKey, peerDigest), random). */
export function makeDigestResponse(peerDigest: Buffer, fullKey: Buffer): Buffer {
  const packet = randomBytes(HANDSHAKE_SIZE);
  const signingKey = hmac(fullKey, peerDigest);
  hmac(signingKey, packet.subarray(0, HANDSHAKE_SIZE - DIGEST_LENGTH)).copy(
    packet,
    HANDSHAKE_SIZE - DIGEST_LENGTH,
  );
  return packet;
}

/** True when `response` (an S2/C2) carries the digest `makeDigestResponse` would compute. */
export function verifyDigestResponse(response: Buffer, ownDigest: Buffer, fullKey: Buffer): boolean {
  const signingKey = hmac(fullKey, ownDigest);
  const expected = hmac(signingKey, response.subarray(0, HANDSHAKE_SIZE - DIGEST_LENGTH));
  return timingSafeEqual(expected, response.subarray(HANDSHAKE_SIZE - DIGEST_LENGTH, HANDSHAKE_SIZE));
}
