import { randomBytes } from 'node:crypto';
import {
  FLASH_MEDIA_SERVER_KEY,
  FLASH_MEDIA_SERVER_KEY_TEXT_LENGTH,
  FLASH_PLAYER_KEY,
  FLASH_PLAYER_KEY_TEXT_LENGTH,
  findDigest,
  makeDigestPacket,
  makeDigestResponse,
} from './digest';
import { HANDSHAKE_SIZE, RTMP_VERSION } from './handshake-constants';
import { checkVersion, HandshakeBuffer, type HandshakeStep } from './handshake-step';

/** The player version a digest C1 carries (9.0.124.2, the value FFmpeg sends). */
const CLIENT_VERSION = 0x09007c02;
const C1_DIGEST_KEY = FLASH_PLAYER_KEY.subarray(0, FLASH_PLAYER_KEY_TEXT_LENGTH);
const S1_DIGEST_KEY = FLASH_MEDIA_SERVER_KEY.subarray(0, FLASH_MEDIA_SERVER_KEY_TEXT_LENGTH);

export interface ClientHandshakeOptions {
  /** Send a digest C1 (Flash Player 9+ scheme). Default false: the simple handshake of spec 5.2. */
  readonly digest?: boolean;
}

/**
 * Client side of the handshake, sans-I/O: write `start()`, then feed received bytes to `push`.
 * C2 echoes S1, except when the server answered our digest with a digest S1: then C2 carries the digest
 * response, as Flash Player does.
 */
export class ClientHandshake {
  private readonly input = new HandshakeBuffer();
  private done = false;
  /** 'digest' once the server's S1 carried a valid digest. */
  kind: 'simple' | 'digest' = 'simple';

  constructor(private readonly options: ClientHandshakeOptions = {}) {}

  /** C0+C1, to be written first. */
  start(): Buffer[] {
    const time = 0;
    const c1 = this.options.digest
      ? makeDigestPacket(time, CLIENT_VERSION, 1, C1_DIGEST_KEY)
      : Buffer.concat([Buffer.alloc(8), randomBytes(HANDSHAKE_SIZE - 8)]);
    return [Buffer.from([RTMP_VERSION]), c1];
  }

  push(data: Buffer): HandshakeStep {
    this.input.append(data);
    if (this.done) return { send: [], done: true, rest: this.input.drain() };
    const version = this.input.first();
    if (version !== undefined) checkVersion(version, 'S0');
    const s0s1s2 = this.input.take(1 + 2 * HANDSHAKE_SIZE);
    if (s0s1s2 === null) return { send: [], done: false, rest: Buffer.alloc(0) };
    const s1 = s0s1s2.subarray(1, 1 + HANDSHAKE_SIZE);
    const found = this.options.digest && s1.readUInt32BE(4) !== 0 ? findDigest(s1, S1_DIGEST_KEY) : null;
    this.kind = found ? 'digest' : 'simple';
    const c2 = found ? makeDigestResponse(found.digest, FLASH_PLAYER_KEY) : s1;
    this.done = true;
    return { send: [c2], done: true, rest: this.input.drain() };
  }
}
