/**
 * AMF3, as specified in "AMF 3 Specification" (Adobe, January 2013). Section numbers
 * below refer to that document. Used behind the AMF0 avmplus-object marker (0x11) in
 * RTMP AMF3 command and data messages (types 17 and 15).
 *
 * Externalizable objects carry a class-defined body that only the class can read, so
 * only the Flex wrappers whose body is a single AMF3 value are accepted:
 * `flex.messaging.io.ArrayCollection` and `flex.messaging.io.ObjectProxy` decode to
 * `AmfTypedObject(className, { source })` and encode back the same way. Any other
 * externalizable class, and dictionaries (0x11), fail with `AmfError('unsupported')`.
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

/** §3.1 type markers. */
export const Amf3Marker = {
  Undefined: 0x00,
  Null: 0x01,
  False: 0x02,
  True: 0x03,
  Integer: 0x04,
  Double: 0x05,
  String: 0x06,
  XmlDocument: 0x07,
  Date: 0x08,
  Array: 0x09,
  Object: 0x0a,
  Xml: 0x0b,
  ByteArray: 0x0c,
  VectorInt: 0x0d,
  VectorUint: 0x0e,
  VectorDouble: 0x0f,
  VectorObject: 0x10,
  Dictionary: 0x11,
} as const;

/** Flex classes whose externalized body is exactly one AMF3 value (see the file comment). */
export const AMF3_KNOWN_EXTERNALIZABLE: ReadonlySet<string> = new Set([
  'flex.messaging.io.ArrayCollection',
  'flex.messaging.io.ObjectProxy',
]);

/** §1.3.1: U29 holds 29 bits; AMF3 integers are its two's-complement reading. */
const U29_MAX = 0x1fffffff;
const INT29_MIN = -0x10000000;
const INT29_MAX = 0x0fffffff;
/** Lengths and counts share the U29 with a 1-bit flag, leaving 28 bits. */
const U28_MAX = 0x0fffffff;

const VECTOR_KIND_BY_MARKER = {
  [Amf3Marker.VectorInt]: 'int',
  [Amf3Marker.VectorUint]: 'uint',
  [Amf3Marker.VectorDouble]: 'double',
  [Amf3Marker.VectorObject]: 'object',
} as const;
const VECTOR_MARKER_BY_KIND = {
  int: Amf3Marker.VectorInt,
  uint: Amf3Marker.VectorUint,
  double: Amf3Marker.VectorDouble,
  object: Amf3Marker.VectorObject,
} as const;
/** Bytes per element of the numeric vectors (§3.15); an object vector's elements take at least a marker. */
const VECTOR_ITEM_BYTES = { int: 4, uint: 4, double: 8, object: 1 } as const;

/** §3.12 traits: how an object's members are laid out. */
interface Traits {
  className: string;
  sealed: string[];
  dynamic: boolean;
  externalizable: boolean;
}

/** Decodes every consecutive AMF3 value in `buf` with one set of reference tables. Throws only `AmfError`. */
export function decodeAmf3(buf: Uint8Array, limits?: Partial<AmfLimits>): AmfValue[] {
  const reader = new AmfReader(buf);
  const decoder = new Amf3Decoder(reader, resolveAmfLimits(limits));
  const values: AmfValue[] = [];
  while (reader.remaining > 0) values.push(decoder.readValue());
  return values;
}

/**
 * Encodes `values` one after another with one set of reference tables. Throws AmfError('too_large')
 * past `limits` (values visited, bytes written).
 */
export function encodeAmf3(values: readonly AmfValue[], limits?: Partial<AmfEncodeLimits>): Buffer {
  const writer = new AmfWriter(limits);
  const encoder = new Amf3Encoder(writer);
  for (const v of values) encoder.writeValue(v);
  return writer.finish();
}

export class Amf3Decoder {
  private readonly budget: AmfBudget;
  private readonly strings: string[] = [];
  /** §2.2: arrays, objects, XML, dates, byte arrays and vectors share one table. */
  private readonly objects: AmfValue[] = [];
  /** Object-table slots whose value is still being read: a reference to one would be a cycle. */
  private readonly open = new Set<number>();
  private readonly traits: Traits[] = [];

  constructor(
    private readonly reader: AmfReader,
    limits: AmfLimits,
  ) {
    this.budget = new AmfBudget(limits, reader);
    this.budget.input(reader.remaining);
  }

  /** `depth` is the number of containers around this value. */
  readValue(depth = 0): AmfValue {
    const r = this.reader;
    this.budget.node();
    const marker = r.u8('AMF3 type marker');
    switch (marker) {
      case Amf3Marker.Undefined:
        return undefined;
      case Amf3Marker.Null:
        return null;
      case Amf3Marker.False:
        return false;
      case Amf3Marker.True:
        return true;
      case Amf3Marker.Integer: {
        const u = this.readU29('AMF3 integer');
        return u > INT29_MAX ? u - (U29_MAX + 1) : u;
      }
      case Amf3Marker.Double:
        return r.f64('AMF3 double');
      case Amf3Marker.String:
        return this.readString();
      case Amf3Marker.XmlDocument:
      case Amf3Marker.Xml:
        return this.readXml(marker === Amf3Marker.Xml ? 'xml' : 'xml-document');
      case Amf3Marker.Date:
        return this.readDate();
      case Amf3Marker.Array:
        return this.readArray(depth);
      case Amf3Marker.Object:
        return this.readObject(depth);
      case Amf3Marker.ByteArray:
        return this.readByteArray();
      case Amf3Marker.VectorInt:
      case Amf3Marker.VectorUint:
      case Amf3Marker.VectorDouble:
      case Amf3Marker.VectorObject:
        return this.readVector(VECTOR_KIND_BY_MARKER[marker], depth);
      case Amf3Marker.Dictionary:
        throw new AmfError('unsupported', `AMF3 dictionary at offset ${r.offset - 1} is not supported`);
      default:
        throw new AmfError(
          'unknown_marker',
          `AMF3 marker 0x${marker.toString(16)} at offset ${r.offset - 1}`,
        );
    }
  }

  /** §1.3.1: up to 4 bytes, 7 bits each with a continuation bit, then 8 bits in the 4th. */
  private readU29(what: string): number {
    const r = this.reader;
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const b = r.u8(what);
      value = (value << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) return value;
    }
    return ((value << 8) | r.u8(what)) >>> 0;
  }

  /** §3.8 U29S: a string-table reference (low bit 0) or an inline length; '' is never in the table. */
  private readString(): string {
    const u = this.readU29('AMF3 string header');
    if ((u & 1) === 0) return this.stringReference(u >>> 1);
    const length = u >>> 1;
    this.budget.byteLength(length, 'AMF3 string');
    const s = this.reader.utf8(length, 'AMF3 string');
    if (s !== '') this.strings.push(s);
    return s;
  }

  private stringReference(index: number): string {
    const s = this.strings[index];
    if (s === undefined) {
      throw new AmfError(
        'bad_reference',
        `AMF3 string reference ${index} but only ${this.strings.length} strings`,
      );
    }
    return s;
  }

  /**
   * Reads a U29 whose low bit says inline (1) or object-table reference (0).
   * Returns the value bits for an inline value, or the referenced value.
   */
  private readObjectHeader(
    what: string,
  ): { inline: true; bits: number } | { inline: false; value: AmfValue } {
    const u = this.readU29(what);
    if ((u & 1) === 1) return { inline: true, bits: u >>> 1 };
    const index = u >>> 1;
    if (index >= this.objects.length) {
      throw new AmfError(
        'bad_reference',
        `AMF3 object reference ${index} but only ${this.objects.length} objects`,
      );
    }
    if (this.open.has(index)) {
      throw new AmfError(
        'bad_reference',
        `AMF3 object reference ${index} points at a value still being decoded (cycle)`,
      );
    }
    return { inline: false, value: this.objects[index] };
  }

  /** Reserves an object-table slot before members are read (§2.2: the table is in marker order). */
  private openSlot(): number {
    this.open.add(this.objects.length);
    this.objects.push(undefined);
    return this.objects.length - 1;
  }

  private closeSlot<T extends AmfValue>(slot: number, value: T): T {
    this.objects[slot] = value;
    this.open.delete(slot);
    return value;
  }

  /** §3.9 / §3.13: U29X then UTF-8 text. */
  private readXml(kind: AmfXml['kind']): AmfValue {
    const h = this.readObjectHeader('AMF3 XML header');
    if (!h.inline) return h.value;
    this.budget.byteLength(h.bits, 'AMF3 XML');
    const xml = new AmfXml(this.reader.utf8(h.bits, 'AMF3 XML'), kind);
    this.objects.push(xml);
    return xml;
  }

  /** §3.10: U29D (value bits unused) then milliseconds since the epoch as a double. */
  private readDate(): AmfValue {
    const h = this.readObjectHeader('AMF3 date header');
    if (!h.inline) return h.value;
    const date = new Date(this.reader.f64('AMF3 date'));
    this.objects.push(date);
    return date;
  }

  /** §3.14: U29B then raw bytes. */
  private readByteArray(): AmfValue {
    const h = this.readObjectHeader('AMF3 byte-array header');
    if (!h.inline) return h.value;
    this.budget.byteLength(h.bits, 'AMF3 byte array');
    const bytes = this.reader.copy(h.bits, 'AMF3 byte array');
    this.objects.push(bytes);
    return bytes;
  }

  /** §3.11: U29A dense count, associative (name, value)* ended by '', then the dense values. */
  private readArray(depth: number): AmfValue {
    const h = this.readObjectHeader('AMF3 array header');
    if (!h.inline) return h.value;
    this.budget.enter(depth + 1);
    const slot = this.openSlot();
    const assoc: AmfObject = {};
    let assocCount = 0;
    for (let name = this.readString(); name !== ''; name = this.readString()) {
      this.budget.members(++assocCount, 'AMF3 array associative part');
      setMember(assoc, name, this.readValue(depth + 1));
    }
    const dense = h.bits;
    this.budget.count(dense, 1, 'AMF3 array');
    const items: AmfValue[] = [];
    for (let i = 0; i < dense; i++) items.push(this.readValue(depth + 1));
    if (assocCount === 0) return this.closeSlot(slot, items);
    items.forEach((item, i) => {
      setMember(assoc, String(i), item);
    });
    return this.closeSlot(slot, new AmfEcmaArray(assoc));
  }

  /** §3.12: U29O (object reference, traits reference or inline traits), then members. */
  private readObject(depth: number): AmfValue {
    const h = this.readObjectHeader('AMF3 object header');
    if (!h.inline) return h.value;
    this.budget.enter(depth + 1);
    const slot = this.openSlot();
    const traits = this.readTraits(h.bits);
    if (traits.externalizable) {
      if (!AMF3_KNOWN_EXTERNALIZABLE.has(traits.className)) {
        throw new AmfError('unsupported', `AMF3 externalizable class '${traits.className}' is not supported`);
      }
      const source = this.readValue(depth + 1);
      return this.closeSlot(slot, new AmfTypedObject(traits.className, { source }));
    }
    const properties: AmfObject = {};
    for (const name of traits.sealed) setMember(properties, name, this.readValue(depth + 1));
    if (traits.dynamic) {
      let count = traits.sealed.length;
      for (let name = this.readString(); name !== ''; name = this.readString()) {
        this.budget.members(++count, 'AMF3 object');
        setMember(properties, name, this.readValue(depth + 1));
      }
    }
    const value = traits.className === '' ? properties : new AmfTypedObject(traits.className, properties);
    return this.closeSlot(slot, value);
  }

  /** `bits` is U29O without its object-reference flag. */
  private readTraits(bits: number): Traits {
    if ((bits & 1) === 0) {
      const index = bits >>> 1;
      const t = this.traits[index];
      if (t === undefined) {
        throw new AmfError(
          'bad_reference',
          `AMF3 traits reference ${index} but only ${this.traits.length} traits`,
        );
      }
      return t;
    }
    const externalizable = (bits & 2) !== 0;
    const dynamic = (bits & 4) !== 0;
    const sealedCount = bits >>> 3;
    const className = this.readString();
    const traits: Traits = { className, sealed: [], dynamic, externalizable };
    if (!externalizable) {
      this.budget.count(sealedCount, 1, 'AMF3 sealed traits');
      for (let i = 0; i < sealedCount; i++) traits.sealed.push(this.readString());
    }
    this.traits.push(traits);
    return traits;
  }

  /** §3.15: U29V count, a fixed-length flag, for Vector.<Object> the element type name, then items. */
  private readVector(kind: AmfVector['kind'], depth: number): AmfValue {
    const h = this.readObjectHeader('AMF3 vector header');
    if (!h.inline) return h.value;
    this.budget.enter(depth + 1);
    const slot = this.openSlot();
    const r = this.reader;
    const fixed = r.u8('AMF3 vector fixed flag') !== 0;
    const typeName = kind === 'object' ? this.readString() : '';
    const count = h.bits;
    this.budget.count(count, VECTOR_ITEM_BYTES[kind], 'AMF3 vector');
    const items: AmfValue[] = [];
    for (let i = 0; i < count; i++) {
      if (kind === 'int') items.push(r.s32('AMF3 vector int'));
      else if (kind === 'uint') items.push(r.u32('AMF3 vector uint'));
      else if (kind === 'double') items.push(r.f64('AMF3 vector double'));
      else items.push(this.readValue(depth + 1));
    }
    return this.closeSlot(slot, new AmfVector(kind, items, fixed, typeName));
  }
}

export class Amf3Encoder {
  private readonly strings = new Map<string, number>();
  private readonly objects = new Map<object, number>();
  private readonly open = new Set<object>();
  private readonly traits = new Map<string, number>();

  constructor(private readonly writer: AmfWriter) {}

  writeValue(v: AmfValue): void {
    const w = this.writer;
    w.node();
    if (v === undefined) {
      w.u8(Amf3Marker.Undefined);
      return;
    }
    if (v === null) {
      w.u8(Amf3Marker.Null);
      return;
    }
    switch (typeof v) {
      case 'boolean':
        w.u8(v ? Amf3Marker.True : Amf3Marker.False);
        return;
      case 'number':
        if (Number.isInteger(v) && v >= INT29_MIN && v <= INT29_MAX && !Object.is(v, -0)) {
          w.u8(Amf3Marker.Integer);
          this.writeU29(v & U29_MAX);
          return;
        }
        w.u8(Amf3Marker.Double);
        w.f64(v);
        return;
      case 'string':
        w.u8(Amf3Marker.String);
        this.writeString(v);
        return;
      case 'object':
        this.writeObject(v);
        return;
      default:
        throw new AmfError('unencodable', `AMF3 cannot encode a ${typeof v}`);
    }
  }

  private writeU29(u: number): void {
    const w = this.writer;
    if (u < 0x80) {
      w.u8(u);
      return;
    }
    if (u < 0x4000) {
      w.u8(((u >>> 7) & 0x7f) | 0x80);
      w.u8(u & 0x7f);
      return;
    }
    if (u < 0x200000) {
      w.u8(((u >>> 14) & 0x7f) | 0x80);
      w.u8(((u >>> 7) & 0x7f) | 0x80);
      w.u8(u & 0x7f);
      return;
    }
    w.u8(((u >>> 22) & 0x7f) | 0x80);
    w.u8(((u >>> 15) & 0x7f) | 0x80);
    w.u8(((u >>> 8) & 0x7f) | 0x80);
    w.u8(u & 0xff);
  }

  /** A length or count with the inline flag (§1.3.1 U29 with its low bit set). */
  private writeInline(n: number, what: string): void {
    if (n > U28_MAX) throw new AmfError('unencodable', `AMF3 ${what} of ${n} exceeds ${U28_MAX}`);
    this.writeU29((n << 1) | 1);
  }

  private writeString(s: string): void {
    const seen = this.strings.get(s);
    if (seen !== undefined) {
      this.writeU29(seen << 1);
      return;
    }
    const bytes = utf8Bytes(s);
    this.writeInline(bytes.length, 'string length');
    this.writer.bytes(bytes);
    if (s !== '' && this.strings.size <= U28_MAX) this.strings.set(s, this.strings.size);
  }

  /** Writes an object-table reference and returns true, or registers `v` and returns false. */
  private writeReference(v: object): boolean {
    const seen = this.objects.get(v);
    if (seen === undefined) {
      if (this.objects.size <= U28_MAX) this.objects.set(v, this.objects.size);
      return false;
    }
    if (this.open.has(v)) throw new AmfError('unencodable', 'AMF3 cannot encode a cyclic value');
    this.writeU29(seen << 1);
    return true;
  }

  private writeObject(v: object): void {
    const w = this.writer;
    const marker = markerOf(v);
    w.u8(marker);
    if (this.writeReference(v)) return;
    this.open.add(v);
    if (v instanceof Date) {
      this.writeU29(1);
      w.f64(v.getTime());
    } else if (v instanceof AmfXml || v instanceof Uint8Array) {
      const bytes = v instanceof AmfXml ? utf8Bytes(v.xml) : v;
      this.writeInline(bytes.byteLength, 'XML or byte-array length');
      w.bytes(bytes);
    } else if (Array.isArray(v)) {
      this.writeInline(v.length, 'array length');
      this.writeString('');
      for (const item of v as AmfValue[]) this.writeValue(item);
    } else if (v instanceof AmfEcmaArray) {
      this.writeInline(0, 'array length');
      this.writeDynamicMembers(v.properties);
    } else if (v instanceof AmfVector) {
      this.writeVector(v);
    } else if (v instanceof AmfTypedObject) {
      this.writeTypedObject(v);
    } else {
      this.writeTraits('', [], true, false);
      this.writeDynamicMembers(v as AmfObject);
    }
    this.open.delete(v);
  }

  private writeDynamicMembers(properties: AmfObject): void {
    for (const [key, value] of Object.entries(properties)) {
      // §3.11/§3.12: the empty name ends the member list, so it cannot be a key.
      if (key === '') throw new AmfError('unencodable', 'AMF3 cannot encode an empty member name');
      this.writeString(key);
      this.writeValue(value);
    }
    this.writeString('');
  }

  private writeTypedObject(v: AmfTypedObject): void {
    if (AMF3_KNOWN_EXTERNALIZABLE.has(v.className)) {
      this.writeTraits(v.className, [], false, true);
      this.writeValue(v.properties.source);
      return;
    }
    const keys = Object.keys(v.properties);
    this.writeTraits(v.className, keys, false, false);
    for (const key of keys) this.writeValue(v.properties[key]);
  }

  /** §3.12 U29O-traits, or a U29O-traits-ref when the same layout was written before. */
  private writeTraits(className: string, sealed: string[], dynamic: boolean, externalizable: boolean): void {
    const key = JSON.stringify([className, sealed, dynamic, externalizable]);
    const seen = this.traits.get(key);
    if (seen !== undefined) {
      this.writeU29((seen << 2) | 0b01);
      return;
    }
    if (sealed.length > U28_MAX >>> 3)
      throw new AmfError('unencodable', `AMF3 traits with ${sealed.length} members`);
    this.traits.set(key, this.traits.size);
    this.writeU29((sealed.length << 4) | (dynamic ? 0b1000 : 0) | (externalizable ? 0b0100 : 0) | 0b0011);
    this.writeString(className);
    for (const name of sealed) this.writeString(name);
  }

  private writeVector(v: AmfVector): void {
    const w = this.writer;
    this.writeInline(v.items.length, 'vector length');
    w.u8(v.fixed ? 1 : 0);
    if (v.kind === 'object') {
      this.writeString(v.typeName);
      for (const item of v.items) this.writeValue(item);
      return;
    }
    for (const item of v.items) {
      if (typeof item !== 'number')
        throw new AmfError('unencodable', `AMF3 Vector.<${v.kind}> holds a ${typeof item}`);
      if (v.kind === 'double') w.f64(item);
      else if (v.kind === 'int' && Number.isInteger(item) && item >= -0x80000000 && item <= 0x7fffffff)
        w.s32(item);
      else if (v.kind === 'uint' && Number.isInteger(item) && item >= 0 && item <= 0xffffffff) w.u32(item);
      else throw new AmfError('unencodable', `AMF3 Vector.<${v.kind}> cannot hold ${item}`);
    }
  }
}

function markerOf(v: object): number {
  if (v instanceof Date) return Amf3Marker.Date;
  if (v instanceof AmfXml) return v.kind === 'xml' ? Amf3Marker.Xml : Amf3Marker.XmlDocument;
  if (v instanceof Uint8Array) return Amf3Marker.ByteArray;
  if (Array.isArray(v) || v instanceof AmfEcmaArray) return Amf3Marker.Array;
  if (v instanceof AmfVector) return VECTOR_MARKER_BY_KIND[v.kind];
  if (v instanceof AmfTypedObject || isPlainObject(v)) return Amf3Marker.Object;
  throw new AmfError('unencodable', `AMF3 cannot encode an instance of ${v.constructor.name}`);
}
