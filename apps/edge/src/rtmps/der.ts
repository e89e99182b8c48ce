/**
 * A minimal DER (X.690) writer: just the types a self-signed X.509 v3 certificate needs. Pure: no I/O.
 * Every function returns the whole TLV; nesting is by passing encoded children.
 */

/** Tag, length (definite, minimal form) and value. */
export function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(value.length), value]);
}

/** X.690 §8.1.3: short form below 128, else 0x80 | byte count, big-endian. */
export function derLength(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad DER length ${n}`);
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
export const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
export const nullValue = (): Buffer => Buffer.from([0x05, 0x00]);
export const boolean = (v: boolean): Buffer => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
export const octetString = (v: Buffer): Buffer => tlv(0x04, v);
export const utf8String = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
/** BIT STRING with no unused bits (signatures, keys). */
export const bitString = (v: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), v]));
/** [n] EXPLICIT: a constructed context tag around one encoded value. */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** [n] IMPLICIT primitive (GeneralName's dNSName [2], iPAddress [7]). */
export const implicitPrimitive = (n: number, value: Buffer): Buffer => tlv(0x80 | n, value);

/** INTEGER from unsigned big-endian bytes: leading zeros trimmed, a 0x00 added when the top bit is set. */
export function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  let v = bytes.subarray(start);
  if (v.length === 0) v = Buffer.from([0]);
  if ((v[0] as number) & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}

export const smallInteger = (n: number): Buffer => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`bad small integer ${n}`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return unsignedInteger(b);
};

/** OBJECT IDENTIFIER from dotted form (X.690 §8.19: first two arcs in one byte, base-128 arcs). */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`bad OID ${dotted}`);
    return Number(a);
  });
  const [a0, a1] = arcs;
  if (arcs.length < 2 || a0 === undefined || a1 === undefined || a0 > 2 || (a0 < 2 && a1 > 39))
    throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [a0 * 40 + a1, ...arcs.slice(2)]) {
    if (!Number.isSafeInteger(arc)) throw new RangeError(`bad OID ${dotted}`);
    const groups: number[] = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v % 128) | 0x80);
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

/**
 * RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050;
 * whole seconds, UTC.
 */
export function time(d: Date): Buffer {
  const t = d.getTime();
  if (!Number.isFinite(t)) throw new RangeError('bad date');
  const iso = new Date(Math.floor(t / 1000) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const year = d.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`year ${year} out of X.509 range`);
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  return year < 2050
    ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}
