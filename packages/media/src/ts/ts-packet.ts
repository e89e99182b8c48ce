// Transport stream packet layout: ISO/IEC 13818-1 §2.4.3.2 (transport packet) and §2.4.3.4
// (adaptation field).

export const TS_PACKET_SIZE = 188;
export const TS_SYNC_BYTE = 0x47;
export const TS_HEADER_SIZE = 4;
export const TS_PAYLOAD_CAPACITY = TS_PACKET_SIZE - TS_HEADER_SIZE;

/** continuity_counter is a 4-bit field incremented per packet with payload, per PID (§2.4.3.3). */
export const CONTINUITY_COUNTER_MODULO = 16;

/** PIDs 0x0010..0x1FFE are free for PMT and elementary streams (§2.4.3.3, table 2-3). */
export const PID_PAT = 0x0000;
export const MIN_USER_PID = 0x0010;
export const MAX_USER_PID = 0x1ffe;

/** adaptation_field_control (§2.4.3.3, table 2-5). */
export const AdaptationFieldControl = {
  PayloadOnly: 0b01,
  AdaptationAndPayload: 0b11,
} as const;

/** Flags byte of the adaptation field (§2.4.3.4). */
export const AdaptationFlags = {
  RandomAccessIndicator: 0x40,
  PcrFlag: 0x10,
} as const;

/** PCR field: 33-bit base (90 kHz), 6 reserved bits, 9-bit extension (27 MHz remainder). */
export const PCR_FIELD_SIZE = 6;

/** Timestamps (PTS, DTS, PCR base) are 33-bit counters of a 90 kHz clock that wrap (§2.4.3.7). */
export const TIMESTAMP_MODULO = 2 ** 33;
export const CLOCK_HZ = 90_000;

/** Writes the 4-byte packet header at `at`. */
export function writePacketHeader(
  out: Buffer,
  at: number,
  pid: number,
  payloadUnitStart: boolean,
  hasAdaptationField: boolean,
  continuityCounter: number,
): void {
  out[at] = TS_SYNC_BYTE;
  out[at + 1] = (payloadUnitStart ? 0x40 : 0) | (pid >> 8);
  out[at + 2] = pid & 0xff;
  const control = hasAdaptationField
    ? AdaptationFieldControl.AdaptationAndPayload
    : AdaptationFieldControl.PayloadOnly;
  out[at + 3] = (control << 4) | continuityCounter;
}

/** Writes a PCR (§2.4.3.5) with extension 0: our clock is the 90 kHz base. */
export function writePcr(out: Buffer, at: number, pcrBase: number): void {
  const base = pcrBase % TIMESTAMP_MODULO;
  out[at] = Math.floor(base / 2 ** 25) & 0xff;
  out[at + 1] = Math.floor(base / 2 ** 17) & 0xff;
  out[at + 2] = Math.floor(base / 2 ** 9) & 0xff;
  out[at + 3] = Math.floor(base / 2) & 0xff;
  // Low bit of the base, 6 reserved '1' bits, then the 9-bit extension (0).
  out[at + 4] = ((base % 2) << 7) | 0x7e;
  out[at + 5] = 0;
}

/** Milliseconds on the publisher clock to a 33-bit 90 kHz timestamp, shifted by `offset` ticks. */
export function msTo90k(ms: number, offset: number): number {
  const ticks = Math.round(ms * (CLOCK_HZ / 1000)) + offset;
  return ((ticks % TIMESTAMP_MODULO) + TIMESTAMP_MODULO) % TIMESTAMP_MODULO;
}
