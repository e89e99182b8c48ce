// The in-band clock of the bench's latency column: stamped-publisher.mjs puts an H.264 SEI NAL unit
// (user data unregistered) first in every coded AVC frame; its payload is this UUID and the publisher's
// CLOCK_MONOTONIC send time in microseconds as 20 ASCII digits (0x30-0x39: no zero bytes, so no emulation prevention is needed).

export const LATENCY_UUID = Buffer.from('7472696275746172792d6c6174656e63', 'hex'); // "tributary-latenc"

/**
 * The send time (µs, CLOCK_MONOTONIC) stamped into a video message body, or null when it carries none.
 * Layout: 5-byte AVC tag header, 4-byte NAL length, NAL header 0x06, payload type 5, size, UUID, digits.
 */
export function readStamp(body) {
  if (body.length < 48 || (body[0] & 0x0f) !== 7 || body[1] !== 1) return null;
  if (body[9] !== 0x06 || body[10] !== 0x05) return null;
  if (!body.subarray(12, 28).equals(LATENCY_UUID)) return null;
  const digits = body.toString('latin1', 28, 48);
  return /^[0-9]{20}$/.test(digits) ? BigInt(digits) : null;
}
