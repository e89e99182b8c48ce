/**
 * AMF0, as specified in "Action Message Format -- AMF 0" (Adobe, December 2007).
 * Section numbers below refer to that document.
 */

import { AmfBudget } from './amf-budget';
import { AmfError } from './amf-error';
import { type AmfEncodeLimits, type AmfLimits, resolveAmfLimits } from './amf-limits';
import { AmfReader } from './amf-reader';
import {
  AmfEcmaArray,
  type AmfObject,
  AmfTypedObject,
  type AmfValue,
  AmfVector,
  AmfXml,
  isPlainObject,
  setMember,
} from './amf-value';
import { AmfWriter, utf8Bytes } from './amf-writer';
import { Amf3Decoder, Amf3Encoder } from './amf3';

/** §2.1 type markers. */
export const Amf0Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  /** §2.7 reserved, not supported. */
  MovieClip: 0x04,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  Unsupported: 0x0d,
  /** §2.16 reserved, not supported. */
  RecordSet: 0x0e,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  /** §3.1 the next value is AMF3. */
  AvmPlusObject: 0x11,
} as const;

/** §2.2: a UTF-8 (short) string carries a 16-bit length. */
const MAX_SHORT_STRING_BYTES = 0xffff;
/** §2.9: reference indexes are 16-bit, so only the first 65 536 complex values can be referenced. */
const MAX_REFERENCE_INDEX = 0xffff;
/** Every AMF0 value takes at least its 1-byte marker, which bounds a declared count by the bytes left. */
const MIN_STRICT_ARRAY_ITEM_BYTES = 1;

/**
 * Decodes every consecutive AMF0 value in `buf`, as in the body of an RTMP command
 * (type 20) or data (type 18) message. For an AMF3 command (type 17), skip its leading
 * 0x00 byte first; values behind an avmplus-object marker (0x11) decode as AMF3, with
 * one set of AMF3 reference tables for the whole body.
 * Throws only `AmfError`.
 */
export function decodeAmf0(buf: Uint8Array, limits?: Partial<AmfLimits>): AmfValue[] {
  const decoder = new Amf0Decoder(new AmfReader(buf), resolveAmfLimits(limits));
  const values: AmfValue[] = [];
  while (decoder.reader.remaining > 0) values.push(decoder.readValue());
  return values;
}

/** Decodes one AMF0 value at the reader's position (for callers that interleave other fields). */
export function decodeAmf0Value(reader: AmfReader, limits?: Partial<AmfLimits>): AmfValue {
  return new Amf0Decoder(reader, resolveAmfLimits(limits)).readValue();
}

export class Amf0Decoder {
  private readonly budget: AmfBudget;
  /** §2.9: objects, typed objects, ECMA and strict arrays, in the order their markers appear. */
  private readonly references: AmfValue[] = [];
  /** Complex values whose members are still being read: a reference to one would be a cycle. */
  private readonly open = new Set<AmfValue>();
  private amf3: Amf3Decoder | undefined;

  constructor(
    readonly reader: AmfReader,
    private readonly limits: AmfLimits,
  ) {
    this.budget = new AmfBudget(limits, reader);
    this.budget.input(reader.remaining);
  }

  /** `depth` is the number of containers around this value. */
  readValue(depth = 0): AmfValue {
    const r = this.reader;
    this.budget.node();
    const marker = r.u8('AMF0 type marker');
    switch (marker) {
      case Amf0Marker.Number:
        return r.f64('AMF0 number');
      case Amf0Marker.Boolean:
        return r.u8('AMF0 boolean') !== 0;
      case Amf0Marker.String:
        return this.readString(r.u16('AMF0 string length'));
      case Amf0Marker.LongString:
        return this.readString(r.u32('AMF0 long string length'));
      case Amf0Marker.Null:
        return null;
      case Amf0Marker.Undefined:
      case Amf0Marker.Unsupported:
        return undefined;
      case Amf0Marker.Date: {
        const ms = r.f64('AMF0 date');
        r.s16('AMF0 date time-zone');
        return new Date(ms);
      }
      case Amf0Marker.XmlDocument:
        return new AmfXml(this.readString(r.u32('AMF0 XML length')));
      case Amf0Marker.Object: {
        const obj: AmfObject = {};
        return this.readMembers(obj, obj, depth);
      }
      case Amf0Marker.TypedObject: {
        const className = this.readString(r.u16('AMF0 typed-object class name length'));
        const typed = new AmfTypedObject(className);
        return this.readMembers(typed, typed.properties, depth);
      }
      case Amf0Marker.EcmaArray: {
        // §2.10: the count is only a hint (ffmpeg writes the real count, some encoders 0);
        // members end with the object-end marker like an object's.
        r.u32('AMF0 ECMA array count');
        const ecma = new AmfEcmaArray();
        return this.readMembers(ecma, ecma.properties, depth);
      }
      case Amf0Marker.StrictArray:
        return this.readStrictArray(depth);
      case Amf0Marker.Reference:
        return this.readReference();
      case Amf0Marker.AvmPlusObject:
        this.amf3 ??= new Amf3Decoder(r, this.limits);
        return this.amf3.readValue(depth);
      default:
        throw new AmfError(
          'unknown_marker',
          `AMF0 marker 0x${marker.toString(16)} at offset ${r.offset - 1}`,
        );
    }
  }

  private readString(length: number): string {
    this.budget.byteLength(length, 'AMF0 string');
    return this.reader.utf8(length, 'AMF0 string');
  }

  /** §2.5 object members: (UTF-8 name, value)* then an empty name and the object-end marker. */
  private readMembers<T extends AmfValue>(container: T, properties: AmfObject, depth: number): T {
    this.budget.enter(depth + 1);
    this.references.push(container);
    this.open.add(container);
    const r = this.reader;
    let count = 0;
    for (;;) {
      const name = this.readString(r.u16('AMF0 member name length'));
      if (name === '' && r.peekU8('AMF0 object-end marker') === Amf0Marker.ObjectEnd) {
        r.u8('AMF0 object-end marker');
        break;
      }
      this.budget.members(++count, 'AMF0 object');
      setMember(properties, name, this.readValue(depth + 1));
    }
    this.open.delete(container);
    return container;
  }

  /** §2.12 strict array: a 32-bit count, then that many values. */
  private readStrictArray(depth: number): AmfValue[] {
    this.budget.enter(depth + 1);
    const count = this.reader.u32('AMF0 strict array count');
    this.budget.count(count, MIN_STRICT_ARRAY_ITEM_BYTES, 'AMF0 strict array');
    const items: AmfValue[] = [];
    this.references.push(items);
    this.open.add(items);
    for (let i = 0; i < count; i++) items.push(this.readValue(depth + 1));
    this.open.delete(items);
    return items;
  }

  /** §2.9 reference: a 16-bit index into the complex values seen so far. */
  private readReference(): AmfValue {
    const index = this.reader.u16('AMF0 reference index');
    if (index >= this.references.length) {
      throw new AmfError(
        'bad_reference',
        `AMF0 reference ${index} but only ${this.references.length} complex values`,
      );
    }
    const target = this.references[index];
    if (this.open.has(target)) {
      throw new AmfError(
        'bad_reference',
        `AMF0 reference ${index} points at a value still being decoded (cycle)`,
      );
    }
    return target;
  }
}

export interface Amf0EncodeOptions {
  /**
   * When to write a value as AMF3 behind the avmplus-object marker 0x11 (§3.1), as
   * servers do for clients that connected with objectEncoding 3:
   * 'never' (default), 'objects' (every non-primitive value), 'all' (every value).
   * Values AMF0 cannot express (byte arrays, vectors) always switch.
   */
  avmplus?: 'never' | 'objects' | 'all';
  /** Bounds on values visited and bytes written (DEFAULT_AMF_ENCODE_LIMITS). */
  limits?: Partial<AmfEncodeLimits>;
}

/**
 * Encodes `values` one after another, e.g. a command name, a transaction id and arguments. Throws
 * AmfError('too_large') past `options.limits` (values visited, bytes written), whatever the graph.
 */
export function encodeAmf0(values: readonly AmfValue[], options: Amf0EncodeOptions = {}): Buffer {
  const encoder = new Amf0Encoder(new AmfWriter(options.limits), options.avmplus ?? 'never');
  for (const v of values) encoder.writeValue(v, true);
  return encoder.writer.finish();
}

class Amf0Encoder {
  private readonly references = new Map<object, number>();
  private readonly open = new Set<object>();
  private amf3: Amf3Encoder | undefined;

  constructor(
    readonly writer: AmfWriter,
    private readonly avmplus: 'never' | 'objects' | 'all',
  ) {}

  writeValue(v: AmfValue, topLevel: boolean): void {
    const w = this.writer;
    w.node();
    const primitive = v === null || typeof v !== 'object';
    const switchToAmf3 =
      v instanceof Uint8Array ||
      v instanceof AmfVector ||
      (topLevel && (this.avmplus === 'all' || (this.avmplus === 'objects' && !primitive)));
    if (switchToAmf3) {
      w.u8(Amf0Marker.AvmPlusObject);
      this.amf3 ??= new Amf3Encoder(w);
      this.amf3.writeValue(v);
      return;
    }
    if (v === undefined) {
      w.u8(Amf0Marker.Undefined);
      return;
    }
    if (v === null) {
      w.u8(Amf0Marker.Null);
      return;
    }
    switch (typeof v) {
      case 'number':
        w.u8(Amf0Marker.Number);
        w.f64(v);
        return;
      case 'boolean':
        w.u8(Amf0Marker.Boolean);
        w.u8(v ? 1 : 0);
        return;
      case 'string': {
        const bytes = utf8Bytes(v);
        if (bytes.length <= MAX_SHORT_STRING_BYTES) {
          w.u8(Amf0Marker.String);
          w.u16(bytes.length);
        } else {
          w.u8(Amf0Marker.LongString);
          w.u32(bytes.length);
        }
        w.bytes(bytes);
        return;
      }
      case 'object':
        this.writeObject(v);
        return;
      default:
        throw new AmfError('unencodable', `AMF0 cannot encode a ${typeof v}`);
    }
  }

  private writeObject(v: object): void {
    const w = this.writer;
    if (v instanceof Date) {
      w.u8(Amf0Marker.Date);
      w.f64(v.getTime());
      w.s16(0);
      return;
    }
    if (v instanceof AmfXml) {
      const bytes = utf8Bytes(v.xml);
      w.u8(Amf0Marker.XmlDocument);
      w.u32(bytes.length);
      w.bytes(bytes);
      return;
    }
    const seen = this.references.get(v);
    if (seen !== undefined) {
      if (this.open.has(v)) throw new AmfError('unencodable', 'AMF0 cannot encode a cyclic value');
      w.u8(Amf0Marker.Reference);
      w.u16(seen);
      return;
    }
    if (this.references.size <= MAX_REFERENCE_INDEX) this.references.set(v, this.references.size);
    this.open.add(v);
    if (Array.isArray(v)) {
      w.u8(Amf0Marker.StrictArray);
      w.u32(v.length);
      for (const item of v as AmfValue[]) this.writeValue(item, false);
    } else if (v instanceof AmfEcmaArray) {
      const keys = Object.keys(v.properties);
      w.u8(Amf0Marker.EcmaArray);
      w.u32(keys.length);
      this.writeMembers(v.properties, keys);
    } else if (v instanceof AmfTypedObject) {
      w.u8(Amf0Marker.TypedObject);
      this.writeName(v.className);
      this.writeMembers(v.properties, Object.keys(v.properties));
    } else if (isPlainObject(v)) {
      w.u8(Amf0Marker.Object);
      this.writeMembers(v, Object.keys(v));
    } else {
      throw new AmfError('unencodable', `AMF0 cannot encode an instance of ${v.constructor.name}`);
    }
    this.open.delete(v);
  }

  private writeMembers(properties: AmfObject, keys: readonly string[]): void {
    for (const key of keys) {
      this.writeName(key);
      this.writeValue(properties[key], false);
    }
    this.writeName('');
    this.writer.u8(Amf0Marker.ObjectEnd);
  }

  private writeName(name: string): void {
    const bytes = utf8Bytes(name);
    if (bytes.length > MAX_SHORT_STRING_BYTES) {
      throw new AmfError('unencodable', `AMF0 member name of ${bytes.length} bytes exceeds 65535`);
    }
    this.writer.u16(bytes.length);
    this.writer.bytes(bytes);
  }
}
