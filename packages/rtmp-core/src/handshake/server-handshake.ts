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

/** The server version we advertise in a digest S1 (FMS 3.5.1.1, as SRS and nginx-rtmp do). */
const SERVER_VERSION = 0x03050101;
const C1_DIGEST_KEY = FLASH_PLAYER_KEY.subarray(0, FLASH_PLAYER_KEY_TEXT_LENGTH);
const S1_DIGEST_KEY = FLASH_MEDIA_SERVER_KEY.subarray(0, FLASH_MEDIA_SERVER_KEY_TEXT_LENGTH);

type ServerHandshakeState =
  /** Waiting for C0 (version) and C1. */
  | 'awaiting-c0c1'
  /** S0+S1+S2 sent, waiting for C2. */
  | 'awaiting-c2'
  /** Complete; the connection now carries chunks. */
  | 'done';

/**
 * Server side of the handshake (spec 5.2), sans-I/O: feed received bytes to `push`, write `send`.
 * Answers a digest C1 with a digest S1 and S2 (Flash Player 9+ scheme), anything else with the simple
 * handshake (S2 echoes C1). C2 is not checked: several encoders send a C2 that does not echo S1
 * (docs/reliability.md: handshake).
 */
export class ServerHandshake {
  private state: ServerHandshakeState = 'awaiting-c0c1';
  private readonly input = new HandshakeBuffer();
  /** 'digest' once a C1 with a valid digest was seen. */
  kind: 'simple' | 'digest' = 'simple';

  push(data: Buffer): HandshakeStep {
    this.input.append(data);
    const send: Buffer[] = [];
    if (this.state === 'awaiting-c0c1') {
      const version = this.input.first();
      if (version !== undefined) checkVersion(version, 'C0');
      const c0c1 = this.input.take(1 + HANDSHAKE_SIZE);
      if (c0c1 === null) return { send, done: false, rest: Buffer.alloc(0) };
      send.push(Buffer.from([RTMP_VERSION]), ...this.answer(c0c1.subarray(1)));
      this.state = 'awaiting-c2';
    }
    if (this.state === 'awaiting-c2' && this.input.take(HANDSHAKE_SIZE) !== null) this.state = 'done';
    if (this.state === 'done') return { send, done: true, rest: this.input.drain() };
    return { send, done: false, rest: Buffer.alloc(0) };
  }

  private answer(c1: Buffer): [Buffer, Buffer] {
    const time = Math.floor(Date.now() / 1000);
    // Spec 5.2.3: a zero version field marks the simple handshake; no digest is looked for.
    const found = c1.readUInt32BE(4) === 0 ? null : findDigest(c1, C1_DIGEST_KEY);
    if (found === null) {
      const s1 = randomBytes(HANDSHAKE_SIZE);
      s1.writeUInt32BE(time >>> 0, 0);
      s1.writeUInt32BE(0, 4);
      return [s1, c1];
    }
    this.kind = 'digest';
    const s1 = makeDigestPacket(time, SERVER_VERSION, found.scheme, S1_DIGEST_KEY);
    return [s1, makeDigestResponse(found.digest, FLASH_MEDIA_SERVER_KEY)];
  }
}
