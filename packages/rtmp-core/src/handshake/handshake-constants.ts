/** RTMP 1.0 spec 5.2.2: the only plain-RTMP version byte. */
export const RTMP_VERSION = 3;
/** Version bytes of RTMPE (encrypted RTMP, Flash Player 9.0.115+); we answer them with a clean error. */
export const RTMPE_VERSIONS: readonly number[] = [6, 8];
/** Spec 5.2.3/5.2.4: C1/S1/C2/S2 are 1536 bytes each. */
export const HANDSHAKE_SIZE = 1536;
/** Spec 5.2.5: the handshake should complete quickly; a stalled peer is closed after this (docs/reliability.md: handshake: ≤ 10 s). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
