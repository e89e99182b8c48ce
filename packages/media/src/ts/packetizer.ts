// Splits one PES packet into transport packets (ISO/IEC 13818-1 §2.4.3.2-§2.4.3.5), writing the PES
// header and the elementary-stream parts straight into one output buffer: the payload is copied once,
// from the sample into the packets, with no intermediate Annex-B or ADTS buffer.
import {
  AdaptationFlags,
  CONTINUITY_COUNTER_MODULO,
  PCR_FIELD_SIZE,
  TS_HEADER_SIZE,
  TS_PACKET_SIZE,
  TS_PAYLOAD_CAPACITY,
  writePacketHeader,
  writePcr,
} from './ts-packet';

/** adaptation_field_length byte + flags byte. */
const ADAPTATION_BASE_SIZE = 2;
const STUFFING_BYTE = 0xff;

export interface PesPacketOptions {
  readonly pid: number;
  /** PCR base (90 kHz) to put in the first packet, or undefined. */
  readonly pcr: number | undefined;
  /** Sets random_access_indicator on the first packet: the PES starts a keyframe (§2.4.3.5). */
  readonly randomAccess: boolean;
}

/** Per-PID continuity counters (§2.4.3.3). */
export class ContinuityCounters {
  private readonly next = new Map<number, number>();

  /** Returns the counter for the next packet with payload on `pid`, and advances it. */
  take(pid: number): number {
    const value = this.next.get(pid) ?? 0;
    this.next.set(pid, (value + 1) % CONTINUITY_COUNTER_MODULO);
    return value;
  }
}

/**
 * Packetizes `parts` (PES header first, then the elementary stream) into the fewest 188-byte packets.
 * Returns one buffer holding them all, back to back.
 */
export function packetizePes(
  parts: readonly Buffer[],
  options: PesPacketOptions,
  counters: ContinuityCounters,
): Buffer {
  let total = 0;
  for (const part of parts) total += part.length;

  const firstAdaptation =
    options.pcr !== undefined || options.randomAccess
      ? ADAPTATION_BASE_SIZE + (options.pcr !== undefined ? PCR_FIELD_SIZE : 0)
      : 0;
  const firstCapacity = TS_PAYLOAD_CAPACITY - firstAdaptation;
  const packetCount =
    total <= firstCapacity ? 1 : 1 + Math.ceil((total - firstCapacity) / TS_PAYLOAD_CAPACITY);
  const out = Buffer.allocUnsafe(packetCount * TS_PACKET_SIZE);

  let partIndex = 0;
  let partOffset = 0;
  let remaining = total;
  for (let packet = 0; packet < packetCount; packet++) {
    const at = packet * TS_PACKET_SIZE;
    const first = packet === 0;
    const adaptation = first ? firstAdaptation : 0;
    const capacity = TS_PAYLOAD_CAPACITY - adaptation;
    const payloadLength = Math.min(remaining, capacity);
    const stuffing = capacity - payloadLength;
    const hasAdaptation = adaptation > 0 || stuffing > 0;
    writePacketHeader(out, at, options.pid, first, hasAdaptation, counters.take(options.pid));

    let cursor = at + TS_HEADER_SIZE;
    if (hasAdaptation) {
      // adaptation_field_length counts the bytes after itself. A single stuffing byte is an empty
      // adaptation field (length 0, no flags byte), the only way to fill a 183-byte payload.
      const fieldLength = adaptation > 0 ? adaptation - 1 + stuffing : stuffing - 1;
      out[cursor++] = fieldLength;
      if (fieldLength > 0) {
        let flags = 0;
        if (first && options.randomAccess) flags |= AdaptationFlags.RandomAccessIndicator;
        if (first && options.pcr !== undefined) flags |= AdaptationFlags.PcrFlag;
        out[cursor++] = flags;
        if (first && options.pcr !== undefined) {
          writePcr(out, cursor, options.pcr);
          cursor += PCR_FIELD_SIZE;
        }
        const stuffingEnd = at + TS_PACKET_SIZE - payloadLength;
        out.fill(STUFFING_BYTE, cursor, stuffingEnd);
        cursor = stuffingEnd;
      }
    }

    // Gather-copy payloadLength bytes from the parts.
    let need = payloadLength;
    while (need > 0) {
      const part = parts[partIndex]!;
      const n = Math.min(need, part.length - partOffset);
      part.copy(out, cursor, partOffset, partOffset + n);
      cursor += n;
      need -= n;
      partOffset += n;
      if (partOffset === part.length) {
        partIndex++;
        partOffset = 0;
      }
    }
    remaining -= payloadLength;
  }
  return out;
}
