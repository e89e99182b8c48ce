import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { RTMP_VERSION, RTMPE_VERSIONS } from './handshake-constants';

/** What one `push` of the sans-I/O handshake produced. */
export interface HandshakeStep {
  /** Bytes to write to the peer, in order (may be empty). */
  readonly send: readonly Buffer[];
  /** True once the handshake is complete; further bytes belong to the chunk stream. */
  readonly done: boolean;
  /** When done: bytes received after the handshake (the first chunks), else an empty Buffer. */
  readonly rest: Buffer;
}

/** Checks a C0/S0 version byte (spec 5.2.2), naming RTMPE separately so logs say why. */
export function checkVersion(version: number, side: 'C0' | 'S0'): void {
  if (version === RTMP_VERSION) return;
  if (RTMPE_VERSIONS.includes(version)) {
    throw new RtmpError(
      RtmpErrorCode.HandshakeEncrypted,
      `${side} version ${version} is RTMPE (encrypted), not supported`,
      {
        version,
      },
    );
  }
  throw new RtmpError(RtmpErrorCode.HandshakeVersion, `${side} version ${version} is not ${RTMP_VERSION}`, {
    version,
  });
}

/** Accumulates handshake bytes until a fixed-size packet is complete (at most C0+C1 = 1537 bytes are held). */
export class HandshakeBuffer {
  private parts: Buffer[] = [];
  private length = 0;

  append(data: Buffer): void {
    if (data.length === 0) return;
    this.parts.push(data);
    this.length += data.length;
  }

  /** First byte, or undefined when nothing is buffered. */
  first(): number | undefined {
    return this.parts[0]?.[0];
  }

  /** Removes and returns exactly `n` bytes, or null when fewer are buffered. */
  take(n: number): Buffer | null {
    if (this.length < n) return null;
    const all = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.length);
    const taken = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.parts = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return taken;
  }

  /** Removes and returns everything buffered. */
  drain(): Buffer {
    const all = Buffer.concat(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    return all;
  }
}
